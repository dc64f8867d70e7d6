import { DEFAULT_MAX_PENDING_PER_OWNER, DEFAULT_STATE_STORE_MAX_ENTRIES } from '../auth-code-flow.constants.js';
import type { PendingAuthorization, StateStore } from './state-store.interface.js';

export interface InMemoryStateStoreOptions {
  /**
   * Most pending authorizations held at once; a save beyond it evicts the oldest one, whose callback then
   * gets an invalid state. @default 100000
   */
  maxEntries?: number;
  /**
   * Most pending authorizations one owner (`PendingAuthorization.owner`: a user, else a browser) holds per
   * provider; a save beyond it evicts that owner's oldest. @default 10
   */
  maxPendingPerOwner?: number;
  /** How often expired records are swept, in milliseconds. The timer never keeps the process alive. @default 60000 */
  sweepIntervalMs?: number;
}

interface Entry {
  record: PendingAuthorization;
  expiresAt: number;
  /** The entry's key in `owners`, when it has an owner. */
  owner: string | undefined;
}

/**
 * The default state store: a Map in this process. Fits a single instance; apps with several
 * instances need a shared store such as `RedisStateStore`.
 *
 * Bounded in two ways, both by eviction rather than refusal, so that a flood degrades only the flooder's
 * (or, once `maxEntries` is reached, the oldest) pending flows instead of answering 503 to everyone: each
 * owner keeps its newest `maxPendingPerOwner` per provider, and the store its newest `maxEntries`.
 * Every operation is O(1) (a Map and a Set per owner keep insertion order); only the timer's sweep is O(n).
 */
export class InMemoryStateStore implements StateStore {
  private readonly entries = new Map<string, Entry>();
  private readonly oldestEntry = new OldestFirst(() => this.entries.keys());
  /** Per provider and owner, its states in the order they were saved. Emptied ones are removed. */
  private readonly owners = new Map<string, OwnerIndex>();
  private readonly maxEntries: number;
  private readonly maxPendingPerOwner: number;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(options: InMemoryStateStoreOptions = {}) {
    this.maxEntries = positiveInteger('maxEntries', options.maxEntries ?? DEFAULT_STATE_STORE_MAX_ENTRIES);
    this.maxPendingPerOwner = positiveInteger('maxPendingPerOwner', options.maxPendingPerOwner ?? DEFAULT_MAX_PENDING_PER_OWNER);
    this.sweepTimer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.sweepTimer.unref();
  }

  /** Number of records held, expired ones not yet swept included. */
  get size(): number {
    return this.entries.size;
  }

  async save(state: string, record: PendingAuthorization, ttlSeconds: number): Promise<void> {
    // A state saved again counts as new: it moves to the end of both orders.
    this.remove(state);
    const owner = record.owner === undefined ? undefined : ownerKey(record.provider, record.owner);
    this.entries.set(state, { record: { ...record }, expiresAt: Date.now() + ttlSeconds * 1000, owner });
    if (owner !== undefined) {
      let index = this.owners.get(owner);
      if (!index) this.owners.set(owner, (index = new OwnerIndex()));
      index.states.add(state);
      while (index.states.size > this.maxPendingPerOwner) this.remove(index.oldest.next());
    }
    while (this.entries.size > this.maxEntries) this.remove(this.oldestEntry.next());
  }

  async peek(state: string): Promise<PendingAuthorization | undefined> {
    const entry = this.live(state);
    return entry && { ...entry.record };
  }

  async consume(state: string): Promise<PendingAuthorization | undefined> {
    // get and delete run in one tick, so of concurrent consumers exactly one sees the record.
    const entry = this.live(state);
    if (!entry) return undefined;
    this.remove(state);
    return entry.record;
  }

  /** Drops expired records. */
  sweep(now = Date.now()): void {
    for (const [state, entry] of this.entries) {
      if (entry.expiresAt <= now) this.remove(state);
    }
  }

  /** Stops the sweep timer; the store keeps working, with lazy expiry only. */
  close(): void {
    clearInterval(this.sweepTimer);
  }

  private live(state: string): Entry | undefined {
    const entry = this.entries.get(state);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.remove(state);
      return undefined;
    }
    return entry;
  }

  /** Deletes a state and its place in its owner's index; the only way anything leaves the store. */
  private remove(state: string): void {
    const entry = this.entries.get(state);
    if (!entry) return;
    this.entries.delete(state);
    if (entry.owner === undefined) return;
    const index = this.owners.get(entry.owner);
    index?.states.delete(state);
    if (index?.states.size === 0) this.owners.delete(entry.owner);
  }
}

/**
 * Gives out the oldest key of a Map or Set. It keeps one iterator from a call to the next: a fresh one would
 * step over every deleted slot at the front of the collection each time (V8 compacts it only on rehash),
 * which makes evicting from a large collection O(n); this one steps over each slot once. Every key it gave
 * out has been removed since, and a key added again goes to the end, so its next key is always the oldest.
 */
class OldestFirst {
  private iterator: Iterator<string>;

  constructor(private readonly keys: () => Iterator<string>) {
    this.iterator = keys();
  }

  /** The oldest key; called only on a non-empty collection. */
  next(): string {
    let next = this.iterator.next();
    // Not reached in practice (the key just added lies ahead), but an iterator that reached the end stays
    // done even once keys are added: a new one keeps the callers' loops finite.
    if (next.done) next = (this.iterator = this.keys()).next();
    if (next.done) throw new Error('unreachable: an empty collection has no oldest key');
    return next.value;
  }
}

/** One owner's states for one provider, oldest first. */
class OwnerIndex {
  readonly states = new Set<string>();
  readonly oldest = new OldestFirst(() => this.states.values());
}

/** One index per provider and owner; JSON keeps the pair unambiguous whatever the names hold. */
function ownerKey(provider: string, owner: string): string {
  return JSON.stringify([provider, owner]);
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`InMemoryStateStore: ${name} must be a positive integer`);
  }
  return value;
}
