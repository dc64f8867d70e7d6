import type { PendingAuthorization, StateStore } from './state-store.interface.js';
import {
  GETDEL_SCRIPT,
  isPlainObject,
  isUnknownCommandError,
  parseJson,
  resolveRedisStoreOptions,
  sha256Key,
  withDeadline,
  type RedisClient,
  type RedisCommands,
  type RedisStoreOptions,
} from './redis-store.util.js';

/** Options of `RedisStateStore`. */
export type RedisStateStoreOptions = RedisStoreOptions;

/** Version of the JSON the store writes: `{"v":1,"record":{...}}`. Other versions read as absent. */
const STATE_VALUE_VERSION = 1;
const STORE_NAME = 'RedisStateStore';
const OPTIONAL_STRING_FIELDS = ['user', 'codeVerifier', 'nonce', 'returnTo', 'browserBinding'] as const;

/**
 * Pending authorizations in Redis, shared by every instance of the app: a flow started on one instance
 * can complete on another.
 *
 * - Key: `{keyPrefix}state:{SHA-256 of the state, base64url}`, so Redis never holds a live state in clear
 *   (RFC 9700 §2.1); the value is versioned JSON, `{"v":1,"record":{...}}`. Every key has the state's TTL.
 * - `consume` is one `GETDEL` (or, on a Redis older than 6.2, a Lua GET+DEL), so of concurrent calls for
 *   one state exactly one gets the record, whichever instance they run on.
 * - A value that does not parse, or has an unknown version or shape, reads as absent (an invalid state)
 *   and is deleted.
 * - Every call touches one key, so a `Cluster` client works too; every call has a deadline
 *   (`operationTimeoutMs`) and any Redis failure rejects with `StoreUnavailableError`.
 *
 * The store does not own the client: close it yourself when the app shuts down.
 */
export class RedisStateStore implements StateStore {
  private readonly commands: RedisCommands;
  private readonly keyPrefix: string;
  private readonly timeoutMs: number;
  /** Set once the server answered that it has no GETDEL (Redis < 6.2); the Lua script is used from then on. */
  private getdelUnsupported = false;

  constructor(client: RedisClient, options: RedisStateStoreOptions = {}) {
    const resolved = resolveRedisStoreOptions(STORE_NAME, client, options, []);
    this.commands = resolved.commands;
    this.keyPrefix = resolved.keyPrefix;
    this.timeoutMs = resolved.operationTimeoutMs;
  }

  /** The Redis key holding a state's record. */
  keyFor(state: string): string {
    return `${this.keyPrefix}state:${sha256Key(state)}`;
  }

  async save(state: string, record: PendingAuthorization, ttlSeconds: number): Promise<void> {
    if (typeof state !== 'string' || state === '') throw new TypeError(`${STORE_NAME}: state must be a non-empty string`);
    if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
      throw new RangeError(`${STORE_NAME}: ttlSeconds must be a positive number`);
    }
    const value = JSON.stringify({ v: STATE_VALUE_VERSION, record });
    const ttlMs = Math.max(1, Math.ceil(ttlSeconds * 1000));
    await withDeadline(STORE_NAME, 'save', this.timeoutMs, () => this.commands.set(this.keyFor(state), value, 'PX', ttlMs));
  }

  async peek(state: string): Promise<PendingAuthorization | undefined> {
    if (typeof state !== 'string' || state === '') return undefined;
    const key = this.keyFor(state);
    const value = await withDeadline(STORE_NAME, 'peek', this.timeoutMs, () => this.commands.get(key));
    if (value === null) return undefined;
    const record = decodeRecord(value);
    if (!record) await withDeadline(STORE_NAME, 'peek', this.timeoutMs, () => this.commands.del(key));
    return record;
  }

  async consume(state: string): Promise<PendingAuthorization | undefined> {
    if (typeof state !== 'string' || state === '') return undefined;
    const key = this.keyFor(state);
    const value = await withDeadline(STORE_NAME, 'consume', this.timeoutMs, () => this.getAndDelete(key));
    // An unreadable value is already gone: GETDEL removed it.
    return value === null ? undefined : decodeRecord(value);
  }

  private async getAndDelete(key: string): Promise<string | null> {
    if (!this.getdelUnsupported) {
      try {
        return await this.commands.getdel(key);
      } catch (error) {
        if (!isUnknownCommandError(error)) throw error;
        this.getdelUnsupported = true;
      }
    }
    const value = await GETDEL_SCRIPT.run(this.commands, key);
    return typeof value === 'string' ? value : null;
  }
}

/** The record of a stored value, or `undefined` for anything this version did not write. */
function decodeRecord(value: string): PendingAuthorization | undefined {
  const parsed = parseJson(value);
  if (!isPlainObject(parsed) || parsed.v !== STATE_VALUE_VERSION || !isPlainObject(parsed.record)) return undefined;
  const raw = parsed.record;
  if (typeof raw.provider !== 'string' || typeof raw.createdAt !== 'number' || !Number.isFinite(raw.createdAt)) return undefined;
  const record: PendingAuthorization = { provider: raw.provider, createdAt: raw.createdAt };
  for (const field of OPTIONAL_STRING_FIELDS) {
    const fieldValue = raw[field];
    if (fieldValue === undefined) continue;
    if (typeof fieldValue !== 'string') return undefined;
    record[field] = fieldValue;
  }
  return record;
}
