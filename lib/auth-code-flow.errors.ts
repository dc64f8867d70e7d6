/**
 * Base class of this package's errors. `code` is stable and safe to show; no message or property of any
 * subclass holds a client secret, code, PKCE verifier or token, nor quotes a provider's answer.
 * The caller's own mistakes are `AuthCodeFlowConfigError` (options, at start-up) and `InvalidArgumentError`
 * (arguments, at call time; a `TypeError`, not a subclass of this); every other subclass is a processing
 * error: what a server, a store or a browser did.
 */
export class AuthCodeFlowError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type InvalidStateReason =
  'missing' | 'unknown_or_expired' | 'wrong_provider' | 'wrong_user' | 'wrong_browser' | 'missing_verifier';

/** The state is missing, unknown, expired, already used, or bound to another provider, user or browser. */
export class InvalidStateError extends AuthCodeFlowError {
  constructor(
    readonly reason: InvalidStateReason,
    message: string,
  ) {
    super('invalid_state', message);
  }
}

/** The provider redirected back with `error=...` (RFC 6749 §4.1.2.1). */
export class AuthorizationError extends AuthCodeFlowError {
  constructor(
    readonly error: string,
    readonly errorDescription: string | undefined,
    readonly errorUri: string | undefined,
    message: string,
  ) {
    super('authorization_error', message);
  }
}

export type InvalidCallbackReason =
  | 'repeated_parameter'
  | 'malformed_parameter'
  | 'missing_parameter'
  | 'code_and_error'
  | 'issuer_mismatch'
  | 'issuer_missing'
  /** The callback carries `iss` but the provider has no configured `issuer` to check it against (RFC 9207). */
  | 'issuer_unexpected';

/** The callback request is malformed or fails the RFC 9207 issuer check; nothing was looked up or exchanged. */
export class InvalidCallbackError extends AuthCodeFlowError {
  constructor(
    readonly reason: InvalidCallbackReason,
    message: string,
  ) {
    super('invalid_callback', message);
  }
}

/** {@link TokenRequestError.error} when the provider's `error` is not a short RFC 6749 §5.2 code. */
export const INVALID_ERROR_CODE = 'invalid_error_code';

/**
 * The token endpoint answered with an OAuth error response (RFC 6749 §5.2), also when it came with HTTP 200.
 * Its message quotes nothing of the response.
 */
export class TokenRequestError extends AuthCodeFlowError {
  constructor(
    /**
     * The provider's `error` (`invalid_grant`, ...) when it is 1 to 64 of `A-Z a-z 0-9 _ . -` (within RFC 6749
     * §5.2's character set); anything else, an object or an overlong or odd text, is `'invalid_error_code'`.
     */
    readonly error: string,
    /** The provider's `error_description`, without control characters and at most 512 characters long. */
    readonly errorDescription: string | undefined,
    readonly status: number,
    message: string,
  ) {
    super('token_request_error', message);
  }
}

export type TokenEndpointFailure =
  'timeout' | 'network' | 'http_status' | 'redirect' | 'invalid_response' | 'response_too_large';

/** The token endpoint could not be used: timeout, network failure, redirect, 5xx, unparseable or unacceptable body. */
export class TokenEndpointError extends AuthCodeFlowError {
  /**
   * Seconds the provider asked to wait (`Retry-After` of a 429 or 503), when it said so. The request is not
   * retried: it carried a code or refresh token, which is never sent twice. A new authorization may wait for it.
   */
  declare readonly retryAfter?: number;

  constructor(
    readonly failure: TokenEndpointFailure,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown; retryAfter?: number },
  ) {
    super('token_endpoint_error', message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

/** No provider of that name is configured. */
export class UnknownProviderError extends AuthCodeFlowError {
  constructor(
    readonly provider: string,
    message: string,
  ) {
    super('unknown_provider', message);
  }
}

/**
 * A state store refused a save because it is full. No built-in store throws it any more (`InMemoryStateStore`
 * evicts its oldest pending authorization instead); it is kept for custom stores, and the built-in routes
 * still answer it with 503.
 */
export class StateStoreFullError extends AuthCodeFlowError {
  constructor(message: string) {
    super('state_store_full', message);
  }
}

/**
 * A state or token store could not be reached or did not answer in time (e.g. Redis is down).
 * The built-in routes answer 503; nothing was half-written.
 */
export class StoreUnavailableError extends AuthCodeFlowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_unavailable', message, options);
  }
}

