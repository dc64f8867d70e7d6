// The SQL of PostgresTokenStore: table names, checked and quoted, and every statement the store sends.
// migrations/postgres-token-store.sql is `postgresTokenSchemaSql` for the default table name (a test compares them).

export const DEFAULT_POSTGRES_TOKEN_TABLE = 'auth_code_flow_tokens';
/** The refresh locks live beside the tokens, in `{table}_refresh_locks`. */
export const LOCK_TABLE_SUFFIX = '_refresh_locks';
/** PostgreSQL truncates identifiers past 63 bytes (NAMEDATALEN - 1). */
const MAX_IDENTIFIER_LENGTH = 63;
const MAX_TABLE_LENGTH = MAX_IDENTIFIER_LENGTH - LOCK_TABLE_SUFFIX.length;
// Lower case only: quoted, such a name means the same table as unquoted, so a hand-written migration that
// leaves the quotes out still matches.
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** The store's two tables, schema-qualified when the table name was, each part in double quotes. */
export interface PostgresTokenTables {
  tokens: string;
  locks: string;
}

/**
 * The tables for `tableName` (`table` or `schema.table`); a wrong name adds a problem named by `storeName`
 * and gives the default tables. The name is never put in the message: it may be an injection attempt.
 */
export function postgresTokenTables(storeName: string, tableName: unknown, problems: string[]): PostgresTokenTables {
  const name = tableName === undefined ? DEFAULT_POSTGRES_TOKEN_TABLE : tableName;
  if (typeof name !== 'string') {
    problems.push(`${storeName}: tableName must be a string`);
    return postgresTokenTables(storeName, undefined, problems);
  }
  const parts = name.split('.');
  const table = parts.at(-1)!;
  const schema = parts.length === 2 ? parts[0]! : undefined;
  const valid =
    parts.length <= 2 &&
    IDENTIFIER.test(table) &&
    table.length <= MAX_TABLE_LENGTH &&
    (schema === undefined || (IDENTIFIER.test(schema) && schema.length <= MAX_IDENTIFIER_LENGTH));
  if (!valid) {
    problems.push(
      `${storeName}: tableName must be "table" or "schema.table", each of lower-case a-z, 0-9 and _, not starting ` +
        `with a digit, the table at most ${MAX_TABLE_LENGTH} characters and the schema at most ${MAX_IDENTIFIER_LENGTH}`,
    );
    return postgresTokenTables(storeName, undefined, problems);
  }
  const qualify = (relation: string) => (schema === undefined ? `"${relation}"` : `"${schema}"."${relation}"`);
  return { tokens: qualify(table), locks: qualify(`${table}${LOCK_TABLE_SUFFIX}`) };
}

/** `CREATE TABLE IF NOT EXISTS` for both tables: what the shipped migration holds and `ensureSchema()` runs. */
export function postgresTokenSchemaSql(tables: PostgresTokenTables): string {
  return `-- PostgresTokenStore (nestjs-auth-code-flow): each user's tokens per provider, and the refresh locks.
-- PostgresTokenStore.ensureSchema() runs this same text; it can be run again at any time.
CREATE TABLE IF NOT EXISTS ${tables.tokens} (
  provider text NOT NULL,
  user_id text NOT NULL,
  -- {"v":1,"tokens":{...}}, or with encryption {"v":1,"sealed":{...}} (AES-256-GCM)
  value text NOT NULL,
  -- when the access token expires (informational; the value holds what the store reads)
  expires_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, user_id)
);
CREATE TABLE IF NOT EXISTS ${tables.locks} (
  provider text NOT NULL,
  user_id text NOT NULL,
  -- a random id of the holder, so that a holder whose lock expired cannot release its successor's
  owner text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (provider, user_id)
);
`;
}

/** Every statement of the store; `$1` is the provider and `$2` the user id throughout. */
export function postgresTokenStatements(tables: PostgresTokenTables) {
  return {
    get: `SELECT value FROM ${tables.tokens} WHERE provider = $1 AND user_id = $2`,
    /** One statement: a concurrent `set` of the same user cannot fail on the primary key. */
    set:
      `INSERT INTO ${tables.tokens} (provider, user_id, value, expires_at, updated_at) VALUES ($1, $2, $3, $4, now()) ` +
      'ON CONFLICT (provider, user_id) DO UPDATE ' +
      'SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, updated_at = EXCLUDED.updated_at',
    delete: `DELETE FROM ${tables.tokens} WHERE provider = $1 AND user_id = $2`,
    /**
     * Takes the lock when it has no row or its row has expired, by the database's clock (one clock for every
     * instance); answers a row only when it took it. Concurrent callers serialize on the primary key.
     */
    acquireLock:
      `INSERT INTO ${tables.locks} AS held (provider, user_id, owner, expires_at) ` +
      "VALUES ($1, $2, $3, now() + $4::integer * interval '1 millisecond') " +
      'ON CONFLICT (provider, user_id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at ' +
      'WHERE held.expires_at <= now() RETURNING held.owner',
    releaseLock: `DELETE FROM ${tables.locks} WHERE provider = $1 AND user_id = $2 AND owner = $3`,
  };
}
