import { StoreUnavailableError } from '../auth-code-flow.errors.js';
import { isRecord } from '../utils/is-record.util.js';
import { raceDeadline } from './deadline.util.js';

/**
 * The pool the PostgreSQL store takes: a node-postgres (`pg`) `Pool`, or any object with its `query`.
 * Declared here rather than imported from pg, an optional peer dependency, so that the package's
 * declarations compile in an app without pg or @types/pg (even with `skipLibCheck: false`).
 */
export interface PostgresPool {
  query(config: { text: string; values?: unknown[]; query_timeout?: number }): Promise<{ rows: unknown[] }>;
}

export const STORE_QUERY_TIMED_OUT = (storeName: string, operation: string, timeoutMs: number) =>
  `${storeName}: "${operation}" got no answer from PostgreSQL within ${timeoutMs} ms.`;
export const STORE_QUERY_FAILED = (storeName: string, operation: string, reason: string) =>
  `${storeName}: "${operation}" failed: ${reason}.`;

/**
 * Runs one statement with a deadline covering the wait for a pool connection, connecting and the query,
 * turning every failure into `StoreUnavailableError`. `query_timeout` makes pg drop the connection of a
 * query still running past the deadline, so the pool gets its slot back; a query that timed out may still
 * have been carried out (each one writes or deletes one whole row). The pg error is not attached as `cause`:
 * pg puts the host and port on connection errors and values on some database errors.
 */
export async function runQuery(
  pool: PostgresPool,
  storeName: string,
  operation: string,
  timeoutMs: number,
  text: string,
  values?: unknown[],
): Promise<unknown[]> {
  const result = await raceDeadline(timeoutMs, () => pool.query({ text, values, query_timeout: timeoutMs }), {
    timedOut: () => new StoreUnavailableError(STORE_QUERY_TIMED_OUT(storeName, operation, timeoutMs)),
    failed: (error) =>
      new StoreUnavailableError(STORE_QUERY_FAILED(storeName, operation, describePostgresError(error))),
  });
  return result.rows;
}

/** SQLSTATE codes worth a word (PostgreSQL, Appendix A); any other is named by its code alone. */
const SQLSTATE_REASONS: Record<string, string> = {
  '42P01': 'the table does not exist (run the migration, or ensureSchema())',
  '42501': 'the database user lacks a privilege on the table or its schema',
  '28000': 'the database refused the login',
  '28P01': 'the database refused the login',
  '3D000': 'the database does not exist',
  '53300': 'the server has too many connections',
  '57014': 'the statement was cancelled (statement_timeout)',
  '57P01': 'the server is shutting down',
  '57P03': 'the server is starting up or shutting down',
  '25006': 'the server is read-only (a standby)',
};

/** pg's own messages worth a word; none holds a host, user or value. */
const PG_MESSAGE_REASONS: ReadonlyArray<[RegExp, string]> = [
  [/^Connection terminated due to connection timeout$/, 'no connection to PostgreSQL within connectionTimeoutMillis'],
  [/^timeout exceeded when trying to connect$/, 'no connection of the pool was free within connectionTimeoutMillis'],
  [/^Connection terminated/, 'the connection to PostgreSQL was lost'],
  [/^Query read timeout$/, 'PostgreSQL did not answer in time'],
  [/^Cannot use a pool after calling end on the pool$/, 'the pool has been ended'],
];

/**
 * A reason that never repeats a host, user, password or value: a database error is reduced to its SQLSTATE
 * (the server quotes identifiers and values in its messages), a socket error to its code.
 */
export function describePostgresError(error: unknown): string {
  // Read by shape, not `instanceof Error`: socket errors may come from another realm (a VM context, a worker).
  if (!isRecord(error) || typeof error.message !== 'string') return 'unexpected error';
  const { code, name, message } = error;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && 'severity' in error) {
    const reason = SQLSTATE_REASONS[code];
    return `PostgreSQL answered with an error (SQLSTATE ${code}${reason ? `: ${reason}` : ''})`;
  }
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return `PostgreSQL could not be reached (${code})`;
  for (const [pattern, reason] of PG_MESSAGE_REASONS) if (pattern.test(message)) return reason;
  return `PostgreSQL could not be used (${typeof name === 'string' && /^[A-Za-z]+$/.test(name) ? name : 'Error'})`;
}
