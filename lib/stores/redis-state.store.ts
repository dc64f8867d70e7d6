import { DEFAULT_MAX_PENDING_PER_OWNER } from '../auth-code-flow.constants.js';
import type { PendingAuthorization, StateStore } from '../interfaces/state-store.interface.js';
import { isRecord } from '../utils/is-record.util.js';
import { sha256Base64url } from '../utils/sha256.util.js';
import {
  copyOptionalFields,
  GETDEL_SCRIPT,
  isUnknownCommandError,
  parseJson,
  RedisScript,
  resolveRedisStoreOptions,
  withDeadline,
  type RedisClient,
  type RedisCommands,
  type RedisStoreOptions,
} from './redis-store.util.js';
import { assertValidOptions, integerOption, invalidArgument } from './store-arguments.util.js';

/** Options of `RedisStateStore`. */
export interface RedisStateStoreOptions extends RedisStoreOptions {
  /**
   * Most pending authorizations one owner (`PendingAuthorization.owner`: a user, else a browser) holds per
   * provider; a save beyond it deletes that owner's oldest, whose callback then gets an invalid state.
   * Pending authorizations without an owner are not bounded by the store: see the README on `maxmemory`.
   * @default 10
   */
  maxPendingPerOwner?: number;
}

/** Version of the JSON the store writes: `{"v":1,"record":{...}}`. Other versions read as absent. */
const STATE_VALUE_VERSION = 1;
const STORE_NAME = 'RedisStateStore';
const OPTIONAL_STRING_FIELDS = ['user', 'codeVerifier', 'nonce', 'returnTo', 'browserBinding', 'owner'] as const;
const MAX_PENDING_PER_OWNER = 100_000;
/** What `sha256Base64url` produces: 32 bytes, base64url without padding. */
const STATE_HASH = /^[A-Za-z0-9_-]{43}$/;

/**
 * One owner's index, KEYS[1], a sorted set of state hashes scored by save time: adds ARGV[1] as the newest
 * (its score is at least ARGV[2], the caller's clock in ms, and above every score already there, so that
 * saves within one millisecond, or from an instance whose clock is behind, keep their order), makes the
 * index live at least ARGV[3] ms, and removes and returns the oldest members beyond ARGV[4].
 */
const OWNER_INDEX_SCRIPT = new RedisScript(
  [
    "local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')",
    'local score = tonumber(ARGV[2])',
    'if newest[2] and tonumber(newest[2]) >= score then score = tonumber(newest[2]) + 1 end',
    "redis.call('ZADD', KEYS[1], score, ARGV[1])",
    "if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end",
    "local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])",
    'if excess <= 0 then return {} end',
    "local evicted = redis.call('ZRANGE', KEYS[1], 0, excess - 1)",
    "redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)",
    'return evicted',
  ].join('\n'),
);

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
 * - Quota: a record with an `owner` is also added to `{keyPrefix}owner:{SHA-256 of provider and owner}`
 *   (so the owner, a user id, is not in any key), a sorted set of the owner's newest `maxPendingPerOwner`
 *   state hashes for that provider, with the state's TTL from the last save. The members it pushes out
 *   are deleted. A consumed or expired state stays a member until pushed out or until the index expires.
 * - Every command or script touches one key, so a `Cluster` client works too; every round trip has a
 *   deadline (`operationTimeoutMs`) and any Redis failure rejects with `StoreUnavailableError`.
 *
 * The store does not own the client: close it yourself when the app shuts down.
 */
export class RedisStateStore implements StateStore {
  private readonly commands: RedisCommands;
  private readonly keyPrefix: string;
  private readonly timeoutMs: number;
  private readonly maxPendingPerOwner: number;
  /** Set once the server answered that it has no GETDEL (Redis < 6.2); the Lua script is used from then on. */
  private getdelUnsupported = false;

  constructor(client: RedisClient, options: RedisStateStoreOptions = {}) {
    const problems: string[] = [];
    const resolved = resolveRedisStoreOptions(STORE_NAME, client, options, ['maxPendingPerOwner'], problems);
    const { maxPendingPerOwner } = resolved.options;
    this.maxPendingPerOwner = integerOption(
      STORE_NAME,
      'maxPendingPerOwner',
      maxPendingPerOwner,
      DEFAULT_MAX_PENDING_PER_OWNER,
      MAX_PENDING_PER_OWNER,
      problems,
    );
    assertValidOptions(STORE_NAME, problems);
    this.commands = resolved.commands;
    this.keyPrefix = resolved.keyPrefix;
    this.timeoutMs = resolved.operationTimeoutMs;
  }

  /** The Redis key holding a state's record. */
  keyFor(state: string): string {
    return `${this.keyPrefix}state:${sha256Base64url(state)}`;
  }

  /** The Redis key of an owner's index of pending authorizations for a provider. */
  ownerKeyFor(provider: string, owner: string): string {
    return `${this.keyPrefix}owner:${sha256Base64url(JSON.stringify([provider, owner]))}`;
  }

  async save(state: string, record: PendingAuthorization, ttlSeconds: number): Promise<void> {
    if (typeof state !== 'string' || state === '') {
      throw invalidArgument(state, 'string', `${STORE_NAME}: state must be a non-empty string`);
    }
    if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
      throw invalidArgument(ttlSeconds, 'number', `${STORE_NAME}: ttlSeconds must be a positive number`);
    }
    const { owner } = record;
    if (owner !== undefined && typeof owner !== 'string') {
      throw invalidArgument(owner, 'string', `${STORE_NAME}: record.owner must be a string`);
    }
    const value = JSON.stringify({ v: STATE_VALUE_VERSION, record });
    const ttlMs = Math.max(1, Math.ceil(ttlSeconds * 1000));
    await withDeadline(STORE_NAME, 'save', this.timeoutMs, () =>
      this.commands.set(this.keyFor(state), value, 'PX', ttlMs),
    );
    if (owner === undefined) return;
    // The quota is bookkeeping across keys, so it is not atomic with the SET above (one key per command
    // keeps Cluster working); single use, the security property, still rests on GETDEL alone. The SET is
    // awaited first so that a state is indexed only once it exists: then every state the index pushes out
    // is deleted after it was written, and once concurrent saves of one owner have all returned, at most
    // `maxPendingPerOwner` of them are live. A failure in between leaves an unindexed state to its TTL.
    const index = this.ownerKeyFor(record.provider, owner);
    const evicted = await withDeadline(STORE_NAME, 'save', this.timeoutMs, () =>
      OWNER_INDEX_SCRIPT.run(this.commands, index, sha256Base64url(state), Date.now(), ttlMs, this.maxPendingPerOwner),
    );
    const keys = Array.isArray(evicted)
      ? evicted.filter((hash) => typeof hash === 'string' && STATE_HASH.test(hash))
      : [];
    if (keys.length === 0) return;
    await withDeadline(STORE_NAME, 'save', this.timeoutMs, () =>
      Promise.all(keys.map((hash: string) => this.commands.del(`${this.keyPrefix}state:${hash}`))),
    );
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
  if (!isRecord(parsed) || parsed.v !== STATE_VALUE_VERSION || !isRecord(parsed.record)) return undefined;
  const raw = parsed.record;
  if (typeof raw.provider !== 'string' || typeof raw.createdAt !== 'number' || !Number.isFinite(raw.createdAt))
    return undefined;
  const record: PendingAuthorization = { provider: raw.provider, createdAt: raw.createdAt };
  return copyOptionalFields(raw, record, OPTIONAL_STRING_FIELDS, 'string') ? record : undefined;
}
