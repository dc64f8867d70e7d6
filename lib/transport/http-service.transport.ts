import type { HttpService } from '@nestjs/axios';
import { isAxiosError, type AxiosResponse } from 'axios';
import { TokenHttpFailure, type TokenHttpRequest, type TokenHttpResponse, type TokenHttpTransport } from './token-http.transport.js';

/**
 * Token requests through Nest's `HttpService` and axios's own adapter, which honours the `HTTP(S)_PROXY`
 * and `NO_PROXY` variables. The module gives it an axios instance of its own, so interceptors an app adds
 * to the global axios (a request logger, say) never see a request body with the secret, code and verifier.
 *
 * It costs about 50 µs of CPU more per request than `NodeHttpTokenTransport` (axios's config merging and
 * header handling), which is why it is not the default.
 */
export class HttpServiceTokenTransport implements TokenHttpTransport {
  constructor(private readonly http: HttpService) {}

  async post(request: TokenHttpRequest): Promise<TokenHttpResponse> {
    // axios's `timeout` bounds only the socket's idle time; the signal bounds a slow-dripping body too.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), request.timeoutMs);
    let response: AxiosResponse<string>;
    try {
      response = await this.http.axiosRef.request<string>({
        method: 'POST',
        url: request.url,
        headers: request.headers,
        data: request.body,
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
        maxRedirects: 0,
        maxContentLength: request.maxResponseBytes,
        maxBodyLength: request.maxResponseBytes,
        timeout: request.timeoutMs,
        signal: controller.signal,
        decompress: true,
      });
    } catch (error) {
      throw failureOf(error, request);
    } finally {
      clearTimeout(timer);
    }
    const retryAfter = response.headers['retry-after'];
    return {
      status: response.status,
      contentType: String(response.headers['content-type'] ?? ''),
      ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
      body: typeof response.data === 'string' ? response.data : String(response.data ?? ''),
    };
  }
}

/** The axios error is not kept, not even as `cause`: its `config` holds the request body. */
function failureOf(error: unknown, request: TokenHttpRequest): TokenHttpFailure {
  if (!isAxiosError(error)) return new TokenHttpFailure('network', undefined, `unexpected failure (${error instanceof Error ? error.name : 'unknown'})`);
  const code = error.code || undefined;
  if (code === 'ERR_CANCELED' || code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ABORT_ERR') {
    return new TokenHttpFailure('timeout', code, `no complete response within ${request.timeoutMs} ms`);
  }
  if (error.message.startsWith('maxContentLength')) {
    return new TokenHttpFailure('response_too_large', undefined, `the response exceeds ${request.maxResponseBytes} bytes`);
  }
  return new TokenHttpFailure('network', code, `network error ${code ?? 'without a code'}`);
}
