import { DEFAULT_MAX_PENDING_PER_OWNER, DEFAULT_STATE_STORE_MAX_ENTRIES } from '../auth-code-flow.constants.js';
import type { PendingAuthorization, StateStore } from '../interfaces/state-store.interface.js';
import { assertValidOptions } from './store-arguments.util.js';

const STORE_NAME = 'InMemoryStateStore';

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
  readonly state: string;
  readonly record: PendingAuthorization;
  readonly expiresAt: number;
  /** The owner's queue, when the record has an owner. */
  readonly owner: SaveOrder | undefined;
  // The links of the two save orders the entry is in: the store's, and its owner's.
  older: Entry | undefined;
  newer: Entry | undefined;
  ownerOlder: Entry | undefined;
  ownerNewer: Entry | undefined;
}

/**
 * The default state store: a Map in this process. Fits a single instance; apps with several
 * instances need a shared store such as `RedisStateStore`.
 *
 * Bounded in two ways, both by eviction rather than refusal, so that a flood degrades only the flooder's
 * (or, once `maxEntries` is reached, the oldest) pending flows instead of answering 503 to everyone: each
 * owner keeps its newest `maxPendingPerOwner` per provider, and the store its newest `maxEntries`.
 * Every operation is O(1); only the timer's sweep is O(n). The save orders are linked lists through the
 * entries rather than the Map's own order, which V8 cannot give the oldest of in O(1) once many were
 * deleted from the front, nor iterate lazily without keeping every deleted entry alive.
 */
export class InMemoryStateStore implements StateStore {
  private readonly entries = new Map<string, Entry>();
  private readonly order = new SaveOrder('older', 'newer');
  /** Per provider, then per owner, its entries in save order. Emptied queues and maps are removed. */
  private readonly owners = new Map<string, Map<string, SaveOrder>>();
  private readonly maxEntries: number;
  private readonly maxPendingPerOwner: number;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(options: InMemoryStateStoreOptions = {}) {
    const problems: string[] = [];
    this.maxEntries = positiveInteger('maxEntries', options.maxEntries ?? DEFAULT_STATE_STORE_MAX_ENTRIES, problems);
    this.maxPendingPerOwner = positiveInteger(
      'maxPendingPerOwner',
      options.maxPendingPerOwner ?? DEFAULT_MAX_PENDING_PER_OWNER,
      problems,
    );
    assertValidOptions(STORE_NAME, problems);
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
    const owner = record.owner === undefined ? undefined : this.ownerQueue(record.provider, record.owner);
    const entry: Entry = {
      state,
      record: { ...record },
      expiresAt: Date.now() + ttlSeconds * 1000,
      owner,
      older: undefined,
      newer: undefined,
      ownerOlder: undefined,
      ownerNewer: undefined,
    };
    this.entries.set(state, entry);
    this.order.append(entry);
    if (owner) {
      owner.append(entry);
      while (owner.size > this.maxPendingPerOwner) this.remove(owner.oldest!.state);
    }
    while (this.entries.size > this.maxEntries) this.remove(this.order.oldest!.state);
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

  private ownerQueue(provider: string, owner: string): SaveOrder {
    let byOwner = this.owners.get(provider);
    if (!byOwner) this.owners.set(provider, (byOwner = new Map()));
    let queue = byOwner.get(owner);
    if (!queue) byOwner.set(owner, (queue = new SaveOrder('ownerOlder', 'ownerNewer')));
    return queue;
  }

  /** Deletes a state from the Map and from both orders; the only way anything leaves the store. */
  private remove(state: string): void {
    const entry = this.entries.get(state);
    if (!entry) return;
    this.entries.delete(state);
    this.order.unlink(entry);
    const queue = entry.owner;
    if (!queue) return;
    queue.unlink(entry);
    if (queue.size > 0) return;
    const byOwner = this.owners.get(entry.record.provider)!;
    byOwner.delete(entry.record.owner!);
    if (byOwner.size === 0) this.owners.delete(entry.record.provider);
  }
}

/** Entries in save order, linked through one pair of each entry's fields: O(1) append, unlink and oldest. */
class SaveOrder {
  oldest: Entry | undefined = undefined;
  private newest: Entry | undefined = undefined;
  size = 0;

  constructor(
    private readonly olderLink: 'older' | 'ownerOlder',
    private readonly newerLink: 'newer' | 'ownerNewer',
  ) {}

  append(entry: Entry): void {
    entry[this.olderLink] = this.newest;
    entry[this.newerLink] = undefined;
    if (this.newest) this.newest[this.newerLink] = entry;
    else this.oldest = entry;
    this.newest = entry;
    this.size++;
  }

  unlink(entry: Entry): void {
    const older = entry[this.olderLink];
    const newer = entry[this.newerLink];
    if (older) older[this.newerLink] = newer;
    else this.oldest = newer;
    if (newer) newer[this.olderLink] = older;
    else this.newest = older;
    entry[this.olderLink] = undefined;
    entry[this.newerLink] = undefined;
    this.size--;
  }
}

function positiveInteger(name: string, value: unknown, problems: string[]): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  problems.push(`${STORE_NAME}: ${name} must be a positive integer`);
  return 1;
}
