import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type pg from 'pg';
import { AuthCodeFlowConfigError, InvalidArgumentError } from '../../lib/auth-code-flow.errors.js';
import type { TokenSet } from '../../lib/interfaces/token-set.interface.js';
import type { PostgresPool } from '../../lib/stores/postgres-store.util.js';
import { PostgresTokenStore, type PostgresTokenStoreOptions } from '../../lib/stores/postgres-token.store.js';
import type { UnreadableTokenValueEvent } from '../../lib/stores/token-value.util.js';
import { dropTokenTables, eventually, postgresPool, uniqueTableName } from '../support/postgres.js';
import { describeTokenStoreContract } from './token-store.contract.js';

const root = resolve(import.meta.dirname, '../..');

function tokens(overrides: Partial<TokenSet> = {}): TokenSet {
  const id = randomUUID();
  return {
    accessToken: `access-${id}`,
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: Date.now() + 3_600_000,
    refreshToken: `refresh-${id}`,
    idToken: `idtoken-${id}`,
    scope: 'read',
    raw: { access_token: `access-${id}`, refresh_token: `refresh-${id}`, custom: `custom-${id}` },
    ...overrides,
  };
}

/** Every string in a token set that must not be readable in the table. */
function secretsOf(set: TokenSet): string[] {
  return [set.accessToken, set.refreshToken, set.idToken, String(set.raw.custom)].filter(
    (value): value is string => typeof value === 'string',
  );
}

/** A pool that runs nothing and records every statement it is given. */
function recordingPool(): PostgresPool & { texts: string[] } {
  const texts: string[] = [];
  return { texts, query: async ({ text }) => (texts.push(text), { rows: [] }) };
}

for (const encrypted of [false, true]) {
  describeTokenStoreContract(`PostgresTokenStore (${encrypted ? 'AES-256-GCM at rest' : 'JSON'})`, async () => {
    const pool = postgresPool();
    const tableName = uniqueTableName(encrypted ? 'contract_sealed' : 'contract');
    const store = new PostgresTokenStore(pool, {
      tableName,
      ...(encrypted ? { encryption: { keys: { k1: randomBytes(32) }, currentKeyId: 'k1' } } : {}),
    });
    await store.ensureSchema();
    return {
      store,
      teardown: async () => {
        await dropTokenTables(pool, tableName);
        await pool.end();
      },
    };
  });
}

