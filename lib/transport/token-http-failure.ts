export type TokenHttpFailureKind = 'timeout' | 'response_too_large' | 'network';

/**
 * A request that got no usable answer. `code` is the system error code (`ECONNREFUSED`, `ECONNRESET`...)
 * when there is one. Transports never attach the underlying error: it may hold the request.
 */
export class TokenHttpFailure extends Error {
  constructor(
    readonly kind: TokenHttpFailureKind,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'TokenHttpFailure';
  }
}
