/** A flow that was started and not yet completed, keyed by its state value. */
export interface PendingAuthorization {
  provider: string;
  user?: string;
  codeVerifier?: string;
  nonce?: string;
  /** A validated same-origin relative path. */
  returnTo?: string;
  /** A hash of the browser-binding cookie's value; never the value itself. */
  browserBinding?: string;
  /**
   * Whose quota of pending authorizations this one counts against, per provider: `user:<user id>` when the
   * flow has a user, else `browser:<SHA-256 of the browser id>`; absent, no quota applies. A store keeps at
   * most `maxPendingPerOwner` per provider and owner and evicts the owner's oldest beyond it.
   */
  owner?: string;
  /** Epoch milliseconds. */
  createdAt: number;
}

/**
 * Holds pending authorizations. Implementations must make `consume` atomic, and should bound what one
 * owner can hold (see `PendingAuthorization.owner`) so that one user or browser cannot crowd out the others.
 */
export interface StateStore {
  save(state: string, record: PendingAuthorization, ttlSeconds: number): Promise<void>;
  /** Reads a live record and leaves it in place. */
  peek(state: string): Promise<PendingAuthorization | undefined>;
  /** Atomic read-and-delete: of concurrent calls for one state, exactly one gets the record. */
  consume(state: string): Promise<PendingAuthorization | undefined>;
}
