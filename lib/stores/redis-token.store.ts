import { randomBytes } from 'node:crypto';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import { sha256Base64url } from '../utils/sha256.util.js';
import {
  COMPARE_AND_DELETE_SCRIPT,
  resolveRedisStoreOptions,
  withDeadline,
  type RedisClient,
  type RedisCommands,
  type RedisStoreOptions,
} from './redis-store.util.js';
import { assertValidOptions, integerOption, invalidArgument } from './store-arguments.util.js';
import type { TokenEncryptionOptions } from './token-cipher.util.js';
import { TokenValueCodec, type UnreadableTokenValueEvent } from './token-value.util.js';
import type { RefreshLock, TokenStore } from '../interfaces/token-store.interface.js';

export type { UnreadableTokenReason, UnreadableTokenValueEvent } from './token-value.util.js';

/** Options of `RedisTokenStore`. */
export interface RedisTokenStoreOptions extends RedisStoreOptions {
  /**
   * TTL, in seconds, of a token set that has a refresh token or no expiry, counted from its last write
   * (every refresh rewrites it); also the upper bound of every token key's TTL. A token set without a
   * refresh token lives until its `expiresAt` (at least one second), since nothing can renew it.
   * @default 2592000 (30 days)
   */
  maxTtlSeconds?: number;
  /**
   * Encrypts values at rest with AES-256-GCM, keys rotated by id (see `TokenEncryptionOptions`).
   * With it, values in clear read as absent; a value sealed with an unknown key id or altered in any way
   * reads as absent too (no error, nothing logged: the user runs the flow again), and is left in place
   * so that an instance that lacks a new key during a rolling deploy cannot wipe it.
   * @default undefined (values are JSON in clear)
   */
  encryption?: TokenEncryptionOptions;
  /**
   * Called, synchronously and without the value, when a stored value is read as absent (see
   * `UnreadableTokenReason`), e.g. to count or log key-rotation mistakes. Errors it throws are ignored.
   * @default undefined
   */
  onUnreadableValue?: (event: UnreadableTokenValueEvent) => void;
}

export const DEFAULT_TOKEN_MAX_TTL_SECONDS = 30 * 24 * 60 * 60;
const STORE_NAME = 'RedisTokenStore';
const MAX_TTL_SECONDS = 10 * 365 * 24 * 60 * 60;

/**
 * Each user's tokens per provider in Redis, shared by every instance of the app.
 *
 * - Key: `{keyPrefix}tokens:{provider, URI-encoded}:{SHA-256 of the user id, base64url}`; the user id is
 *   hashed so keys are of bounded length and hold no e-mail address or other personal id.
 * - Value: `{"v":1,"tokens":{...}}`, or with `encryption` `{"v":1,"sealed":{alg,kid,iv,data,tag}}`,
 *   AES-256-GCM with the provider and user as additional data, so a value copied to another key does not open.
 * - TTL: see `maxTtlSeconds`.
 * - `acquireRefreshLock`: `SET {keyPrefix}refresh-lock:{provider}:{user hash} <random owner> NX PX ttl`,
 *   released by a compare-and-delete script, so a holder whose lock expired cannot free a successor's.
 *
 * Every call touches one key (a `Cluster` client works) and has a deadline (`operationTimeoutMs`); a
 * Redis failure rejects with `StoreUnavailableError`. The store does not own the client: close it yourself.
 */
export class RedisTokenStore implements TokenStore {
  private readonly commands: RedisCommands;
  private readonly keyPrefix: string;
  private readonly timeoutMs: number;
  private readonly maxTtlMs: number;
  private readonly codec: TokenValueCodec;

