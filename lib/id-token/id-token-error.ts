import { errors } from 'jose';
import { IdTokenValidationError, type IdTokenValidationReason } from '../auth-code-flow.errors.js';
import { ID_TOKEN_INVALID, ID_TOKEN_PROBLEM } from '../auth-code-flow.messages.js';

/** A refusal of `provider`'s ID token; `detail` is one of {@link ID_TOKEN_PROBLEM}, never a claim's value. */
export function idTokenError(
  provider: string,
  reason: IdTokenValidationReason,
  detail: string,
): IdTokenValidationError {
  return new IdTokenValidationError(reason, ID_TOKEN_INVALID(provider, detail));
}

/** The claims jose names in a failure (`requiredClaims`, the checked ones); any other name is not repeated. */
const NAMED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf']);

/**
 * Reasons of jose's failed claim checks (`JWTClaimValidationFailed` with reason `check_failed`), by claim:
 * the validator asks jose for `aud` and `nbf` only (and `exp`, which fails as `JWTExpired`).
 */
const CHECK_FAILED: Readonly<Record<string, [IdTokenValidationReason, string]>> = {
  aud: ['audience_mismatch', ID_TOKEN_PROBLEM.audience],
  nbf: ['not_yet_valid', ID_TOKEN_PROBLEM.notYetValid],
};

/**
 * What jose's failure (or any other) means for an ID token, as a stable reason. Nothing of jose's error is
 * kept: its message may name a header's value and its `payload` holds the claims, so it is not the cause.
 */
export function idTokenErrorFrom(provider: string, error: unknown): IdTokenValidationError {
  if (error instanceof IdTokenValidationError) return error;
  if (error instanceof errors.JWTExpired) return idTokenError(provider, 'expired', ID_TOKEN_PROBLEM.expired);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = NAMED_CLAIMS.has(error.claim) ? error.claim : undefined;
    if (error.reason === 'check_failed' && claim !== undefined && CHECK_FAILED[claim]) {
      const [reason, detail] = CHECK_FAILED[claim];
      return idTokenError(provider, reason, detail);
    }
    if (claim === undefined) return idTokenError(provider, 'malformed', ID_TOKEN_PROBLEM.malformed);
    const detail = error.reason === 'missing' ? ID_TOKEN_PROBLEM.claimMissing : ID_TOKEN_PROBLEM.claimMistyped;
    return idTokenError(provider, 'malformed', detail(claim));
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return idTokenError(provider, 'unsupported_algorithm', ID_TOKEN_PROBLEM.algorithm);
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return idTokenError(provider, 'invalid_signature', ID_TOKEN_PROBLEM.signature);
  if (error instanceof errors.JWKSNoMatchingKey)
    return idTokenError(provider, 'unknown_key', ID_TOKEN_PROBLEM.unknownKey);
  // JWSInvalid, JWTInvalid, JOSENotSupported (an unknown `alg` or `crit`), and whatever else: not a token we read.
  return idTokenError(provider, 'malformed', ID_TOKEN_PROBLEM.malformed);
}
