import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { isAxiosError, type AxiosAdapter, type AxiosResponse } from 'axios';
import {
  MAX_RETRY_AFTER_MS,
  MAX_TOKEN_REQUEST_RETRIES,
  MAX_TOKEN_RESPONSE_BYTES,
  RETRY_BASE_DELAY_MS,
} from '../auth-code-flow.constants.js';
import { TokenEndpointError } from '../auth-code-flow.errors.js';
import { TOKEN_ENDPOINT_FAILED } from '../auth-code-flow.messages.js';
import { tokenHttpAdapter } from './token-http.adapter.js';
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
 * POSTs to a token endpoint through Nest's `HttpService`: never follows a redirect, caps the response size,
 * bounds the whole exchange by a deadline, and retries only what is safe (RFC 6749 §4.1.2: a code is single use).
 */
@Injectable()
export class TokenEndpointClient {
  private readonly adapter: AxiosAdapter | undefined = tokenHttpAdapter();

  constructor(private readonly http: HttpService) {}

  async post(request: TokenEndpointRequest): Promise<RawTokenResponse> {
    const deadline = Date.now() + request.timeoutMs;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'Content-Type': request.postFormData ? 'application/x-www-form-urlencoded' : 'application/json',
      ...request.headers,
    };
    const body = request.postFormData ? new URLSearchParams(request.params).toString() : JSON.stringify(request.params);

    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw timeoutError(request);
      let response: AxiosResponse<string>;
      try {
        response = await this.send(request.url, headers, body, remaining);
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
      return {
        status: response.status,
        contentType: String(response.headers['content-type'] ?? ''),
        body: typeof response.data === 'string' ? response.data : String(response.data ?? ''),
      };
    }
  }

  private async send(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<AxiosResponse<string>> {
    // Our adapter bounds the whole exchange by `timeout`; axios's own (used behind a proxy) only the socket's
    // idle time, so there a signal bounds a slow-dripping body as well.
    const controller = this.adapter ? undefined : new AbortController();
    const timer = controller && setTimeout(() => controller.abort(), timeoutMs);
    timer?.unref();
    try {
      // HttpService's axios instance, so its interceptors and defaults apply; the promise API, since an
      // Observable per request adds nothing here.
      return await this.http.axiosRef.request<string>({
        method: 'POST',
        url,
        headers,
        data: body,
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
        maxRedirects: 0,
        maxContentLength: MAX_TOKEN_RESPONSE_BYTES,
        maxBodyLength: MAX_TOKEN_RESPONSE_BYTES,
        timeout: timeoutMs,
        signal: controller?.signal,
        decompress: true,
        adapter: this.adapter,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** `Retry-After` of a 429 or 503, in milliseconds, when it is short enough to wait for. */
function retryAfterMs(response: AxiosResponse): number | undefined {
  if (response.status !== 429 && response.status !== 503) return undefined;
  const header = response.headers['retry-after'];
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(header.trim())) ms = Number(header.trim()) * 1000;
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

/**
 * Maps an axios failure to a `TokenEndpointError`. The axios error itself is not kept as `cause`: its
 * `config` holds the request body (code, secret, verifier). A bare summary stands in for it.
 */
function classify(error: unknown, request: TokenEndpointRequest): { error: TokenEndpointError; retryable: boolean } {
  if (!isAxiosError(error)) {
    const cause = new Error(error instanceof Error ? `${error.name}` : 'unknown failure');
    return { error: new TokenEndpointError('network', undefined, TOKEN_ENDPOINT_FAILED(request.operation, 'unexpected failure'), { cause }), retryable: false };
  }
  const code = error.code ?? '';
  const cause = new Error(code || 'request failed');
  if (code === 'ERR_CANCELED' || code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ABORT_ERR') {
    return { error: timeoutError(request), retryable: false };
  }
  if (error.message.startsWith('maxContentLength')) {
    return {
      error: new TokenEndpointError('response_too_large', error.response?.status, TOKEN_ENDPOINT_FAILED(request.operation, `the response exceeds ${MAX_TOKEN_RESPONSE_BYTES} bytes`), { cause }),
      retryable: false,
    };
  }
  return {
    error: new TokenEndpointError('network', undefined, TOKEN_ENDPOINT_FAILED(request.operation, `network error ${code || 'without a code'}`), { cause }),
    retryable: NOT_SENT_ERRORS.has(code),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
