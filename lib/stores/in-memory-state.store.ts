import { DEFAULT_STATE_STORE_MAX_ENTRIES } from '../auth-code-flow.constants.js';
import { StateStoreFullError } from '../auth-code-flow.errors.js';
import { STATE_STORE_FULL } from '../auth-code-flow.messages.js';
import type { PendingAuthorization, StateStore } from './state-store.interface.js';

export interface InMemoryStateStoreOptions {
  /** Most pending authorizations held at once; `save` beyond it throws `StateStoreFullError`. @default 100000 */
  maxEntries?: number;
  /** How often expired records are swept, in milliseconds. The timer never keeps the process alive. @default 60000 */
  sweepIntervalMs?: number;
}

interface Entry {
  record: PendingAuthorization;
  expiresAt: number;
}

/**
 * The default state store: a Map in this process. Fits a single instance; apps with several
 * instances need a shared store such as `RedisStateStore`.
 */
export class InMemoryStateStore implements StateStore {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(options: InMemoryStateStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_STATE_STORE_MAX_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError('InMemoryStateStore: maxEntries must be a positive integer');
    }
    this.maxEntries = maxEntries;
    this.sweepTimer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.sweepTimer.unref();
  }

  /** Number of records held, expired ones not yet swept included. */
  get size(): number {
    return this.entries.size;
  }

  async save(state: string, record: PendingAuthorization, ttlSeconds: number): Promise<void> {
    if (this.entries.size >= this.maxEntries && !this.entries.has(state)) {
      this.sweep();
      if (this.entries.size >= this.maxEntries) throw new StateStoreFullError(STATE_STORE_FULL(this.maxEntries));
    }
    this.entries.set(state, { record: { ...record }, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  async peek(state: string): Promise<PendingAuthorization | undefined> {
    const entry = this.live(state);
    return entry && { ...entry.record };
  }

  async consume(state: string): Promise<PendingAuthorization | undefined> {
    // get and delete run in one tick, so of concurrent consumers exactly one sees the record.
    const entry = this.live(state);
    if (!entry) return undefined;
    this.entries.delete(state);
    return entry.record;
  }

  /** Drops expired records. */
  sweep(now = Date.now()): void {
    for (const [state, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(state);
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
      this.entries.delete(state);
      return undefined;
    }
    return entry;
  }
}
