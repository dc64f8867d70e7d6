import { Inject, Injectable } from '@nestjs/common';
import {
  MAX_RETRY_AFTER_MS,
  MAX_TOKEN_REQUEST_RETRIES,
  MAX_TOKEN_RESPONSE_BYTES,
  RETRY_BASE_DELAY_MS,
} from '../auth-code-flow.constants.js';
import { TokenEndpointError } from '../auth-code-flow.errors.js';
import { TOKEN_ENDPOINT_FAILED } from '../auth-code-flow.messages.js';
import { TokenHttpFailure, type TokenHttpResponse, type TokenHttpTransport } from '../transport/token-http.transport.js';
import { TOKEN_HTTP_TRANSPORT } from '../transport/token-transport.provider.js';
import { formEncodePairs } from '../utils/url.util.js';
import type { RawTokenResponse } from './token-response.parser.js';

export interface TokenEndpointRequest {
  /** For messages: 'token', 'refresh', 'revocation'. */
  operation: string;
  url: string;
  params: Record<string, string>;
  headers: Record<string, string>;
  /** `true`: a form body; `false`: a JSON body. */
  postFormData: boolean;
  /** Budget of the whole call, retries included. */
  timeoutMs: number;
}

/** Connection errors raised before any byte of the request reached the server: a retry cannot redeem a code twice. */
const NOT_SENT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * POSTs to a token endpoint through the module's {@link TokenHttpTransport}: bounds the whole exchange,
 * retries included, by one deadline, and retries only what is safe (RFC 6749 §4.1.2: a code is single use).
 */
@Injectable()
export class TokenEndpointClient {
  constructor(@Inject(TOKEN_HTTP_TRANSPORT) private readonly transport: TokenHttpTransport) {}

  async post(request: TokenEndpointRequest): Promise<RawTokenResponse> {
    const deadline = Date.now() + request.timeoutMs;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'Content-Type': request.postFormData ? 'application/x-www-form-urlencoded' : 'application/json',
      ...request.headers,
    };
    const body = request.postFormData ? formEncodePairs(Object.entries(request.params)) : JSON.stringify(request.params);

    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw timeoutError(request);
      let response: TokenHttpResponse;
      try {
        response = await this.transport.post({ url: request.url, headers, body, timeoutMs: remaining, maxResponseBytes: MAX_TOKEN_RESPONSE_BYTES });
      } catch (error) {
        const failure = classify(error, request);
        const delay = RETRY_BASE_DELAY_MS * 2 ** attempt;
        if (failure.retryable && attempt < MAX_TOKEN_REQUEST_RETRIES && Date.now() + delay < deadline) {
          await sleep(delay);
          continue;
        }
        throw failure.error;
      }
      const retryAfter = retryAfterMs(response);
      if (retryAfter !== undefined && attempt < MAX_TOKEN_REQUEST_RETRIES && Date.now() + retryAfter < deadline) {
        await sleep(retryAfter);
        continue;
      }
      return response;
    }
  }
}

/** `Retry-After` of a 429 or 503, in milliseconds, when it is short enough to wait for. */
function retryAfterMs(response: TokenHttpResponse): number | undefined {
  if (response.status !== 429 && response.status !== 503) return undefined;
  const header = response.retryAfter?.trim();
  if (!header) return undefined;
  let ms: number;
  if (/^\d+$/.test(header)) ms = Number(header) * 1000;
  else {
    const date = Date.parse(header);
    if (Number.isNaN(date)) return undefined;
    ms = Math.max(0, date - Date.now());
  }
  return ms <= MAX_RETRY_AFTER_MS ? ms : undefined;
}

function timeoutError(request: TokenEndpointRequest): TokenEndpointError {
  return new TokenEndpointError('timeout', undefined, TOKEN_ENDPOINT_FAILED(request.operation, `no complete response within ${request.timeoutMs} ms`));
}

/** Maps a transport failure to a `TokenEndpointError`; its cause is a bare summary, never the underlying error. */
function classify(error: unknown, request: TokenEndpointRequest): { error: TokenEndpointError; retryable: boolean } {
  if (!(error instanceof TokenHttpFailure)) {
    const cause = new Error(error instanceof Error ? error.name : 'unknown failure');
    return { error: new TokenEndpointError('network', undefined, TOKEN_ENDPOINT_FAILED(request.operation, 'unexpected failure'), { cause }), retryable: false };
  }
  const cause = new Error(error.code ?? error.kind);
  switch (error.kind) {
    case 'timeout':
      return { error: timeoutError(request), retryable: false };
    case 'response_too_large':
      return {
        error: new TokenEndpointError('response_too_large', undefined, TOKEN_ENDPOINT_FAILED(request.operation, `the response exceeds ${MAX_TOKEN_RESPONSE_BYTES} bytes`), { cause }),
        retryable: false,
      };
    default:
      return {
        error: new TokenEndpointError('network', undefined, TOKEN_ENDPOINT_FAILED(request.operation, `network error ${error.code ?? 'without a code'}`), { cause }),
        retryable: error.code !== undefined && NOT_SENT_ERRORS.has(error.code),
      };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
