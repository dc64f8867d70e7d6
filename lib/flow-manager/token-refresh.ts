import { InvalidArgumentError, StoreUnavailableError, TokenEndpointError } from '../auth-code-flow.errors.js';
import { REFRESH_BACKING_OFF, REFRESH_LOCK_WAIT_EXPIRED, REFRESH_TOKEN_INVALID } from '../auth-code-flow.messages.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import { needsRefresh, refreshedSince, replacedSince, type Replaced } from './token-freshness.js';
import type { TokenStore } from '../interfaces/token-store.interface.js';
import { sleep } from '../utils/sleep.util.js';
import {
  isReauthorizationMarker,
  isRefreshRejection,
  reauthorizationMarker,
  reauthorizationRequired,
  RefreshBackoffs,
} from './refresh-failure.js';

/** How long a cross-instance refresh lock lives beyond the time budget of its critical section. */
export const REFRESH_LOCK_MARGIN_MS = 2_000;
/** How often an instance waiting for another instance's refresh reads the token store. */
export const REFRESH_POLL_INTERVAL_MS = 50;
/** The budget of one store call when the store does not say (`TokenStore.operationTimeoutMs`). */
export const DEFAULT_STORE_OPERATION_TIMEOUT_MS = 2_000;

export interface TokenRefreshDependencies {
  /** The provider's name, under which the token store keeps its users' tokens. */
  provider: string;
  tokenStore: TokenStore;
  /** The time budget of one refresh request, retries included. */
  httpTimeoutMs: number;
  /** Redeems a refresh token of `current`, the stored tokens, at the provider (RFC 6749 §6). */
  refresh: (refreshToken: string, current: TokenSet) => Promise<TokenSet>;
  /** Stores the refreshed tokens for the user (inside the lock). */
  keep: (user: string, tokens: TokenSet) => Promise<void>;
  /** Reports stored refreshed tokens (the app's `onTokens`), after the lock is released: its time is not budgeted. */
  report?: (user: string, tokens: TokenSet) => Promise<void> | void;
  /** Runs before the lock is taken (provider discovery), so the lock's budget need not cover it. */
  prepare?: () => Promise<unknown>;
  /** Whether tokens are DPoP-bound to a key the manager does not hold (RFC 9449): those are never refreshed. */
  boundToAnotherKey?: (tokens: TokenSet) => Promise<boolean>;
  /** The clock of the back-off; `Date.now` by default. */
  now?: () => number;
}

/**
 * Reads one provider's stored tokens and refreshes the expired ones, once per user at a time: concurrent
 * calls in this process share one refresh, and with a token store that has `acquireRefreshLock` (e.g.
 * `RedisTokenStore`) so do the instances that share the store.
 *
 * A refresh the provider refuses for good (`invalid_grant`, `unauthorized_client`, `invalid_client`) replaces
 * the tokens with a marker (see `TokenSet.reauthorization`) and throws `ReauthorizationRequiredError`, as does
 * every later call until new tokens are stored; nothing more is sent for them. A transient failure
 * (`TokenEndpointError`) keeps the tokens and holds the user's refreshes back for a while (see
 * `RefreshBackoffs`). A refresh request is never repeated, here or by another instance waiting for it.
 */
export class TokenRefresher {
  private readonly running = new Map<string, Promise<TokenSet | undefined>>();
  private readonly backoffs: RefreshBackoffs;
  private readonly justRefreshed = new WeakSet<TokenSet>();

  constructor(private readonly deps: TokenRefreshDependencies) {
    this.backoffs = new RefreshBackoffs(deps.now ?? Date.now);
  }

  /**
   * The lock's TTL: its critical section is a store read, the refresh request, an ID token check that may
   * fetch the provider's keys (one more `httpTimeoutMs`), and one or two store calls to keep the outcome.
   */
  get lockTtlMs(): number {
    const storeMs = this.deps.tokenStore.operationTimeoutMs ?? DEFAULT_STORE_OPERATION_TIMEOUT_MS;
    return 2 * this.deps.httpTimeoutMs + 3 * storeMs + REFRESH_LOCK_MARGIN_MS;
  }

