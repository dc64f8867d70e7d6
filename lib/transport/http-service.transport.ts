// Type-only, and kept out of the declarations: axios and @nestjs/axios are optional peers, loaded only when
// this transport is chosen (see token-transport.factory.ts).
import type { AxiosError, AxiosRequestConfig, AxiosResponse } from 'axios';
import type {
  TokenHttpGetRequest,
  TokenHttpRequest,
  TokenHttpResponse,
  TokenHttpTransport,
} from '../interfaces/token-http-transport.interface.js';
import { TokenHttpFailure } from './token-http-failure.js';

/**
 * What the transport uses of `HttpService` from `@nestjs/axios`: its axios instance. Declared without
 * axios's types, so that the package's declarations compile where the optional peers are not installed;
 * an `HttpService` is one.
 */
export interface HttpServiceLike {
  readonly axiosRef: { request(config: object): Promise<unknown> };
}

/**
 * Token requests through Nest's `HttpService` and axios's own adapter, which honours the `HTTP(S)_PROXY`
 * and `NO_PROXY` variables. The module gives it an axios instance of its own, so interceptors an app adds
 * to the global axios (a request logger, say) never see a request body with the secret, code and verifier.
 *
 * It costs about 50 µs of CPU more per request than `NodeHttpTokenTransport` (axios's config merging and
 * header handling), which is why it is not the default.
 */
export class HttpServiceTokenTransport implements TokenHttpTransport {
  constructor(private readonly http: HttpServiceLike) {}

  post(request: TokenHttpRequest): Promise<TokenHttpResponse> {
    return this.send('POST', request, request.body);
  }

  /** A GET of public metadata, with the same bounds and no redirect followed. */
  get(request: TokenHttpGetRequest): Promise<TokenHttpResponse> {
    return this.send('GET', request, undefined);
  }

  private async send(
    method: 'GET' | 'POST',
    request: TokenHttpGetRequest,
    data: string | undefined,
  ): Promise<TokenHttpResponse> {
    // axios's `timeout` bounds only the socket's idle time; the signal bounds a slow-dripping body too.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), request.timeoutMs);
    let response: AxiosResponse<string>;
    try {
      const config: AxiosRequestConfig<string> = {
        method,
        url: request.url,
        headers: request.headers,
        data,
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
        maxRedirects: 0,
        maxContentLength: request.maxResponseBytes,
        maxBodyLength: request.maxResponseBytes,
        timeout: request.timeoutMs,
        signal: controller.signal,
        decompress: true,
      };
      response = (await this.http.axiosRef.request(config)) as AxiosResponse<string>;
    } catch (error) {
      throw failureOf(error, request);
    } finally {
      clearTimeout(timer);
    }
    const retryAfter = response.headers['retry-after'];
    const cacheControl = method === 'GET' ? response.headers['cache-control'] : undefined;
    const { 'dpop-nonce': dpopNonce, 'www-authenticate': wwwAuthenticate } = response.headers;
    return {
      ...(typeof cacheControl === 'string' ? { cacheControl } : {}),
      status: response.status,
      contentType: String(response.headers['content-type'] ?? ''),
      ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
      ...(typeof dpopNonce === 'string' ? { dpopNonce } : {}),
      ...(typeof wwwAuthenticate === 'string' ? { wwwAuthenticate } : {}),
      body: typeof response.data === 'string' ? response.data : String(response.data ?? ''),
    };
  }
}

/** The axios error is not kept, not even as `cause`: its `config` holds the request body. */
function failureOf(error: unknown, request: TokenHttpGetRequest): TokenHttpFailure {
  if (!isAxiosError(error))
    return new TokenHttpFailure(
      'network',
      undefined,
      `unexpected failure (${error instanceof Error ? error.name : 'unknown'})`,
    );
  const code = error.code || undefined;
  if (code === 'ERR_CANCELED' || code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ABORT_ERR') {
    return new TokenHttpFailure('timeout', code, `no complete response within ${request.timeoutMs} ms`);
  }
  if (error.message.startsWith('maxContentLength')) {
    return new TokenHttpFailure(
      'response_too_large',
      undefined,
      `the response exceeds ${request.maxResponseBytes} bytes`,
    );
  }
  return new TokenHttpFailure('network', code, `network error ${code ?? 'without a code'}`);
}

/** axios's own `isAxiosError` test, without importing axios at run time. */
function isAxiosError(error: unknown): error is AxiosError {
  return typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true;
}
