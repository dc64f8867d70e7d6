import { REFRESH_LOCK_MARGIN_MS } from '../../lib/flow-manager/token-refresh.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { getFlowManagerToken, PostgresTokenStore, type FlowManager, type TokenSet } from '../../lib/index.js';
import { FakeProvider, json, type RecordedRequest } from '../support/fake-provider.js';
import { dropTokenTables, postgresPool, uniqueTableName } from '../support/postgres.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';

const REFRESH_DELAY_MS = 150;

/** Expired tokens (within the 30 s skew) that a refresh token can renew. */
function expired(refreshToken = 'refresh-0'): TokenSet {
  return {
    accessToken: 'expired-access',
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: Date.now() - 1000,
    refreshToken,
    raw: {},
  };
}

/** One instance of the app: its FlowManager, its token store and the pool under it. */
interface Instance {
  manager: FlowManager;
  store: PostgresTokenStore;
  pool: pg.Pool;
}

/**
 * Two instances of an app (two Nest testing modules, each with its own pg Pool) on one PostgreSQL table,
 * in front of one provider whose refresh takes a while: expired tokens are refreshed once, and survive a restart.
 */
describe('two instances sharing PostgreSQL', () => {
  const encryption = { keys: { k1: randomBytes(32) }, currentKeyId: 'k1' };
  let provider: FakeProvider;
  let tableName: string;
  let admin: pg.Pool;
  let pools: pg.Pool[] = [];
  let modules: TestingModule[] = [];
  let refreshRequests: RecordedRequest[];

  beforeAll(async () => {
    provider = await FakeProvider.start();
    admin = postgresPool();
    tableName = uniqueTableName('refresh');
    await new PostgresTokenStore(admin, { tableName }).ensureSchema();
    provider.on('POST', '/oauth/token', async (request, res) => {
      if (request.params.grant_type !== 'refresh_token') return json(res, 400, { error: 'unsupported_grant_type' });
      refreshRequests.push(request);
      const n = refreshRequests.length;
      await sleep(REFRESH_DELAY_MS);
      json(res, 200, {
        access_token: `refreshed-${n}`,
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: `rotated-${n}`,
      });
    });
  });
  beforeEach(() => {
    refreshRequests = [];
  });
  afterEach(async () => {
    await Promise.all(modules.map((moduleRef) => moduleRef.close()));
    await Promise.all(pools.map((pool) => pool.end()));
    modules = [];
    pools = [];
  });
  afterAll(async () => {
    await dropTokenTables(admin, tableName);
    await admin.end();
    await provider.close();
  });

  /** `count` instances, each with a pool and a store of its own on the shared table. */
  async function instances(count: number, fast = false): Promise<Instance[]> {
    const options = fakeClientOptions(provider);
    const created = Array.from({ length: count }, () => {
      const pool = postgresPool();
      pools.push(pool);
      const timing = fast ? { operationTimeoutMs: FAST.storeMs } : {};
      return { pool, store: new PostgresTokenStore(pool, { tableName, encryption, ...timing }) };
    });
    const refs = await Promise.all(
      created.map(({ store }) =>
        compileWith({
          providers: { fake: options },
          tokenStore: store,
          ...(fast ? { httpTimeoutMs: FAST.httpMs } : {}),
        }),
      ),
    );
    modules.push(...refs);
    return created.map((each, i) => ({ ...each, manager: refs[i]!.get<FlowManager>(getFlowManagerToken('fake')) }));
  }

  async function lockRows(): Promise<number> {
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM "${tableName}_refresh_locks" WHERE expires_at > now()`,
    );
    return rows[0].n as number;
  }

  it('25 + 25 concurrent getTokens on two instances send 1 refresh request; all get the new tokens; the lock is released', async () => {
    const [a, b] = (await instances(2)) as [Instance, Instance];
    await a.store.set('fake', 'carol', expired());
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).manager.getTokens('carol')));
    expect(refreshRequests).toHaveLength(1);
    expect(refreshRequests[0]!.params.refresh_token).toBe('refresh-0');
    expect(results.every((tokens) => tokens?.accessToken === 'refreshed-1')).toBe(true);
    expect(await b.store.get('fake', 'carol')).toMatchObject({ accessToken: 'refreshed-1', refreshToken: 'rotated-1' });
    expect(await lockRows()).toBe(0);
    for (const { pool } of [a, b]) expect(pool.idleCount).toBe(pool.totalCount);

    // The next expiry is refreshed once more, with the rotated token.
    await b.store.set('fake', 'carol', expired('rotated-1'));
    await Promise.all([a.manager.getTokens('carol'), b.manager.getTokens('carol')]);
    expect(refreshRequests.map((request) => request.params.refresh_token)).toEqual(['refresh-0', 'rotated-1']);
  });

  const FAST = { httpMs: 200, storeMs: 300, lockTtlMs: 2 * 200 + 3 * 300 + REFRESH_LOCK_MARGIN_MS };
  /** Short, so the test is quick; the waiters' own timeouts are the defaults, so a loaded machine cannot fail them. */
  const DEAD_LOCK_TTL_MS = 1500;

  it('a lock holder that died: once its lock row expires one instance takes over; 1 refresh request', async () => {
    const [a, b] = (await instances(2)) as [Instance, Instance];
    await a.store.set('fake', 'erin', expired());
    // The dead holder took the lock and never refreshed nor released it; the waiters take over once it expires.
    const dead = await a.store.acquireRefreshLock('fake', 'erin', DEAD_LOCK_TTL_MS);
    expect(dead).toBeDefined();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).manager.getTokens('erin')));
    expect(refreshRequests).toHaveLength(1);
    expect(results.every((tokens) => tokens?.accessToken === 'refreshed-1')).toBe(true);
  });

  it('an app restart (every module and pool closed, new ones started) keeps the tokens: no new authorization, no refresh', async () => {
    const [before] = await instances(1);
    await before!.store.set('fake', 'dana', expired());
    expect(await before!.manager.getTokens('dana')).toMatchObject({ accessToken: 'refreshed-1' });
    await Promise.all(modules.splice(0).map((moduleRef) => moduleRef.close()));
    await Promise.all(pools.splice(0).map((pool) => pool.end()));

    const [after] = await instances(1);
    expect(await after!.manager.getTokens('dana')).toMatchObject({
      accessToken: 'refreshed-1',
      refreshToken: 'rotated-1',
    });
    expect(refreshRequests).toHaveLength(1);
  });
});
