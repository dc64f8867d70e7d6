import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../auth-code-flow.errors.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import type { RefreshLock, TokenStore } from '../interfaces/token-store.interface.js';
import { isRecord } from '../utils/is-record.util.js';
import { runQuery, type PostgresPool } from './postgres-store.util.js';
import { postgresTokenSchemaSql, postgresTokenStatements, postgresTokenTables } from './postgres-token.schema.js';
import { assertValidOptions, integerOption, invalidArgument } from './store-arguments.util.js';
import type { TokenEncryptionOptions } from './token-cipher.util.js';
import { TokenValueCodec, type UnreadableTokenValueEvent } from './token-value.util.js';

/** Options of `PostgresTokenStore`. */
export interface PostgresTokenStoreOptions {
  /**
   * The table of the tokens, `table` or `schema.table` (lower-case `a-z`, `0-9`, `_`); the refresh locks live
   * in `{table}_refresh_locks` beside it. Create both with migrations/postgres-token-store.sql (for another
   * name, change the two names in it) or with `ensureSchema()`.
   * @default 'auth_code_flow_tokens'
   */
  tableName?: string;
  /**
   * Encrypts values at rest with AES-256-GCM, keys rotated by id, exactly as `RedisTokenStore` does (see
   * `TokenEncryptionOptions`). With it, values in clear, sealed with an unknown key id or altered read as absent.
   * @default undefined (values are JSON in clear)
   */
  encryption?: TokenEncryptionOptions;
  /**
   * Called, synchronously and without the value, when a stored value is read as absent (see
   * `UnreadableTokenReason`). Errors it throws are ignored.
   * @default undefined
   */
  onUnreadableValue?: (event: UnreadableTokenValueEvent) => void;
  /**
   * Longest wait, in milliseconds, for one statement: for a free pool connection, connecting, and the
   * answer. Past it the call rejects with `StoreUnavailableError` instead of hanging on a database that is
   * down, and pg drops that statement's connection.
   * @default 2000
   */
  operationTimeoutMs?: number;
}

export const DEFAULT_POSTGRES_OPERATION_TIMEOUT_MS = 2_000;
const STORE_NAME = 'PostgresTokenStore';
/** The least time `ensureSchema` gives its statement, whatever `operationTimeoutMs` is. */
const SCHEMA_TIMEOUT_MS = 15_000;
const KNOWN_OPTIONS = ['tableName', 'encryption', 'onUnreadableValue', 'operationTimeoutMs'];
/** The largest delay `setTimeout` honours; also the longest refresh lock (an `integer` of milliseconds). */
const MAX_MILLISECONDS = 2_147_483_647;
/** Keeps a primary-key entry far below PostgreSQL's B-tree limit (about 2,700 bytes). */
const MAX_KEY_PART_BYTES = 1024;
/** PostgreSQL's `text` cannot hold NUL, and pg would turn a lone surrogate into U+FFFD, merging two ids. */
const UNSTORABLE = /[\p{Cs}\u0000]/u;
/** The latest `expires_at` written: the end of year 9999. */
const MAX_EXPIRES_AT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** A concurrent `CREATE TABLE IF NOT EXISTS` of the same table: unique_violation (pg_type) or duplicate_table. */
const CONCURRENT_CREATE = /SQLSTATE (23505|42P07)/;

/**
 * Each user's tokens per provider in a PostgreSQL table, shared by every instance of the app and kept
 * across restarts.
 *
 * - Table: one row per (provider, user_id), the user id as given (the primary key indexes it); `value`
 *   `{"v":1,"tokens":{...}}`, or with `encryption` `{"v":1,"sealed":{...}}` (the same codec and cipher as
 *   `RedisTokenStore`, the provider and user bound as additional data); `expires_at`, `updated_at`.
 * - `set` is one upsert (`INSERT … ON CONFLICT … DO UPDATE`). Rows never expire: `delete` removes one.
 * - `acquireRefreshLock`: a row in `{table}_refresh_locks` taken in one statement when absent or expired
 *   (by the database's clock), released by deleting it only while it holds this holder's random id. No
 *   connection is held between statements, so a lock cannot tie up the pool, and a holder that dies
 *   leaves a row that expires after `ttlMs` like any other.
 *
 * Every statement has a deadline (`operationTimeoutMs`); a failure rejects with `StoreUnavailableError`,
 * naming no host, user or value. The store does not own the pool: end it yourself.
 */
export class PostgresTokenStore implements TokenStore {
  private readonly pool: PostgresPool;
  private readonly timeoutMs: number;
  private readonly codec: TokenValueCodec;
  private readonly schemaSql: string;
  private readonly sql: ReturnType<typeof postgresTokenStatements>;

