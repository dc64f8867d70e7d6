import { randomBytes } from 'node:crypto';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import { isRecord } from '../utils/is-record.util.js';
import { sha256Base64url } from '../utils/sha256.util.js';
import {
  COMPARE_AND_DELETE_SCRIPT,
  parseJson,
  resolveRedisStoreOptions,
  withDeadline,
  type RedisClient,
  type RedisCommands,
  type RedisStoreOptions,
} from './redis-store.util.js';
import { assertValidOptions, integerOption, invalidArgument } from './store-arguments.util.js';
import { TokenCipher, type TokenEncryptionOptions } from './token-cipher.util.js';
import type { RefreshLock, TokenStore } from '../interfaces/token-store.interface.js';

/** Why a stored token value was read as absent. */
export type UnreadableTokenReason =
  /** Not JSON, or not the shape this version writes. */
  | 'malformed'
  /** Written by another version of the store. */
  | 'unknown_version'
  /** Sealed with a key id that is not in `encryption.keys` (or the store has no `encryption`). */
  | 'unknown_key'
  /** AES-GCM authentication failed: the value was changed, or moved from another provider's or user's key. */
  | 'tampered'
  /** Stored in clear while the store has `encryption`. */
  | 'not_encrypted';

/** What `onUnreadableValue` receives; it never holds the value. */
export interface UnreadableTokenValueEvent {
  provider: string;
  user: string;
  reason: UnreadableTokenReason;
}

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
/** Version of the JSON the store writes: `{"v":1,"tokens":{...}}` or `{"v":1,"sealed":{...}}`. */
const TOKEN_VALUE_VERSION = 1;
const STORE_NAME = 'RedisTokenStore';
const MAX_TTL_SECONDS = 10 * 365 * 24 * 60 * 60;
const OPTIONAL_STRING_FIELDS = ['refreshToken', 'scope', 'idToken'] as const;
const OPTIONAL_NUMBER_FIELDS = ['expiresIn', 'expiresAt'] as const;

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
  private readonly cipher: TokenCipher | undefined;
  private readonly onUnreadableValue: ((event: UnreadableTokenValueEvent) => void) | undefined;

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
    this.cipher = encryption === undefined ? undefined : TokenCipher.fromOptions(encryption, STORE_NAME, problems);
    if (onUnreadableValue !== undefined && typeof onUnreadableValue !== 'function') {
      problems.push(`${STORE_NAME}: onUnreadableValue must be a function`);
    }
    assertValidOptions(STORE_NAME, problems);
    this.commands = resolved.commands;
    this.keyPrefix = resolved.keyPrefix;
    this.timeoutMs = resolved.operationTimeoutMs;
    this.onUnreadableValue = onUnreadableValue as RedisTokenStoreOptions['onUnreadableValue'];
  }

  /** The Redis key holding a user's tokens for a provider. */
  keyFor(provider: string, user: string): string {
    return `${this.keyPrefix}tokens:${this.owner(provider, user)}`;
  }

  /** The Redis key of a user's refresh lock for a provider. */
  lockKeyFor(provider: string, user: string): string {
    return `${this.keyPrefix}refresh-lock:${this.owner(provider, user)}`;
  }

  async get(provider: string, user: string): Promise<TokenSet | undefined> {
    const value = await withDeadline(STORE_NAME, 'get', this.timeoutMs, () =>
      this.commands.get(this.keyFor(provider, user)),
    );
    return value === null ? undefined : this.decode(provider, user, value);
  }

  async set(provider: string, user: string, tokens: TokenSet): Promise<void> {
    const key = this.keyFor(provider, user);
    const value = this.encode(provider, user, tokens);
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

  private encode(provider: string, user: string, tokens: TokenSet): string {
    if (!this.cipher) return JSON.stringify({ v: TOKEN_VALUE_VERSION, tokens });
    return JSON.stringify({
      v: TOKEN_VALUE_VERSION,
      sealed: this.cipher.seal(JSON.stringify(tokens), additionalData(provider, user)),
    });
  }

  private decode(provider: string, user: string, value: string): TokenSet | undefined {
    const parsed = parseJson(value);
    if (!isRecord(parsed)) return this.unreadable(provider, user, 'malformed');
    if (parsed.v !== TOKEN_VALUE_VERSION) return this.unreadable(provider, user, 'unknown_version');
    if (parsed.sealed !== undefined) {
      if (!this.cipher) return this.unreadable(provider, user, 'unknown_key');
      const opened = this.cipher.open(parsed.sealed, additionalData(provider, user));
      if (!opened.ok) return this.unreadable(provider, user, opened.reason);
      const tokens = decodeStoredTokens(parseJson(opened.plaintext));
      return tokens ?? this.unreadable(provider, user, 'malformed');
    }
    if (this.cipher) return this.unreadable(provider, user, 'not_encrypted');
    return decodeStoredTokens(parsed.tokens) ?? this.unreadable(provider, user, 'malformed');
  }

  private unreadable(provider: string, user: string, reason: UnreadableTokenReason): undefined {
    try {
      this.onUnreadableValue?.({ provider, user, reason });
    } catch {
      // The hook is for observation only; it cannot change what the store answers.
    }
    return undefined;
  }
}

/** AES-GCM additional data: binds a sealed value to its provider and user. */
function additionalData(provider: string, user: string): string {
  return `nestjs-auth-code-flow:tokens:v${TOKEN_VALUE_VERSION}\u0000${provider}\u0000${user}`;
}

/** A `TokenSet` from stored JSON, or `undefined` when its shape is wrong. */
function decodeStoredTokens(value: unknown): TokenSet | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.accessToken !== 'string' || typeof value.tokenType !== 'string' || !isRecord(value.raw))
    return undefined;
  const tokens: TokenSet = { accessToken: value.accessToken, tokenType: value.tokenType, raw: value.raw };
  for (const field of OPTIONAL_NUMBER_FIELDS) {
    const fieldValue = value[field];
    if (fieldValue === undefined) continue;
    if (typeof fieldValue !== 'number' || !Number.isFinite(fieldValue)) return undefined;
    tokens[field] = fieldValue;
  }
  for (const field of OPTIONAL_STRING_FIELDS) {
    const fieldValue = value[field];
    if (fieldValue === undefined) continue;
    if (typeof fieldValue !== 'string') return undefined;
    tokens[field] = fieldValue;
  }
  if (value.idTokenClaims !== undefined) {
    if (!isRecord(value.idTokenClaims)) return undefined;
    tokens.idTokenClaims = value.idTokenClaims;
  }
  return tokens;
}
