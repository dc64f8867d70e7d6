/**
 * One POST to a token, refresh or revocation endpoint, as a transport sees it. The transport sends it once:
 * retries, the deadline across retries and the classification of answers belong to `TokenEndpointClient`.
 */
export interface TokenHttpRequest {
  url: string;
  /** Complete request headers, `Content-Type` included; the transport adds `Content-Length`. */
  headers: Record<string, string>;
  body: string;
  /** Bound of the whole exchange: connect, request, response headers and the last byte of the body. */
  timeoutMs: number;
  /** The response body, decoded, may not exceed this many bytes. */
  maxResponseBytes: number;
}

export interface TokenHttpResponse {
  status: number;
  /** The `Content-Type` header, or `''`. */
  contentType: string;
  /**
   * The `Retry-After` header, if any. It is never a reason to send the request again (it carried a code or
   * a refresh token); a 429's or 503's becomes `TokenEndpointError.retryAfter`.
   */
  retryAfter?: string;
  body: string;
  /** The `Cache-Control` header, if any; read for metadata (GET) only. */
  cacheControl?: string;
  /** The `DPoP-Nonce` header (RFC 9449 §8, §9), if any: the nonce the server wants in the next DPoP proof. */
  dpopNonce?: string;
  /** The `WWW-Authenticate` header, if any (lines joined with commas): a resource's challenge (RFC 9449 §7.1, §9). */
  wwwAuthenticate?: string;
}

/** One GET of public metadata (discovery): no body, no credential, with the same bounds as a POST. */
export interface TokenHttpGetRequest {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  maxResponseBytes: number;
}

/**
 * Sends token requests. It must never follow a redirect (a 3xx is returned as it is: following it would
 * re-send the code, secret and verifier to another origin), must honour both bounds of the request, and
 * must fail with a `TokenHttpFailure` that holds no part of the request.
 *
 * The module provides it under `TOKEN_HTTP_TRANSPORT`: `NodeHttpTokenTransport` by default,
 * `HttpServiceTokenTransport` with `tokenTransport: 'http-service'` or when an HTTP(S) proxy is configured.
 */
export interface TokenHttpTransport {
  post(request: TokenHttpRequest): Promise<TokenHttpResponse>;
  /**
   * One GET, with the same rules as `post` (no redirect followed, both bounds honoured). Needed only by
   * providers that use discovery; a custom transport without it cannot serve them.
   */
  get?(request: TokenHttpGetRequest): Promise<TokenHttpResponse>;
}
