import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import type pg from 'pg';
import {
  getFlowManagerToken,
  PostgresTokenStore,
  StoreUnavailableError,
  type FlowManager,
  type TokenSet,
} from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import {
  closedPort,
  dropTokenTables,
  eventually,
  postgresPool,
  silentServer,
  uniqueTableName,
} from '../support/postgres.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';

const TIMEOUT_MS = 250;
const SECRET_USER = 'acf_user_that_must_not_leak';
const SECRET_PASSWORD = 'password-that-must-not-leak';
const saved: TokenSet = { accessToken: 'access-must-not-leak', tokenType: 'Bearer', raw: {} };

/** PostgreSQL down (closed port), hanging (a silent server) or slow (a table lock), at store and FlowManager level. */
describe('PostgreSQL down or slow', () => {
  const pools: pg.Pool[] = [];
  let admin: pg.Pool;
  let tableName: string;

  /** A pool the test ends, with credentials that must never appear in an error. */
  function poolAt(port: number, overrides: pg.PoolConfig = {}): pg.Pool {
    const pool = postgresPool({ host: '127.0.0.1', port, user: SECRET_USER, password: SECRET_PASSWORD, ...overrides });
    pools.push(pool);
    return pool;
  }

  beforeAll(async () => {
    admin = postgresPool();
    tableName = uniqueTableName('faults');
    await new PostgresTokenStore(admin, { tableName }).ensureSchema();
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
  });
  afterAll(async () => {
    await dropTokenTables(admin, tableName);
    await admin.end();
  });

  /** Every call of the store, each expected to reject with StoreUnavailableError. */
  function everyCall(store: PostgresTokenStore): Array<[string, () => Promise<unknown>]> {
    return [
      ['get', () => store.get('fake', 'ada')],
      ['set', () => store.set('fake', 'ada', saved)],
      ['delete', () => store.delete('fake', 'ada')],
      ['acquireRefreshLock', () => store.acquireRefreshLock('fake', 'ada', 1000)],
      ['ensureSchema', () => store.ensureSchema({ timeoutMs: store.operationTimeoutMs })],
    ];
  }

  async function expectUnavailable(call: Promise<unknown>, message: string | RegExp, port?: number) {
    const error = await call.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(message);
    const everything = `${(error as Error).message} ${(error as Error).stack} ${JSON.stringify(error)} ${String((error as Error).cause)}`;
    for (const secret of [SECRET_USER, SECRET_PASSWORD, '127.0.0.1', saved.accessToken, tableName])
      expect(everything).not.toContain(secret);
    if (port !== undefined) expect(everything).not.toContain(String(port));
  }

  it('a closed port: every call fails with StoreUnavailableError at once, naming no host, port, user or password', async () => {
    const port = await closedPort();
    const pool = poolAt(port, { connectionTimeoutMillis: 1_000 });
    const store = new PostgresTokenStore(pool, { tableName, operationTimeoutMs: 5_000 });
    for (const [operation, call] of everyCall(store)) {
      await expectUnavailable(
        call(),
        `PostgresTokenStore: "${operation}" failed: PostgreSQL could not be reached (ECONNREFUSED).`,
        port,
      );
    }
    expect(pool.totalCount).toBe(0);
  });

  it('a server that accepts and never answers, with connectionTimeoutMillis: each call fails when pg gives up connecting', async () => {
    const server = await silentServer();
    try {
      const pool = poolAt(server.port, { connectionTimeoutMillis: 100 });
      const store = new PostgresTokenStore(pool, { tableName, operationTimeoutMs: 10_000 });
      for (const [operation, call] of everyCall(store)) {
        await expectUnavailable(
          call(),
          `PostgresTokenStore: "${operation}" failed: no connection to PostgreSQL within connectionTimeoutMillis.`,
          server.port,
        );
      }
      expect(pool.totalCount).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('a server that never answers, and a pool without connectionTimeoutMillis: each call fails at the store deadline', async () => {
    const server = await silentServer();
    const pool = poolAt(server.port);
    try {
      const store = new PostgresTokenStore(pool, { tableName, operationTimeoutMs: TIMEOUT_MS });
      await Promise.all(
        everyCall(store).map(([operation, call]) =>
          expectUnavailable(
            call(),
            `PostgresTokenStore: "${operation}" got no answer from PostgreSQL within ${TIMEOUT_MS} ms.`,
            server.port,
          ),
        ),
      );
    } finally {
      // The connection attempts still pending fail now, and the pool forgets them.
      await server.close();
    }
    await eventually(() => pool.totalCount === 0);
  });

  it('a statement stuck behind a lock fails at the deadline, and pg drops its connection so the pool gets the slot back', async () => {
    const pool = postgresPool({ max: 1 });
    pools.push(pool);
    const store = new PostgresTokenStore(pool, { tableName, operationTimeoutMs: TIMEOUT_MS });
    await store.set('fake', 'ada', saved);
    const blocker = await admin.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE "${tableName}" IN ACCESS EXCLUSIVE MODE`);
      await expectUnavailable(
        store.get('fake', 'ada'),
        /^PostgresTokenStore: "get" got no answer from PostgreSQL within 250 ms\.$/,
      );
      // The pool's one connection was dropped rather than left waiting behind the lock.
      await eventually(() => pool.totalCount === 0);
      await expectUnavailable(store.set('fake', 'ada', saved), /"set" got no answer/);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    expect(await store.get('fake', 'ada')).toEqual(saved);
  });

  it('a database error is told by its SQLSTATE, never by the server text that quotes names', async () => {
    const missing = new PostgresTokenStore(admin, { tableName: uniqueTableName('missing') });
    await expectUnavailable(
      missing.get('fake', 'ada'),
      'PostgresTokenStore: "get" failed: PostgreSQL answered with an error (SQLSTATE 42P01: the table does not exist (run the migration, or ensureSchema())).',
    );
    const noDatabase = poolAt(5432, { ...admin.options, database: 'acf_database_that_must_not_leak' });
    const store = new PostgresTokenStore(noDatabase, { tableName });
    await expectUnavailable(
      store.get('fake', 'ada'),
      'PostgresTokenStore: "get" failed: PostgreSQL answered with an error (SQLSTATE 3D000: the database does not exist).',
    );
  });

  describe('FlowManager level', () => {
    let provider: FakeProvider;
    let moduleRef: TestingModule | undefined;

    beforeAll(async () => {
      provider = await FakeProvider.start();
    });
    afterEach(async () => {
      await moduleRef?.close();
      moduleRef = undefined;
    });
    afterAll(() => provider.close());

    it('the database down: getTokens rejects with StoreUnavailableError and sends no token request', async () => {
      const port = await closedPort();
      const store = new PostgresTokenStore(poolAt(port), { tableName, operationTimeoutMs: TIMEOUT_MS });
      moduleRef = await compileWith({ providers: { fake: fakeClientOptions(provider) }, tokenStore: store });
      const manager = moduleRef.get<FlowManager>(getFlowManagerToken('fake'));
      await expectUnavailable(
        manager.getTokens('ada'),
        /PostgresTokenStore: "get" failed: PostgreSQL could not be reached/,
      );
      expect(provider.requestsTo('/oauth/token')).toHaveLength(0);
    });
  });
});
