import {
  MAX_TOKEN_REQUEST_RETRIES,
  MAX_TOKEN_RESPONSE_BYTES,
  RETRY_BASE_DELAY_MS,
} from '../auth-code-flow.constants.js';
import { TokenEndpointError } from '../auth-code-flow.errors.js';
import { TOKEN_ENDPOINT_FAILED } from '../auth-code-flow.messages.js';
import type { TokenHttpResponse, TokenHttpTransport } from '../interfaces/token-http-transport.interface.js';
import { TokenHttpFailure } from '../transport/token-http-failure.js';
import { sleep } from '../utils/sleep.util.js';
import { formEncodePairs } from '../utils/url.util.js';
import { parseTokenResponseBody } from './token-response-body.parser.js';

/** How a token request's parameters are sent: a form body (RFC 6749) or a JSON body. */
export type TokenRequestBodyEncoding = 'form' | 'json';

/** The `postFormData` option as a body encoding. */
export function bodyEncodingOf(postFormData: boolean): TokenRequestBodyEncoding {
  return postFormData ? 'form' : 'json';
}

export interface TokenEndpointRequest {
  /** For messages: 'token', 'refresh', 'revocation'. */
  operation: string;
  url: string;
  params: Record<string, string>;
  headers: Record<string, string>;
  bodyEncoding: TokenRequestBodyEncoding;
  /** Budget of the whole call, retries included. */
  timeoutMs: number;
  /** Signs a DPoP proof (RFC 9449) for each attempt, and keeps the server's nonces. */
  dpop?: DpopProofSource;
  /**
   * Adds the client's authentication to a copy of `params` and `headers` for each attempt (token, refresh,
   * revocation and PAR requests all pass it): a client assertion (RFC 7523) is single-use, so a resend must
   * carry a new one. Without it, `params` and `headers` are sent as they are.
   */
  authenticate?: (params: Record<string, string>, headers: Record<string, string>) => Promise<void>;
}

/** What the token client needs of a manager's DPoP key (RFC 9449 §4, §8). */
export interface DpopProofSource {
  /** A fresh proof for one request, with the last nonce the URL's server gave when one is known. */
  proof(method: string, url: string): Promise<string>;
  /** Keeps a nonce the URL's server gave; whether it was kept (a value that is not a nonce is not). */
  rememberNonce(url: string, nonce: string | undefined): boolean;
}

/**
 * Failures that prove the request never left: the connection was refused, or the host name did not resolve.
 * Everything else (a reset, a timeout, any answer, a 503 with `Retry-After` included) may follow a request
 * the server received, so it is never retried.
 */
const NOT_SENT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
/** A system error code as Node and axios spell them; a custom transport's code of any other form is not repeated. */
const ERROR_CODE = /^[A-Z0-9_]{1,64}$/i;

/**
 * POSTs to a token endpoint through the module's {@link TokenHttpTransport}: bounds the whole exchange,
 * retries included, by one deadline. A request carries a code or a refresh token, which the server may
 * redeem or rotate on receipt (RFC 6749 §4.1.2, §10.4), so it is sent at most once: only a request that
 * provably never left is retried.
 *
 * One answer is the exception: with DPoP, an HTTP 400 `error: use_dpop_nonce` that comes with a `DPoP-Nonce`
 * header. The server refused the request before using the code or refresh token (RFC 9449 §8: it asks for a
 * proof with its nonce), so it is sent once more, with a fresh proof carrying that nonce, within the same
 * deadline; whatever the second answer is, it is final. Every other answer is never followed by a resend.
 */
export class TokenEndpointClient {
  /** The module's transport; discovery GETs metadata through it too. */
  constructor(readonly transport: TokenHttpTransport) {}

  async post(request: TokenEndpointRequest): Promise<TokenHttpResponse> {
    const deadline = Date.now() + request.timeoutMs;
    const form = request.bodyEncoding === 'form';
    const baseHeaders: Record<string, string> = {
      Accept: 'application/json',
      'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json',
      ...request.headers,
    };
    const encode = (params: Record<string, string>) =>
      form ? formEncodePairs(Object.entries(params)) : JSON.stringify(params);
    let headers = baseHeaders;
    let body = request.authenticate ? '' : encode(request.params);

    const { dpop } = request;
    let nonceRetried = false;
    for (let attempt = 0; ;) {
      if (request.authenticate) {
        const params = { ...request.params };
        headers = { ...baseHeaders };
        await request.authenticate(params, headers);
        body = encode(params);
      }
      if (dpop) headers.DPoP = await dpop.proof('POST', request.url);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw timeoutError(request);
      let response: TokenHttpResponse;
      try {
        const once = {
          url: request.url,
          headers,
          body,
          timeoutMs: remaining,
          maxResponseBytes: MAX_TOKEN_RESPONSE_BYTES,
        };
        response = await this.transport.post(once);
      } catch (error) {
        const failure = classify(error, request);
        const delay = RETRY_BASE_DELAY_MS * 2 ** attempt;
        if (failure.retryable && attempt < MAX_TOKEN_REQUEST_RETRIES && Date.now() + delay < deadline) {
          attempt++;
          await sleep(delay);
          continue;
        }
        throw failure.error;
      }
      // Any other answer, whatever its status or Retry-After, is final: the server had the request.
      const nonceKept = dpop !== undefined && dpop.rememberNonce(request.url, response.dpopNonce);
      if (!nonceKept || nonceRetried || !asksForDpopNonce(response)) return response;
      nonceRetried = true;
    }
  }
}

/** An HTTP 400 whose body is the OAuth error `use_dpop_nonce` (RFC 9449 §8). */
function asksForDpopNonce(response: TokenHttpResponse): boolean {
  if (response.status !== 400) return false;
  try {
    return parseTokenResponseBody(response.contentType, response.body)?.error === 'use_dpop_nonce';
  } catch {
    return false;
  }
}

function timeoutError(request: TokenEndpointRequest): TokenEndpointError {
  return new TokenEndpointError(
    'timeout',
    undefined,
    TOKEN_ENDPOINT_FAILED(request.operation, `no complete response within ${request.timeoutMs} ms`),
  );
}

/** Maps a transport failure to a `TokenEndpointError`; its cause is a bare summary, never the underlying error. */
function classify(error: unknown, request: TokenEndpointRequest): { error: TokenEndpointError; retryable: boolean } {
  if (!(error instanceof TokenHttpFailure)) {
    const cause = new Error(error instanceof Error ? error.name : 'unknown failure');
    return {
      error: new TokenEndpointError(
        'network',
        undefined,
        TOKEN_ENDPOINT_FAILED(request.operation, 'unexpected failure'),
        { cause },
      ),
      retryable: false,
    };
  }
  const code = error.code !== undefined && ERROR_CODE.test(error.code) ? error.code : undefined;
  const cause = new Error(code ?? error.kind);
  switch (error.kind) {
    case 'timeout':
      return { error: timeoutError(request), retryable: false };
    case 'response_too_large':
      return {
        error: new TokenEndpointError(
          'response_too_large',
          undefined,
          TOKEN_ENDPOINT_FAILED(request.operation, `the response exceeds ${MAX_TOKEN_RESPONSE_BYTES} bytes`),
          { cause },
        ),
        retryable: false,
      };
    default: {
      const message = TOKEN_ENDPOINT_FAILED(request.operation, `network error ${code ?? 'without a code'}`);
      return {
        error: new TokenEndpointError('network', undefined, message, { cause }),
        retryable: code !== undefined && NOT_SENT_ERRORS.has(code),
      };
    }
  }
}