  constructor(client: RedisClient, options: RedisTokenStoreOptions = {}) {
    const problems: string[] = [];
    const extraKeys = ['maxTtlSeconds', 'encryption', 'onUnreadableValue'];
    const resolved = resolveRedisStoreOptions(STORE_NAME, client, options, extraKeys, problems);
    const { maxTtlSeconds, encryption, onUnreadableValue } = resolved.options;
    const maxTtl = integerOption(
      STORE_NAME,
      'maxTtlSeconds',
      maxTtlSeconds,
      DEFAULT_TOKEN_MAX_TTL_SECONDS,
      MAX_TTL_SECONDS,
      problems,
    );
    this.maxTtlMs = maxTtl * 1000;
    this.codec = TokenValueCodec.fromOptions(STORE_NAME, encryption, onUnreadableValue, problems);
    assertValidOptions(STORE_NAME, problems);
    this.commands = resolved.commands;
    this.keyPrefix = resolved.keyPrefix;
    this.timeoutMs = resolved.operationTimeoutMs;
  }

  /** The Redis key holding a user's tokens for a provider. */
  keyFor(provider: string, user: string): string {
    return `${this.keyPrefix}tokens:${this.owner(provider, user)}`;
  }

  /** The Redis key of a user's refresh lock for a provider. */
  lockKeyFor(provider: string, user: string): string {
    return `${this.keyPrefix}refresh-lock:${this.owner(provider, user)}`;
  }

  /** The deadline of each call, in milliseconds: the refresh lock's TTL budgets for it. */
  get operationTimeoutMs(): number {
    return this.timeoutMs;
  }

  async get(provider: string, user: string): Promise<TokenSet | undefined> {
    const value = await withDeadline(STORE_NAME, 'get', this.timeoutMs, () =>
      this.commands.get(this.keyFor(provider, user)),
    );
    return value === null ? undefined : this.codec.decode(provider, user, value);
  }

  async set(provider: string, user: string, tokens: TokenSet): Promise<void> {
    const key = this.keyFor(provider, user);
    const value = this.codec.encode(provider, user, tokens);
    const ttlMs = this.ttlMsOf(tokens);
    await withDeadline(STORE_NAME, 'set', this.timeoutMs, () => this.commands.set(key, value, 'PX', ttlMs));
  }

  async delete(provider: string, user: string): Promise<void> {
    await withDeadline(STORE_NAME, 'delete', this.timeoutMs, () => this.commands.del(this.keyFor(provider, user)));
  }

  async acquireRefreshLock(provider: string, user: string, ttlMs: number): Promise<RefreshLock | undefined> {
    if (!Number.isInteger(ttlMs) || ttlMs < 1) {
      throw invalidArgument(ttlMs, 'number', `${STORE_NAME}: the refresh lock's ttlMs must be a positive integer`);
    }
    const key = this.lockKeyFor(provider, user);
    const owner = randomBytes(16).toString('base64url');
    const reply = await withDeadline(STORE_NAME, 'acquireRefreshLock', this.timeoutMs, () =>
      this.commands.set(key, owner, 'PX', ttlMs, 'NX'),
    );
    if (reply !== 'OK') return undefined;
    return {
      release: async () => {
        await withDeadline(STORE_NAME, 'releaseRefreshLock', this.timeoutMs, () =>
          COMPARE_AND_DELETE_SCRIPT.run(this.commands, key, owner),
        );
      },
    };
  }

  private owner(provider: string, user: string): string {
    if (typeof provider !== 'string' || provider === '') {
      throw invalidArgument(provider, 'string', `${STORE_NAME}: provider must be a non-empty string`);
    }
    if (typeof user !== 'string') throw invalidArgument(user, 'string', `${STORE_NAME}: user must be a string`);
    return `${encodeURIComponent(provider)}:${sha256Base64url(user)}`;
  }

  /** A token set with a refresh token (or without an expiry) lives `maxTtlSeconds`; one without, until it expires. */
  private ttlMsOf(tokens: TokenSet, now = Date.now()): number {
    if (tokens.refreshToken || typeof tokens.expiresAt !== 'number' || !Number.isFinite(tokens.expiresAt))
      return this.maxTtlMs;
    return Math.min(this.maxTtlMs, Math.max(1000, Math.ceil(tokens.expiresAt - now)));
  }
}
