import type { TokenSet } from './token-set.interface.js';

/** A held refresh lock (see {@link TokenStore.acquireRefreshLock}). */
export interface RefreshLock {
  /** Frees the lock if this holder still owns it; a lock that expired and was taken by another holder is left alone. */
  release(): Promise<void>;
}

/** Holds each user's tokens per provider. */
export interface TokenStore {
  get(provider: string, user: string): Promise<TokenSet | undefined>;
  set(provider: string, user: string, tokens: TokenSet): Promise<void>;
  delete(provider: string, user: string): Promise<void>;
  /**
   * Optional: a lock shared by every instance that uses this store, so that when a user's tokens have
   * expired exactly one instance refreshes them while the others wait for the result. Resolves to the
   * lock when it was free, or to `undefined` when another holder has it. The lock must free itself after
   * `ttlMs`, so a holder that dies cannot block refreshes for longer.
   *
   * A store that lives in one process needs none: `FlowManager` already shares one refresh per user
   * within a process. Without it, several instances may each refresh the same expired tokens.
   */
  acquireRefreshLock?(provider: string, user: string, ttlMs: number): Promise<RefreshLock | undefined>;
  /**
   * Optional: the longest one `get`, `set` or `delete` may take before it rejects. The refresh lock's TTL
   * budgets three of them besides the refresh request, so that it cannot expire under a live holder; a store
   * without it is budgeted `DEFAULT_STORE_OPERATION_TIMEOUT_MS` (2 s) per call.
   */
  readonly operationTimeoutMs?: number;
}
