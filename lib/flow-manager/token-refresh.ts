import { EXPIRY_SKEW_SECONDS } from '../auth-code-flow.constants.js';
import { InvalidArgumentError, StoreUnavailableError } from '../auth-code-flow.errors.js';
import { REFRESH_LOCK_WAIT_EXPIRED, REFRESH_TOKEN_INVALID } from '../auth-code-flow.messages.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import type { TokenStore } from '../interfaces/token-store.interface.js';
import { sleep } from '../utils/sleep.util.js';

/** How long a cross-instance refresh lock lives beyond the refresh request's time budget (`httpTimeoutMs`). */
export const REFRESH_LOCK_MARGIN_MS = 2_000;
/** How often an instance waiting for another instance's refresh reads the token store. */
export const REFRESH_POLL_INTERVAL_MS = 50;

export interface TokenRefreshDependencies {
  /** The provider's name, under which the token store keeps its users' tokens. */
  provider: string;
  tokenStore: TokenStore;
  /** The time budget of one refresh request, retries included. */
  httpTimeoutMs: number;
  /** Redeems a refresh token of `current`, the stored tokens, at the provider (RFC 6749 §6). */
  refresh: (refreshToken: string, current: TokenSet) => Promise<TokenSet>;
  /** Stores the refreshed tokens for the user and reports them. */
  keep: (user: string, tokens: TokenSet) => Promise<void>;
  /** Whether tokens are DPoP-bound to a key the manager does not hold (RFC 9449): those are never refreshed. */
  boundToAnotherKey?: (tokens: TokenSet) => Promise<boolean>;
}

/**
 * Reads one provider's stored tokens and refreshes the expired ones, once per user at a time: concurrent
 * calls in this process share one refresh, and with a token store that has `acquireRefreshLock` (e.g.
 * `RedisTokenStore`) so do the instances that share the store.
 */
export class TokenRefresher {
  private readonly running = new Map<string, Promise<TokenSet | undefined>>();

  constructor(private readonly deps: TokenRefreshDependencies) {}

  /**
   * The user's stored tokens; when they have expired and a refresh token exists they are refreshed first,
   * keeping the old refresh token if none is returned. While a refresh for the user runs, its result.
   * Tokens DPoP-bound to a key the manager does not hold are returned untouched, never refreshed: their refresh
   * token may be bound to that key too, and every use of them through the manager throws
   * `ReauthorizationRequiredError`.
   */
  async getTokens(user: string): Promise<TokenSet | undefined> {
    const stored = await this.deps.tokenStore.get(this.deps.provider, user);
    if (!stored) return stored;
    // A refresh under way replaces these tokens, even fresh ones (refreshNow: a resource server refused them).
    const running = this.running.get(user);
    if (running) return running;
    return needsRefresh(stored) ? this.track(user, this.refreshStored(user, stored, refreshedSince)) : stored;
  }

  /**
   * Refreshes the user's tokens now, due or not, unless the stored ones are no longer `seen` (someone
   * refreshed or replaced them meanwhile: those are returned as they are); for an access token a resource
   * server refused before it expired (RFC 6750 §3.1 `invalid_token`). Shares a running refresh with
   * concurrent callers and instances as {@link getTokens} does. Tokens without a refresh token, and tokens
   * DPoP-bound to a key the manager does not hold, are returned unchanged; undefined when the user has none any more.
   */
  refreshNow(user: string, seen: TokenSet): Promise<TokenSet | undefined> {
    return this.running.get(user) ?? this.track(user, this.refreshStored(user, seen, replacedSince));
  }

  private async isBoundElsewhere(tokens: TokenSet): Promise<boolean> {
    return this.deps.boundToAnotherKey !== undefined && (await this.deps.boundToAnotherKey(tokens));
  }

  private track(user: string, refresh: Promise<TokenSet | undefined>): Promise<TokenSet | undefined> {
    const tracked = refresh.finally(() => this.running.delete(user));
    this.running.set(user, tracked);
    return tracked;
  }