/** The module's options are invalid; thrown while the application starts. */
export class AuthCodeFlowConfigError extends AuthCodeFlowError {
  constructor(
    readonly problems: readonly string[],
    message: string,
  ) {
    super('invalid_options', message);
  }
}

/** `ERR_INVALID_ARG_TYPE`: an argument of the wrong type; `ERR_INVALID_ARG_VALUE`: of the right type, with a wrong value. */
export type InvalidArgumentCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE';

/**
 * A method was called with an argument the caller got wrong (an empty refresh token, a reserved authorization
 * parameter, …): a mistake in the calling code, found when the call is made, never something a server or
 * store did. Mistakes in options found at start-up are an `AuthCodeFlowConfigError` instead.
 */
export class InvalidArgumentError extends TypeError {
  constructor(
    readonly code: InvalidArgumentCode,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}

export type DiscoveryFailureReason = 'unreachable' | 'timeout' | 'http_status' | 'invalid_metadata' | 'issuer_mismatch';

/**
 * The provider's metadata (OpenID Connect Discovery 1.0, RFC 8414) could not be loaded or was refused: the
 * flow that needed it stops before anything is sent to the provider. The next flow tries again.
 */
export class DiscoveryError extends AuthCodeFlowError {
  constructor(
    readonly reason: DiscoveryFailureReason,
    message: string,
  ) {
    super('discovery_failed', message);
  }
}

export type IdTokenValidationReason =
  /** The scope includes `openid` but the token response has no `id_token` (OpenID Connect Core §3.1.3.3). */
  | 'missing_id_token'
  /** Not a compact JWS with a JSON payload, or a required claim (`iss`, `sub`, `aud`, `exp`, `iat`) missing or mistyped. */
  | 'malformed'
  /** `alg` is `none` or outside the provider's allow-list. */
  | 'unsupported_algorithm'
  | 'invalid_signature'
  /** No key of the provider's JWKS matches the token's header, even after one refetch. */
  | 'unknown_key'
  /** The provider's JWKS could not be fetched or parsed in time. */
  | 'jwks_unavailable'
  | 'issuer_mismatch'
  | 'audience_mismatch'
  /** Several audiences and no `azp`, or an `azp` that is not the client id. */
  | 'azp_mismatch'
  | 'expired'
  /** `iat` lies in the future beyond the clock tolerance. */
  | 'issued_in_future'
  /** `nbf` lies in the future beyond the clock tolerance. */
  | 'not_yet_valid'
  | 'nonce_missing'
  | 'nonce_mismatch'
  | 'at_hash_mismatch'
  /** A refreshed ID token's `sub` is not the original one's (OpenID Connect Core §12.2). */
  | 'subject_mismatch';

/**
 * The provider's ID token was missing or failed validation (OpenID Connect Core §3.1.3.7): no tokens were
 * stored or handed to `onTokens`. Neither the message nor any property holds the token or its claims.
 */
export class IdTokenValidationError extends AuthCodeFlowError {
  constructor(
    readonly reason: IdTokenValidationReason,
    message: string,
  ) {
    super('invalid_id_token', message);
  }
}

/** The user has no stored tokens for the provider: connect them first (the authorize route). */
export class NotConnectedError extends AuthCodeFlowError {
  constructor(
    readonly provider: string,
    readonly user: string,
    message: string,
  ) {
    super('not_connected', message);
  }
}

/** The provider has no such endpoint: neither the options nor its metadata name one. */
export class EndpointNotConfiguredError extends AuthCodeFlowError {
  constructor(
    readonly provider: string,
    readonly endpoint: 'userinfo' | 'end_session' | 'jwks',
    message: string,
  ) {
    super('endpoint_not_configured', message);
  }
}
