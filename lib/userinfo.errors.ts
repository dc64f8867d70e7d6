import { AuthCodeFlowError } from './auth-code-flow.errors.js';

// Beside auth-code-flow.errors.ts, in its layer, which has no room left under max-lines.

export type UserInfoFailureReason =
  | 'http_status'
  /** Not an `application/json` object with a string `sub`, or a signed (`application/jwt`) answer, not supported yet. */
  | 'invalid_response'
  /** The answer's `sub` is not the ID token's (OpenID Connect Core §5.3.2): its claims may be someone else's. */
  | 'subject_mismatch'
  | 'timeout'
  | 'network'
  | 'response_too_large';

/**
 * The UserInfo endpoint (OpenID Connect Core §5.3) gave no usable answer. `status` is the HTTP status when an
 * answer came. Neither the message nor any property holds the access token or any part of the answer.
 */
export class UserInfoError extends AuthCodeFlowError {
  constructor(
    readonly reason: UserInfoFailureReason,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('userinfo_failed', message, options);
  }
}
