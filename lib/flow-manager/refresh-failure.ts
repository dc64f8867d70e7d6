import { TokenEndpointError, TokenRequestError } from '../auth-code-flow.errors.js';
import { REFRESH_BACKING_OFF, REFRESH_REJECTED } from '../auth-code-flow.messages.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import { ReauthorizationRequiredError } from '../reauthorization.errors.js';

/** OAuth errors (RFC 6749 §5.2) after which a refresh token will never work again: the grant or the client is gone. */
export const REFRESH_REJECTED_ERRORS: ReadonlySet<string> = new Set([
  'invalid_grant',
  'unauthorized_client',
  'invalid_client',
]);
/** First back-off after a transient refresh failure without `Retry-After`; doubled on each further one. */
export const REFRESH_BACKOFF_BASE_MS = 1_000;
/** Longest back-off without `Retry-After`. */
export const REFRESH_BACKOFF_MAX_MS = 30_000;
/** Longest `Retry-After` honoured: a provider cannot stop a connection's refreshes for longer. */
export const REFRESH_RETRY_AFTER_MAX_MS = 600_000;

/** A refresh answer that ends the grant: `invalid_grant`, `unauthorized_client`, `invalid_client`. */
export function isRefreshRejection(error: unknown): error is TokenRequestError {
  return error instanceof TokenRequestError && REFRESH_REJECTED_ERRORS.has(error.error);
}

/** The token-set-shaped marker of a connection that needs re-authorization: no token, the OAuth error kept. */
export function reauthorizationMarker(error: string): TokenSet {
  return { accessToken: '', tokenType: 'Bearer', raw: {}, reauthorization: { reason: 'refresh_rejected', error } };
}

/** A marker: its detail field, or, from a store that drops unknown fields, the empty access token no real set has. */
export function isReauthorizationMarker(tokens: TokenSet): boolean {
  return tokens.reauthorization !== undefined || tokens.accessToken === '';
}

/** What a call for a marked connection throws. */
export function reauthorizationRequired(
  provider: string,
  user: string,
  marker: TokenSet,
): ReauthorizationRequiredError {
  const error = marker.reauthorization?.error;
  return new ReauthorizationRequiredError(provider, user, 'refresh_rejected', REFRESH_REJECTED(provider), {
    ...(typeof error === 'string' ? { error } : {}),
  });
}

interface Backoff {
  /** The refresh token whose refresh failed: new tokens (a new flow) are not held back. */
  refreshToken: string;
  until: number;
  failures: number;
  failure: TokenEndpointError;
}

/**
 * Per-connection back-off after transient refresh failures, in this process: `Retry-After` when the provider
 * gave one (at most {@link REFRESH_RETRY_AFTER_MAX_MS}), else {@link REFRESH_BACKOFF_BASE_MS} doubled per
 * consecutive failure up to {@link REFRESH_BACKOFF_MAX_MS}. Until it ends, a refresh of the same refresh token
 * fails at once with a `TokenEndpointError` of the same kind, and nothing is sent.
 */
export class RefreshBackoffs {
  private readonly entries = new Map<string, Backoff>();

  constructor(private readonly now: () => number) {}

  /** Throws the back-off's `TokenEndpointError` while the user's refresh of `refreshToken` is held back. */
  check(user: string, refreshToken: string): void {
    const entry = this.entries.get(user);
    if (!entry || entry.refreshToken !== refreshToken) return;
    const remainingMs = entry.until - this.now();
    if (remainingMs <= 0) return;
    const seconds = Math.ceil(remainingMs / 1000);
    const { failure } = entry;
    throw new TokenEndpointError(failure.failure, failure.status, REFRESH_BACKING_OFF(seconds), {
      retryAfter: seconds,
    });
  }

  /** Starts (or lengthens) the user's back-off after `failure`; returns when it ends (epoch ms). */
  failed(user: string, refreshToken: string, failure: TokenEndpointError): number {
    const previous = this.entries.get(user);
    const failures = previous?.refreshToken === refreshToken ? previous.failures + 1 : 1;
    const delayMs =
      failure.retryAfter !== undefined
        ? Math.min(failure.retryAfter * 1000, REFRESH_RETRY_AFTER_MAX_MS)
        : Math.min(REFRESH_BACKOFF_BASE_MS * 2 ** (failures - 1), REFRESH_BACKOFF_MAX_MS);
    const until = this.now() + delayMs;
    this.entries.set(user, { refreshToken, until, failures, failure });
    return until;
  }

  succeeded(user: string): void {
    this.entries.delete(user);
  }
}