  /**
   * Refreshes `seen`, the user's tokens, once across every instance, unless `replaced` says the stored ones
   * are no longer them. The instance that takes the lock refreshes while the others poll the store for the
   * new tokens; when the lock frees without new tokens (its holder failed or died), a waiter takes it over.
   * Waiting is bounded: past twice the lock's TTL it fails with `StoreUnavailableError`.
   */
  private async refreshStored(user: string, seen: TokenSet, replaced: Replaced): Promise<TokenSet | undefined> {
    const { provider, tokenStore: store } = this.deps;
    if (!store.acquireRefreshLock) return this.refreshIfStillDue(user, seen, replaced);
    // The lock outlives the refresh request's whole time budget, so it cannot expire under a live holder.
    const lockTtlMs = this.deps.httpTimeoutMs + REFRESH_LOCK_MARGIN_MS;
    const waitUntil = Date.now() + 2 * lockTtlMs;
    for (;;) {
      const lock = await store.acquireRefreshLock(provider, user, lockTtlMs);
      if (lock) {
        try {
          return await this.refreshIfStillDue(user, seen, replaced);
        } finally {
          // An unreleased lock expires by itself; a failed release must not hide the refresh's outcome.
          await lock.release().catch(() => undefined);
        }
      }
      if (Date.now() >= waitUntil) throw new StoreUnavailableError(REFRESH_LOCK_WAIT_EXPIRED);
      await sleep(REFRESH_POLL_INTERVAL_MS);
      const current = await store.get(provider, user);
      if (!current || replaced(seen, current)) return current;
    }
  }

  /**
   * Re-reads the tokens (another caller may have refreshed or deleted them since `seen` was read) and
   * refreshes them only if they are still the ones seen, and renewable. A rotated refresh token replaces the
   * old one; a response without one keeps the old one (RFC 6749 §6), and one without an ID token keeps the
   * old one and its claims.
   */
  private async refreshIfStillDue(user: string, seen: TokenSet, replaced: Replaced): Promise<TokenSet | undefined> {
    const current = await this.deps.tokenStore.get(this.deps.provider, user);
    if (!current || replaced(seen, current) || (await this.isBoundElsewhere(current))) return current;
    const refreshToken = current.refreshToken;
    if (typeof refreshToken !== 'string' || refreshToken === '') return current;
    const refreshed = await this.deps.refresh(refreshToken, current);
    if (!refreshed.refreshToken) refreshed.refreshToken = refreshToken;
    if (refreshed.idToken === undefined && current.idToken !== undefined) {
      refreshed.idToken = current.idToken;
      if (current.idTokenClaims !== undefined) refreshed.idTokenClaims = current.idTokenClaims;
    }
    await this.deps.keep(user, refreshed);
    return refreshed;
  }
}

/** Expired (within {@link EXPIRY_SKEW_SECONDS} of `expiresAt`, or past it), and renewable. */
export function needsRefresh(tokens: TokenSet, now = Date.now()): boolean {
  const expired = tokens.expiresAt !== undefined && tokens.expiresAt - EXPIRY_SKEW_SECONDS * 1000 <= now;
  return expired && typeof tokens.refreshToken === 'string' && tokens.refreshToken !== '';
}

/** Whether `current`, the stored tokens, are no longer the `seen` ones a refresh was asked for. */
type Replaced = (seen: TokenSet, current: TokenSet) => boolean;

/** The stored tokens are no longer the expired ones that were read: someone refreshed or replaced them. */
export function refreshedSince(seen: TokenSet, current: TokenSet): boolean {
  return current.accessToken !== seen.accessToken || !needsRefresh(current);
}

/** The stored tokens carry another access token than the one that was read (refreshed or replaced since). */
export function replacedSince(seen: TokenSet, current: TokenSet): boolean {
  return current.accessToken !== seen.accessToken;
}

/** Throws `InvalidArgumentError` for a refresh token that is not a non-empty string. */
export function assertRefreshToken(refreshToken: unknown): asserts refreshToken is string {
  if (typeof refreshToken !== 'string') throw new InvalidArgumentError('ERR_INVALID_ARG_TYPE', REFRESH_TOKEN_INVALID);
  if (refreshToken === '') throw new InvalidArgumentError('ERR_INVALID_ARG_VALUE', REFRESH_TOKEN_INVALID);
}
