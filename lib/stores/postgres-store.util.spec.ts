import { describe, expect, it } from '@jest/globals';
import { StoreUnavailableError } from '../auth-code-flow.errors.js';
import { describePostgresError, runQuery, type PostgresPool } from './postgres-store.util.js';

/** An error as pg's DatabaseError carries it: a SQLSTATE `code`, a `severity`, and the server's text. */
const databaseError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'ERROR' });

describe('describePostgresError', () => {
  it.each([
    [
      databaseError('42P01', 'relation "secret_table" does not exist'),
      'PostgreSQL answered with an error (SQLSTATE 42P01: the table does not exist (run the migration, or ensureSchema()))',
    ],
    [
      databaseError('28P01', 'password authentication failed for user "alice"'),
      'PostgreSQL answered with an error (SQLSTATE 28P01: the database refused the login)',
    ],
    [
      databaseError('22P02', 'invalid input syntax for type integer: "secret value"'),
      'PostgreSQL answered with an error (SQLSTATE 22P02)',
    ],
    [
      Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:5432'), {
        code: 'ECONNREFUSED',
        address: '10.1.2.3',
        port: 5432,
      }),
      'PostgreSQL could not be reached (ECONNREFUSED)',
    ],
    [
      Object.assign(new Error('getaddrinfo ENOTFOUND db.internal'), { code: 'ENOTFOUND' }),
      'PostgreSQL could not be reached (ENOTFOUND)',
    ],
    [
      new Error('Connection terminated due to connection timeout'),
      'no connection to PostgreSQL within connectionTimeoutMillis',
    ],
    [
      new Error('timeout exceeded when trying to connect'),
      'no connection of the pool was free within connectionTimeoutMillis',
    ],
    [new Error('Connection terminated unexpectedly'), 'the connection to PostgreSQL was lost'],
    [new Error('Query read timeout'), 'PostgreSQL did not answer in time'],
    [new Error('Cannot use a pool after calling end on the pool'), 'the pool has been ended'],
    [new TypeError('secret at db.internal'), 'PostgreSQL could not be used (TypeError)'],
    [Object.assign(new Error('x'), { name: 'Odd name: secret' }), 'PostgreSQL could not be used (Error)'],
    ['a string', 'unexpected error'],
    [{ message: 'Query read timeout' }, 'PostgreSQL did not answer in time'],
  ])('%#: reduces the error to a reason that repeats nothing of it', (error, reason) => {
    expect(describePostgresError(error)).toBe(reason);
  });
});

describe('runQuery', () => {
  it('passes the text, the values and query_timeout to the pool, and answers the rows', async () => {
    const seen: unknown[] = [];
    const pool: PostgresPool = { query: async (config) => (seen.push(config), { rows: [{ n: 1 }] }) };
    expect(await runQuery(pool, 'S', 'get', 500, 'SELECT $1', ['a'])).toEqual([{ n: 1 }]);
    expect(seen).toEqual([{ text: 'SELECT $1', values: ['a'], query_timeout: 500 }]);
  });

  it('turns a pool that never answers, rejects or throws into StoreUnavailableError', async () => {
    const never: PostgresPool = { query: () => new Promise(() => undefined) };
    await expect(runQuery(never, 'S', 'get', 20, 'SELECT 1')).rejects.toThrow(
      new StoreUnavailableError('S: "get" got no answer from PostgreSQL within 20 ms.'),
    );
    const rejecting: PostgresPool = { query: () => Promise.reject(databaseError('53300', 'too many')) };
    await expect(runQuery(rejecting, 'S', 'set', 1000, 'SELECT 1')).rejects.toThrow(
      new StoreUnavailableError(
        'S: "set" failed: PostgreSQL answered with an error (SQLSTATE 53300: the server has too many connections).',
      ),
    );
    const throwing: PostgresPool = {
      query: () => {
        throw new Error('Client was closed and is not queryable');
      },
    };
    await expect(runQuery(throwing, 'S', 'delete', 1000, 'SELECT 1')).rejects.toThrow(StoreUnavailableError);
  });
});