  /**
   * The user's stored tokens; when they have expired and a refresh token exists they are refreshed first,
   * keeping the old refresh token if none is returned. While a refresh for the user runs, its result.
   * Tokens DPoP-bound to a key the manager does not hold are returned untouched, never refreshed: their refresh
   * token may be bound to that key too, and every use of them through the manager throws
   * `ReauthorizationRequiredError`. A connection whose refresh the provider refused throws
   * `ReauthorizationRequiredError('refresh_rejected')`.
   */
  async getTokens(user: string): Promise<TokenSet | undefined> {
    const stored = await this.deps.tokenStore.get(this.deps.provider, user);
    if (!stored) return stored;
    if (isReauthorizationMarker(stored)) throw reauthorizationRequired(this.deps.provider, user, stored);
    // A refresh under way replaces these tokens, even fresh ones (refreshNow: a resource server refused them).
    const running = this.running.get(user);
    if (running) return running;
    if (!needsRefresh(stored)) return stored;
    this.backoffs.check(user, stored.refreshToken!);
    return this.track(user, this.refreshStored(user, stored, refreshedSince));
  }

  /**
   * Refreshes the user's tokens now, due or not, unless the stored ones are no longer `seen` (someone
   * refreshed or replaced them meanwhile: those are returned as they are); for an access token a resource
   * server refused before it expired (RFC 6750 §3.1 `invalid_token`). Shares a running refresh with
   * concurrent callers and instances as {@link getTokens} does, and fails as it does. Tokens without a refresh
   * token, and tokens DPoP-bound to a key the manager does not hold, are returned unchanged; undefined when the
   * user has none any more.
   */
  async refreshNow(user: string, seen: TokenSet): Promise<TokenSet | undefined> {
    const running = this.running.get(user);
    if (running) return running;
    if (seen.refreshToken) this.backoffs.check(user, seen.refreshToken);
    return this.track(user, this.refreshStored(user, seen, replacedSince));
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
   * are no longer them. The instance that takes the lock refreshes while the others poll the store; they get
   * the holder's outcome: the new tokens, the marker of a refused refresh, or the note of a failed one
   * (`refreshFailure`, which makes every instance back off: none sends the same refresh token again before it
   * ends). A lock whose holder died expires (its TTL covers a live holder's whole critical section) and is
   * taken over. Waiting is bounded: past twice the lock's TTL it fails with `StoreUnavailableError`.
   */
  private async refreshStored(user: string, seen: TokenSet, replaced: Replaced): Promise<TokenSet | undefined> {
    const { provider, tokenStore: store } = this.deps;
    await this.deps.prepare?.();
    if (!store.acquireRefreshLock) return this.reported(user, await this.refreshIfStillDue(user, seen, replaced));
    const lockTtlMs = this.lockTtlMs;
    const waitUntil = Date.now() + 2 * lockTtlMs;
    for (;;) {
      const lock = await store.acquireRefreshLock(provider, user, lockTtlMs);
      if (lock) {
        let outcome: TokenSet | undefined;
        try {
          outcome = await this.refreshIfStillDue(user, seen, replaced);
        } finally {
          // An unreleased lock expires by itself; a failed release must not hide the refresh's outcome.
          await lock.release().catch(() => undefined);
        }
        return this.reported(user, outcome);
      }
      if (Date.now() >= waitUntil) throw new StoreUnavailableError(REFRESH_LOCK_WAIT_EXPIRED);
      await sleep(REFRESH_POLL_INTERVAL_MS);
      const current = await store.get(provider, user);
      if (current && isReauthorizationMarker(current)) throw reauthorizationRequired(provider, user, current);
      if (!current || replaced(seen, current)) return current;
    }
  }

  /**
   * Re-reads the tokens (another caller may have refreshed or deleted them since `seen` was read) and
   * refreshes them only if they are still the ones seen, and renewable, and no failed refresh of them holds
   * every instance back (`refreshFailure`). A rotated refresh token replaces the old one; a response without
   * one keeps the old one (RFC 6749 §6), and one without an ID token keeps the old one and its claims.
   */
  private async refreshIfStillDue(user: string, seen: TokenSet, replaced: Replaced): Promise<TokenSet | undefined> {
    const { provider, tokenStore: store } = this.deps;
    const current = await store.get(provider, user);
    if (current && isReauthorizationMarker(current)) throw reauthorizationRequired(provider, user, current);
    if (!current || replaced(seen, current) || (await this.isBoundElsewhere(current))) return current;
    const refreshToken = current.refreshToken;
    if (typeof refreshToken !== 'string' || refreshToken === '') return current;
    const note = current.refreshFailure;
    const remainingMs = note === undefined ? 0 : note.until - this.now();
    if (note && remainingMs > 0) {
      const seconds = Math.ceil(remainingMs / 1000);
      throw new TokenEndpointError(note.failure, note.status, REFRESH_BACKING_OFF(seconds), { retryAfter: seconds });
    }
    let refreshed: TokenSet;
    try {
      refreshed = await this.deps.refresh(refreshToken, current);
    } catch (error) {
      if (error instanceof TokenEndpointError) throw await this.failed(user, current, error);
      if (isRefreshRejection(error)) throw await this.markRejected(user, refreshToken, error.error);
      throw error;
    }
    this.backoffs.succeeded(user);
    if (!refreshed.refreshToken) refreshed.refreshToken = refreshToken;
    if (refreshed.idToken === undefined && current.idToken !== undefined) {
      refreshed.idToken = current.idToken;
      if (current.idTokenClaims !== undefined) refreshed.idTokenClaims = current.idTokenClaims;
    }
    await this.deps.keep(user, refreshed);
    this.justRefreshed.add(refreshed);
    return refreshed;
  }

  /** Backs off, and writes the note that holds the other instances back too (best effort), unless replaced. */
  private async failed(user: string, current: TokenSet, error: TokenEndpointError): Promise<TokenEndpointError> {
    const { provider, tokenStore: store } = this.deps;
    const until = this.backoffs.failed(user, current.refreshToken!, error);
    const note = { failure: error.failure, until, ...(error.status === undefined ? {} : { status: error.status }) };
    try {
      if ((await store.get(provider, user))?.refreshToken === current.refreshToken)
        await store.set(provider, user, { ...current, refreshFailure: note });
    } catch {
      // The failure is what the caller needs; this process backs off all the same.
    }
    return error;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /**
   * Replaces the refused tokens with the marker, unless new tokens were stored meanwhile (a new flow), and
   * returns the error to throw. A marker that cannot be written is not fatal: the next call asks again.
   */
  private async markRejected(user: string, refreshToken: string, error: string): Promise<Error> {
    const { provider, tokenStore: store } = this.deps;
    try {
      const current = await store.get(provider, user);
      if (current && current.refreshToken === refreshToken) {
        await store.set(provider, user, reauthorizationMarker(error));
      }
    } catch {
      // The refusal is the outcome the caller needs; the store's trouble shows on its next call.
    }
    return reauthorizationRequired(provider, user, reauthorizationMarker(error));
  }

  /** Tells the app of refreshed tokens (`report`), outside the lock; other outcomes pass through. */
  private async reported(user: string, outcome: TokenSet | undefined): Promise<TokenSet | undefined> {
    if (outcome && this.justRefreshed.delete(outcome)) await this.deps.report?.(user, outcome);
    return outcome;
  }
}

/** Throws `InvalidArgumentError` for a refresh token that is not a non-empty string. */
export function assertRefreshToken(refreshToken: unknown): asserts refreshToken is string {
  if (typeof refreshToken !== 'string') throw new InvalidArgumentError('ERR_INVALID_ARG_TYPE', REFRESH_TOKEN_INVALID);
  if (refreshToken === '') throw new InvalidArgumentError('ERR_INVALID_ARG_VALUE', REFRESH_TOKEN_INVALID);
}

export { needsRefresh, refreshedSince, replacedSince } from './token-freshness.js';