  constructor(pool: PostgresPool, options: PostgresTokenStoreOptions = {}) {
    const problems: string[] = [];
    if (!isRecord(pool) || typeof pool.query !== 'function') problems.push(`${STORE_NAME}: pool must be a pg Pool`);
    if (options !== undefined && !isRecord(options)) problems.push(`${STORE_NAME}: options must be an object`);
    const given: Record<string, unknown> = isRecord(options) ? options : {};
    for (const key of Object.keys(given)) {
      if (!KNOWN_OPTIONS.includes(key))
        problems.push(`${STORE_NAME}: unknown option "${key}" (known: ${KNOWN_OPTIONS.join(', ')})`);
    }
    const tables = postgresTokenTables(STORE_NAME, given.tableName, problems);
    this.timeoutMs = integerOption(
      STORE_NAME,
      'operationTimeoutMs',
      given.operationTimeoutMs,
      DEFAULT_POSTGRES_OPERATION_TIMEOUT_MS,
      MAX_MILLISECONDS,
      problems,
    );
    this.codec = TokenValueCodec.fromOptions(STORE_NAME, given.encryption, given.onUnreadableValue, problems);
    assertValidOptions(STORE_NAME, problems);
    this.pool = pool;
    this.schemaSql = postgresTokenSchemaSql(tables);
    this.sql = postgresTokenStatements(tables);
  }

  /**
   * Creates the tables when they do not exist, with the statements of migrations/postgres-token-store.sql;
   * for apps without a migration tool. Safe to call on every start, from several instances at once. Its
   * statement gets `timeoutMs`, by default at least 15 s (DDL waits for the disk), `operationTimeoutMs` if longer.
   */
  async ensureSchema(options: { timeoutMs?: number } = {}): Promise<void> {
    // DDL commits wait for the disk: a start-up step gets longer than a token read or write.
    const timeoutMs = options.timeoutMs ?? Math.max(this.timeoutMs, SCHEMA_TIMEOUT_MS);
    const run = () => runQuery(this.pool, STORE_NAME, 'ensureSchema', timeoutMs, this.schemaSql);
    try {
      await run();
    } catch (error) {
      // Two instances creating the same table at once: one of them loses the race; the table now exists.
      if (!(error instanceof Error) || !CONCURRENT_CREATE.test(error.message)) throw error;
      await run();
    }
  }

  /** The deadline of each call, in milliseconds: the refresh lock's TTL budgets for it. */
  get operationTimeoutMs(): number {
    return this.timeoutMs;
  }

  async get(provider: string, user: string): Promise<TokenSet | undefined> {
    const rows = await this.query('get', this.sql.get, keyOf(provider, user));
    const value = (rows[0] as { value?: unknown } | undefined)?.value;
    return typeof value === 'string' ? this.codec.decode(provider, user, value) : undefined;
  }

  async set(provider: string, user: string, tokens: TokenSet): Promise<void> {
    const key = keyOf(provider, user);
    const value = this.codec.encode(provider, user, tokens);
    await this.query('set', this.sql.set, [...key, value, expiresAtColumn(tokens)]);
  }

  async delete(provider: string, user: string): Promise<void> {
    await this.query('delete', this.sql.delete, keyOf(provider, user));
  }

  async acquireRefreshLock(provider: string, user: string, ttlMs: number): Promise<RefreshLock | undefined> {
    if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_MILLISECONDS) {
      throw invalidArgument(
        ttlMs,
        'number',
        `${STORE_NAME}: the refresh lock's ttlMs must be an integer from 1 to ${MAX_MILLISECONDS}`,
      );
    }
    const key = keyOf(provider, user);
    const owner = randomBytes(16).toString('base64url');
    const rows = await this.query('acquireRefreshLock', this.sql.acquireLock, [...key, owner, ttlMs]);
    if (rows.length === 0) return undefined;
    return {
      release: async () => {
        await this.query('releaseRefreshLock', this.sql.releaseLock, [...key, owner]);
      },
    };
  }

  private query(operation: string, text: string, values?: unknown[]): Promise<unknown[]> {
    return runQuery(this.pool, STORE_NAME, operation, this.timeoutMs, text, values);
  }
}

/** The row's key, `[provider, user]`, checked: PostgreSQL must store it exactly as given. */
function keyOf(provider: string, user: string): [string, string] {
  if (typeof provider !== 'string' || provider === '') {
    throw invalidArgument(provider, 'string', `${STORE_NAME}: provider must be a non-empty string`);
  }
  if (typeof user !== 'string') throw invalidArgument(user, 'string', `${STORE_NAME}: user must be a string`);
  for (const [name, value] of [
    ['provider', provider],
    ['user', user],
  ] as const) {
    if (UNSTORABLE.test(value) || Buffer.byteLength(value, 'utf8') > MAX_KEY_PART_BYTES) {
      throw new InvalidArgumentError(
        'ERR_INVALID_ARG_VALUE',
        `${STORE_NAME}: ${name} must be well-formed Unicode without NUL, at most ${MAX_KEY_PART_BYTES} bytes in UTF-8`,
      );
    }
  }
  return [provider, user];
}

/** The access token's expiry for the `expires_at` column, or null when it has none PostgreSQL can hold. */
function expiresAtColumn(tokens: TokenSet): Date | null {
  const at = tokens.expiresAt;
  return typeof at === 'number' && Number.isFinite(at) && at >= 0 && at <= MAX_EXPIRES_AT ? new Date(at) : null;
}