describe('PostgresTokenStore', () => {
  let pool: pg.Pool;
  let tableName: string;
  let store: PostgresTokenStore;
  const tables: string[] = [];

  /** A store on its own new table, dropped after the suite. */
  async function storeOnNewTable(options: PostgresTokenStoreOptions = {}, on: pg.Pool = pool) {
    const name = options.tableName ?? uniqueTableName('unit');
    tables.push(name);
    const created = new PostgresTokenStore(on, { ...options, tableName: name });
    await created.ensureSchema();
    return created;
  }

  beforeAll(async () => {
    pool = postgresPool();
    tableName = uniqueTableName('unit');
    store = await storeOnNewTable({ tableName });
  });
  afterAll(async () => {
    for (const name of tables) await dropTokenTables(pool, name);
    await pool.end();
  });

  describe('options', () => {
    it.each([
      ['tokens; DROP TABLE users'],
      ['tokens"; DROP TABLE users; --'],
      ['"tokens"'],
      ["tokens' OR '1'='1"],
      ['tokens--'],
      ['a.b.c'],
      ['.tokens'],
      ['public.'],
      ['Tokens'],
      ['1tokens'],
      ['tok-ens'],
      ['tokens\u0000'],
      ['tökens'],
      [''],
      ['t'.repeat(50)],
      [`${'s'.repeat(64)}.tokens`],
    ])('refuses the table name %j at construction, without repeating it and without a query', (name) => {
      const recording = recordingPool();
      const error = (() => {
        try {
          new PostgresTokenStore(recording, { tableName: name });
        } catch (caught) {
          return caught;
        }
        return undefined;
      })() as AuthCodeFlowConfigError;
      expect(error).toBeInstanceOf(AuthCodeFlowConfigError);
      expect(error.problems).toEqual([
        'PostgresTokenStore: tableName must be "table" or "schema.table", each of lower-case a-z, 0-9 and _, not ' +
          'starting with a digit, the table at most 49 characters and the schema at most 63',
      ]);
      if (name.length > 2) expect(error.message).not.toContain(name);
      expect(recording.texts).toEqual([]);
    });

    it('accepts a table name of 49 characters, and a schema-qualified one', () => {
      expect(() => new PostgresTokenStore(recordingPool(), { tableName: 't'.repeat(49) })).not.toThrow();
      expect(() => new PostgresTokenStore(recordingPool(), { tableName: `${'s'.repeat(63)}.t_1` })).not.toThrow();
    });

    it.each([
      [{ tableName: 42 }, 'PostgresTokenStore: tableName must be a string'],
      [{ operationTimeoutMs: 0 }, 'PostgresTokenStore: operationTimeoutMs must be an integer from 1 to 2147483647'],
      [{ operationTimeoutMs: '100' }, 'PostgresTokenStore: operationTimeoutMs must be a number'],
      [{ onUnreadableValue: 'log' }, 'PostgresTokenStore: onUnreadableValue must be a function'],
      [
        { encryption: { keys: { k: randomBytes(16) }, currentKeyId: 'k' } },
        'PostgresTokenStore: encryption.keys["k"] must be exactly 32 bytes (AES-256); got 16',
      ],
      [
        { encryption: { keys: { k: randomBytes(32) }, currentKeyId: 'j' } },
        'PostgresTokenStore: encryption.currentKeyId "j" is not one of encryption.keys',
      ],
      [
        { table: 'x' },
        'PostgresTokenStore: unknown option "table" (known: tableName, encryption, onUnreadableValue, operationTimeoutMs)',
      ],
    ])('rejects options (%#)', (options, problem) => {
      expect(() => new PostgresTokenStore(recordingPool(), options as never)).toThrow(AuthCodeFlowConfigError);
      expect(() => new PostgresTokenStore(recordingPool(), options as never)).toThrow(problem);
    });

    it('lists every problem at once, and refuses what is not a pool', () => {
      const attempt = () => new PostgresTokenStore({} as never, { tableName: 'x;', operationTimeoutMs: -1 });
      expect(attempt).toThrow(AuthCodeFlowConfigError);
      try {
        attempt();
      } catch (error) {
        expect((error as AuthCodeFlowConfigError).problems).toEqual([
          'PostgresTokenStore: pool must be a pg Pool',
          expect.stringMatching(/^PostgresTokenStore: tableName must be/),
          'PostgresTokenStore: operationTimeoutMs must be an integer from 1 to 2147483647',
        ]);
      }
    });
  });

  describe('schema', () => {
    it('ensureSchema sends exactly the SQL of the shipped migration, for the default table name', async () => {
      const migration = await readFile(resolve(root, 'migrations/postgres-token-store.sql'), 'utf8');
      const recording = recordingPool();
      await new PostgresTokenStore(recording).ensureSchema();
      expect(recording.texts).toEqual([migration]);
      expect(migration).toMatch(/^CREATE TABLE IF NOT EXISTS "auth_code_flow_tokens" \($/m);
      const manifest = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8')) as { files: string[] };
      expect(manifest.files).toContain('migrations/*.sql');
    });

    it('the shipped migration, run with psql-like text on a fresh table, creates what the store uses', async () => {
      const migration = await readFile(resolve(root, 'migrations/postgres-token-store.sql'), 'utf8');
      const name = uniqueTableName('migration');
      tables.push(name);
      await pool.query(migration.replaceAll('"auth_code_flow_tokens', `"${name}`));
      const migrated = new PostgresTokenStore(pool, { tableName: name });
      const saved = tokens();
      await migrated.set('fake', 'ada', saved);
      expect(await migrated.get('fake', 'ada')).toEqual(saved);
      await migrated.ensureSchema();
      expect(await migrated.get('fake', 'ada')).toEqual(saved);
    });

    it('ensureSchema is idempotent, keeps rows, and creates the columns and primary keys the issue names', async () => {
      const saved = tokens();
      await store.set('fake', 'keep', saved);
      await store.ensureSchema();
      await store.ensureSchema();
      expect(await store.get('fake', 'keep')).toEqual(saved);
      const columns = await pool.query(
        'SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns ' +
          'WHERE table_name = ANY($1) ORDER BY table_name, ordinal_position',
        [[tableName, `${tableName}_refresh_locks`]],
      );
      expect(columns.rows.map((row) => Object.values(row).slice(1).join(' '))).toEqual([
        'provider text NO',
        'user_id text NO',
        'value text NO',
        'expires_at timestamp with time zone YES',
        'updated_at timestamp with time zone NO',
        'provider text NO',
        'user_id text NO',
        'owner text NO',
        'expires_at timestamp with time zone NO',
      ]);
      const keys = await pool.query(
        "SELECT c.conrelid::regclass::text AS relation, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c WHERE c.contype = 'p' AND c.conrelid = ANY($1::regclass[]) ORDER BY 1",
        [[tableName, `${tableName}_refresh_locks`]],
      );
      expect(keys.rows.map((row) => row.def)).toEqual([
        'PRIMARY KEY (provider, user_id)',
        'PRIMARY KEY (provider, user_id)',
      ]);
    });

    it('several instances running ensureSchema at once on a new table all succeed', async () => {
      const name = uniqueTableName('concurrent_schema');
      tables.push(name);
      const pools = Array.from({ length: 4 }, () => postgresPool({ max: 1 }));
      try {
        const stores = pools.map((each) => new PostgresTokenStore(each, { tableName: name }));
        await Promise.all(stores.map((each) => each.ensureSchema()));
        await stores[0]!.set('fake', 'ada', tokens());
        expect(await stores[3]!.get('fake', 'ada')).toBeDefined();
      } finally {
        await Promise.all(pools.map((each) => each.end()));
      }
    });

    it('a schema-qualified name, even a reserved word as table, is quoted and used in that schema', async () => {
      const schema = uniqueTableName('schema');
      await pool.query(`CREATE SCHEMA "${schema}"`);
      try {
        const qualified = new PostgresTokenStore(pool, { tableName: `${schema}.user` });
        await qualified.ensureSchema();
        const saved = tokens();
        await qualified.set('fake', 'ada', saved);
        expect(await qualified.get('fake', 'ada')).toEqual(saved);
        expect(await qualified.acquireRefreshLock('fake', 'ada', 1000)).toBeDefined();
        const rows = await pool.query(`SELECT user_id FROM "${schema}"."user"`);
        expect(rows.rows).toEqual([{ user_id: 'ada' }]);
        const locks = await pool.query(`SELECT user_id FROM "${schema}"."user_refresh_locks"`);
        expect(locks.rows).toEqual([{ user_id: 'ada' }]);
      } finally {
        await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      }
    });
  });

  describe('rows', () => {
    it('keeps one row per provider and user, the user id as given, the value as versioned JSON, and the expiry', async () => {
      const user = `ada-${randomUUID()}@example.com`;
      const saved = tokens({ expiresAt: Date.UTC(2030, 0, 2, 3, 4, 5, 678) });
      await store.set('git:hub', user, saved);
      const { rows } = await pool.query(
        `SELECT provider, user_id, value, expires_at, updated_at FROM "${tableName}" WHERE user_id = $1`,
        [user],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].provider).toBe('git:hub');
      expect(JSON.parse(rows[0].value)).toEqual({ v: 1, tokens: saved });
      expect((rows[0].expires_at as Date).toISOString()).toBe('2030-01-02T03:04:05.678Z');
      expect(rows[0].updated_at).toBeInstanceOf(Date);
    });

    it('leaves expires_at null for tokens without an expiry, or one PostgreSQL cannot hold, and still returns them', async () => {
      for (const [user, expiresAt] of [
        ['no-expiry', undefined],
        ['far', 9e15],
        ['before-1970', -1],
      ] as const) {
        const saved = tokens({ expiresAt });
        if (expiresAt === undefined) delete saved.expiresAt;
        await store.set('fake', user, saved);
        expect(await store.get('fake', user)).toEqual(saved);
        const { rows } = await pool.query(`SELECT expires_at FROM "${tableName}" WHERE user_id = $1`, [user]);
        expect(rows).toEqual([{ expires_at: null }]);
      }
    });

    it('set is one upsert statement: 20 concurrent sets of one user all succeed and leave one row, the last value', async () => {
      const recording = recordingPool();
      await new PostgresTokenStore(recording).set('fake', 'ada', tokens());
      expect(recording.texts).toHaveLength(1);
      expect(recording.texts[0]).toMatch(
        /^INSERT INTO "auth_code_flow_tokens" .* ON CONFLICT \(provider, user_id\) DO UPDATE /,
      );

      const user = randomUUID();
      const sets = Array.from({ length: 20 }, () => tokens());
      await Promise.all(sets.map((each) => store.set('fake', user, each)));
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${tableName}" WHERE user_id = $1`, [user]);
      expect(rows).toEqual([{ n: 1 }]);
      expect(sets.map((each) => each.accessToken)).toContain((await store.get('fake', user))!.accessToken);
    });

    it('keeps user ids that differ only in case, in Unicode normalisation or in trailing spaces apart', async () => {
      const users = ['Ada', 'ada', 'ada ', 'é', 'e\u0301', '😀'];
      const saved = users.map(() => tokens());
      await Promise.all(users.map((user, i) => store.set('fake', user, saved[i]!)));
      for (const [i, user] of users.entries()) expect(await store.get('fake', user)).toEqual(saved[i]);
    });

    it.each([
      ['a NUL in the user id', 'fake', 'ada\u0000'],
      ['a lone surrogate in the user id', 'fake', 'ada\uD800'],
      ['a user id over 1024 bytes', 'fake', 'é'.repeat(513)],
      ['a NUL in the provider', 'fa\u0000ke', 'ada'],
      ['an empty provider', '', 'ada'],
    ])('refuses %s with InvalidArgumentError, before any query', async (_label, provider, user) => {
      const recording = recordingPool();
      const recorded = new PostgresTokenStore(recording);
      for (const call of [
        () => recorded.get(provider, user),
        () => recorded.set(provider, user, tokens()),
        () => recorded.delete(provider, user),
        () => recorded.acquireRefreshLock(provider, user, 1000),
      ]) {
        await expect(call()).rejects.toThrow(InvalidArgumentError);
      }
      expect(recording.texts).toEqual([]);
    });

    it('refuses a refresh lock ttl that is not an integer from 1 to 2147483647', async () => {
      for (const ttl of [0, -1, 1.5, 2 ** 31, Number.NaN]) {
        await expect(store.acquireRefreshLock('fake', 'ada', ttl)).rejects.toThrow(InvalidArgumentError);
      }
    });
  });

  describe('unreadable values', () => {
    it.each([
      ['not JSON', '{"v":1', 'malformed'],
      ['an unknown version', JSON.stringify({ v: 2, tokens: tokens() }), 'unknown_version'],
      [
        'a token set without accessToken',
        JSON.stringify({ v: 1, tokens: { tokenType: 'Bearer', raw: {} } }),
        'malformed',
      ],
      [
        'a sealed value, without encryption configured',
        JSON.stringify({ v: 1, sealed: { alg: 'A256GCM' } }),
        'unknown_key',
      ],
    ])(
      'reads %s as absent, tells onUnreadableValue why, and leaves the row in place',
      async (_label, value, reason) => {
        const events: UnreadableTokenValueEvent[] = [];
        const observed = new PostgresTokenStore(pool, { tableName, onUnreadableValue: (event) => events.push(event) });
        const user = randomUUID();
        await pool.query(`INSERT INTO "${tableName}" (provider, user_id, value) VALUES ('fake', $1, $2)`, [
          user,
          value,
        ]);
        expect(await observed.get('fake', user)).toBeUndefined();
        expect(events).toEqual([{ provider: 'fake', user, reason }]);
        const { rows } = await pool.query(`SELECT value FROM "${tableName}" WHERE user_id = $1`, [user]);
        expect(rows).toEqual([{ value }]);
      },
    );
  });

  describe('encryption at rest', () => {
    const k1 = randomBytes(32);

    it('holds nothing of the tokens in clear in the table (raw SELECT), and reads them back', async () => {
      const sealed = await storeOnNewTable({ encryption: { keys: { k1 }, currentKeyId: 'k1' } });
      const user = randomUUID();
      const saved = tokens();
      await sealed.set('fake', user, saved);
      const name = tables.at(-1)!;
      const { rows } = await pool.query(`SELECT * FROM "${name}" WHERE user_id = $1`, [user]);
      const everything = JSON.stringify(rows);
      for (const secret of secretsOf(saved)) expect(everything).not.toContain(secret);
      expect(rows[0].value).not.toMatch(/Bearer|access|refresh|scope/);
      expect(JSON.parse(rows[0].value)).toEqual({
        v: 1,
        sealed: {
          alg: 'A256GCM',
          kid: 'k1',
          iv: expect.any(String),
          data: expect.any(String),
          tag: expect.any(String),
        },
      });
      expect(await sealed.get('fake', user)).toEqual(saved);
    });

    it('reads a wrong key, a row moved to another user, a changed value or a value in clear as absent', async () => {
      const events: UnreadableTokenValueEvent[] = [];
      const options = {
        encryption: { keys: { k1 }, currentKeyId: 'k1' },
        onUnreadableValue: (e: UnreadableTokenValueEvent) => events.push(e),
      };
      const sealed = await storeOnNewTable(options);
      const name = tables.at(-1)!;
      const wrongKey = new PostgresTokenStore(pool, {
        ...options,
        tableName: name,
        encryption: { keys: { k1: randomBytes(32) }, currentKeyId: 'k1' },
      });
      const plain = new PostgresTokenStore(pool, { tableName: name });
      const [victim, attacker, tampered, clear] = ['victim', 'attacker', 'tampered', 'clear'];
      await sealed.set('fake', victim, tokens());
      expect(await wrongKey.get('fake', victim)).toBeUndefined();

      await pool.query(
        `INSERT INTO "${name}" (provider, user_id, value) SELECT provider, $2, value FROM "${name}" WHERE user_id = $1`,
        [victim, attacker],
      );
      expect(await sealed.get('fake', attacker)).toBeUndefined();

      const { rows } = await pool.query(`SELECT value FROM "${name}" WHERE user_id = $1`, [victim]);
      const changed = JSON.parse(rows[0].value) as { sealed: { data: string } };
      const data = Buffer.from(changed.sealed.data, 'base64url');
      data[0] = data[0]! ^ 0x01;
      changed.sealed.data = data.toString('base64url');
      await pool.query(`INSERT INTO "${name}" (provider, user_id, value) VALUES ('fake', $1, $2)`, [
        tampered,
        JSON.stringify(changed),
      ]);
      expect(await sealed.get('fake', tampered)).toBeUndefined();

      await plain.set('fake', clear, tokens());
      expect(await sealed.get('fake', clear)).toBeUndefined();

      expect(events.map((event) => [event.user, event.reason])).toEqual([
        [victim, 'tampered'],
        [attacker, 'tampered'],
        [tampered, 'tampered'],
        [clear, 'not_encrypted'],
      ]);
      expect(await sealed.get('fake', victim)).toBeDefined();
    });
  });

  describe('the refresh lock', () => {
    it('two instances on two pools: of 10 concurrent attempts exactly one gets it; release lets the other take it', async () => {
      const pools = [postgresPool(), postgresPool()];
      try {
        const [a, b] = pools.map((each) => new PostgresTokenStore(each, { tableName })) as [
          PostgresTokenStore,
          PostgresTokenStore,
        ];
        const user = randomUUID();
        const attempts = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).acquireRefreshLock('fake', user, 10_000)),
        );
        const held = attempts.filter((lock) => lock !== undefined);
        expect(held).toHaveLength(1);
        expect(await a.acquireRefreshLock('fake', user, 10_000)).toBeUndefined();
        expect(await b.acquireRefreshLock('fake', user, 10_000)).toBeUndefined();
        await held[0]!.release();
        const next = await b.acquireRefreshLock('fake', user, 10_000);
        expect(next).toBeDefined();
        expect(await a.acquireRefreshLock('fake', user, 10_000)).toBeUndefined();
        await next!.release();
        const { rows } = await pool.query(
          `SELECT count(*)::int AS n FROM "${tableName}_refresh_locks" WHERE user_id = $1`,
          [user],
        );
        expect(rows).toEqual([{ n: 0 }]);
      } finally {
        await Promise.all(pools.map((each) => each.end()));
      }
    });

    it('a lock that expired is taken by another instance, and its old holder cannot release it', async () => {
      const other = postgresPool();
      try {
        const b = new PostgresTokenStore(other, { tableName });
        const user = randomUUID();
        // Long enough that the second attempt lands within it on a loaded machine, short enough to wait out.
        const first = await store.acquireRefreshLock('fake', user, 1_500);
        expect(first).toBeDefined();
        expect(await b.acquireRefreshLock('fake', user, 10_000)).toBeUndefined();
        await new Promise((done) => setTimeout(done, 1_700));
        const second = await b.acquireRefreshLock('fake', user, 10_000);
        expect(second).toBeDefined();
        await first!.release();
        expect(await store.acquireRefreshLock('fake', user, 10_000)).toBeUndefined();
        await second!.release();
      } finally {
        await other.end();
      }
    });

    it('holds no pool client while held: with a pool of one connection, the holder can still read and write', async () => {
      const single = postgresPool({ max: 1 });
      try {
        const one = new PostgresTokenStore(single, { tableName, operationTimeoutMs: 1_000 });
        const users = Array.from({ length: 5 }, () => randomUUID());
        const locks = await Promise.all(users.map((user) => one.acquireRefreshLock('fake', user, 10_000)));
        expect(locks.every((lock) => lock !== undefined)).toBe(true);
        expect(single.totalCount).toBe(1);
        expect(single.idleCount).toBe(1);
        expect(single.waitingCount).toBe(0);
        await one.set('fake', users[0]!, tokens());
        expect(await one.get('fake', users[0]!)).toBeDefined();
        await Promise.all(locks.map((lock) => lock!.release()));
        await eventually(() => single.idleCount === single.totalCount);
        expect(single.totalCount).toBe(1);
      } finally {
        await single.end();
      }
    });

    it('after 100 acquire and release cycles from two pools, every client is back in its pool', async () => {
      const pools = [postgresPool({ max: 3 }), postgresPool({ max: 3 })];
      try {
        const stores = pools.map((each) => new PostgresTokenStore(each, { tableName }));
        const user = randomUUID();
        let taken = 0;
        await Promise.all(
          Array.from({ length: 100 }, async (_, i) => {
            const lock = await stores[i % 2]!.acquireRefreshLock('fake', user, 10_000);
            if (!lock) return;
            taken += 1;
            await lock.release();
          }),
        );
        expect(taken).toBeGreaterThanOrEqual(1);
        for (const each of pools) {
          expect(each.totalCount).toBeLessThanOrEqual(3);
          expect(each.idleCount).toBe(each.totalCount);
          expect(each.waitingCount).toBe(0);
        }
      } finally {
        await Promise.all(pools.map((each) => each.end()));
      }
    });
  });

  describe('two pools on one database', () => {
    it('share tokens: what one instance sets or deletes, the other sees', async () => {
      const other = postgresPool();
      try {
        const b = new PostgresTokenStore(other, { tableName });
        const saved = tokens();
        await store.set('fake', 'shared', saved);
        expect(await b.get('fake', 'shared')).toEqual(saved);
        await b.delete('fake', 'shared');
        expect(await store.get('fake', 'shared')).toBeUndefined();
      } finally {
        await other.end();
      }
    });

    it('an app restart (the pool ended, a new pool and store) keeps every token set, sealed ones included', async () => {
      const encryption = { keys: { k1: randomBytes(32) }, currentKeyId: 'k1' };
      const name = uniqueTableName('restart');
      tables.push(name);
      const before = postgresPool();
      const saved = [tokens(), tokens()];
      const first = new PostgresTokenStore(before, { tableName: name, encryption });
      await first.ensureSchema();
      await first.set('fake', 'ada', saved[0]!);
      await first.set('other', 'bob', saved[1]!);
      await before.end();
      const after = postgresPool();
      try {
        const restarted = new PostgresTokenStore(after, { tableName: name, encryption });
        await restarted.ensureSchema();
        expect(await restarted.get('fake', 'ada')).toEqual(saved[0]);
        expect(await restarted.get('other', 'bob')).toEqual(saved[1]);
      } finally {
        await after.end();
      }
    });
  });

  it('imports nothing from pg at run time: a type of its own stands for the Pool, which pg.Pool satisfies', async () => {
    for (const file of ['postgres-token.store.ts', 'postgres-store.util.ts', 'postgres-token.schema.ts']) {
      const source = await readFile(resolve(root, 'lib/stores', file), 'utf8');
      expect(source).not.toMatch(/from\s+['"]pg['"]|import\(\s*['"]pg['"]|require\(\s*['"]pg['"]/);
    }
    const typed: PostgresPool = pool;
    expect(typed).toBe(pool);
  });
});
