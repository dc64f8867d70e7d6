import { AuthCodeFlowError } from './auth-code-flow.errors.js';

// Beside auth-code-flow.errors.ts, in its layer, which has no room left under max-lines.

export type PushedAuthorizationFailure =
  | 'timeout'
  | 'network'
  | 'response_too_large'
  /** The PAR endpoint answered a redirect, which is never followed: it would re-send the client's credentials. */
  | 'redirect'
  /** Any answer but 201 Created (RFC 9126 §2.2), an OAuth error response (§2.3) among them: see `error`. */
  | 'http_status'
  /** A 201 whose body is not a JSON object with a usable `request_uri` and a positive integer `expires_in`. */
  | 'invalid_response';

/**
 * The pushed authorization request (RFC 9126) failed, so the flow did not start: no browser is sent to the
 * provider, with its parameters in the URL or otherwise, and the flow's pending authorization is removed.
 * Neither the message nor any property holds a parameter of the request or a part of the answer beyond
 * the filtered `error` and `errorDescription`.
 */
export class PushedAuthorizationError extends AuthCodeFlowError {
  /** The provider's OAuth `error`, when it answered one, filtered as `TokenRequestError.error` is. */
  declare readonly error?: string;
  /** The provider's `error_description`, filtered as `TokenRequestError.errorDescription` is. */
  declare readonly errorDescription?: string;

  constructor(
    readonly reason: PushedAuthorizationFailure,
    /** The HTTP status, when an answer came. */
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown; error?: string; errorDescription?: string },
  ) {
    super('par_failed', message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.error !== undefined) this.error = options.error;
    if (options?.errorDescription !== undefined) this.errorDescription = options.errorDescription;
  }
}
