import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import {
  getFlowManagerToken,
  InMemoryTokenStore,
  RedisTokenStore,
  StoreUnavailableError,
  type FlowManager,
  type TokenSet,
  type TokenStore,
} from '../../lib/index.js';
import { FakeProvider, json, type RecordedRequest } from '../support/fake-provider.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';
import { deleteKeys, redisClient, uniquePrefix } from '../support/redis.js';

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

/**
 * Race-free refresh: concurrent getTokens() for a user whose tokens expired send exactly one refresh
 * request, in one process (FlowManager's single-flight) and across two instances (RedisTokenStore's lock).
 */
describe('refreshing expired tokens under concurrency', () => {
  let provider: FakeProvider;
  let prefix: string;
  let clients: Redis[];
  let modules: TestingModule[] = [];
  let refreshRequests: RecordedRequest[];
  /** Whether the provider rotates the refresh token. */
  let rotate: boolean;

  beforeAll(async () => {
    provider = await FakeProvider.start();
    prefix = uniquePrefix('refresh');
    clients = [redisClient(), redisClient()];
    // A provider whose refresh takes a while, so that every concurrent caller arrives while it runs.
    provider.on('POST', '/oauth/token', async (request, res) => {
      if (request.params.grant_type !== 'refresh_token') return json(res, 400, { error: 'unsupported_grant_type' });
      refreshRequests.push(request);
      const n = refreshRequests.length;
      await sleep(REFRESH_DELAY_MS);
      json(res, 200, {
        access_token: `refreshed-${n}`,
        token_type: 'Bearer',
        expires_in: 3600,
        ...(rotate ? { refresh_token: `rotated-${n}` } : {}),
      });
    });
  });
  afterEach(async () => {
    await Promise.all(modules.map((moduleRef) => moduleRef.close()));
    modules = [];
  });
  afterAll(async () => {
    await deleteKeys(clients[0]!, prefix);
    await Promise.all(clients.map((client) => client.quit()));
    await provider.close();
  });

  beforeEach(() => {
    refreshRequests = [];
    rotate = true;
  });

  /** One instance of the app per token store given, all configured alike. */
  async function instances(stores: TokenStore[], httpTimeoutMs?: number): Promise<FlowManager[]> {
    const options = fakeClientOptions(provider);
    const created = await Promise.all(
      stores.map((tokenStore) =>
        compileWith({ providers: { fake: options }, tokenStore, ...(httpTimeoutMs ? { httpTimeoutMs } : {}) }),
      ),
    );
    modules.push(...created);
    return created.map((moduleRef) => moduleRef.get<FlowManager>(getFlowManagerToken('fake')));
  }

  const redisStores = () => clients.map((client) => new RedisTokenStore(client, { keyPrefix: prefix }));

  it('one process, in-memory store: 50 concurrent getTokens send 1 refresh request and all get the new tokens', async () => {
    const store = new InMemoryTokenStore();
    const [manager] = (await instances([store])) as [FlowManager];
    await store.set('fake', 'ada', expired());
    const results = await Promise.all(Array.from({ length: 50 }, () => manager.getTokens('ada')));
    expect(refreshRequests).toHaveLength(1);
    expect(refreshRequests[0]!.params.refresh_token).toBe('refresh-0');
    expect(new Set(results.map((tokens) => tokens?.accessToken))).toEqual(new Set(['refreshed-1']));
    expect(await store.get('fake', 'ada')).toMatchObject({ accessToken: 'refreshed-1', refreshToken: 'rotated-1' });
  });

  it('one process, Redis store: 50 concurrent getTokens send 1 refresh request', async () => {
    const [store] = redisStores() as [RedisTokenStore];
    const [manager] = (await instances([store])) as [FlowManager];
    await store.set('fake', 'bob', expired());
    const results = await Promise.all(Array.from({ length: 50 }, () => manager.getTokens('bob')));
    expect(refreshRequests).toHaveLength(1);
    expect(new Set(results.map((tokens) => tokens?.accessToken))).toEqual(new Set(['refreshed-1']));
  });

  it('two instances sharing Redis: 25 + 25 concurrent getTokens send 1 refresh request; all get the new tokens; the rotated refresh token replaces the old one', async () => {
    const stores = redisStores();
    const [a, b] = (await instances(stores)) as [FlowManager, FlowManager];
    await stores[0]!.set('fake', 'carol', expired());
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).getTokens('carol')));
    expect(refreshRequests).toHaveLength(1);
    expect(refreshRequests[0]!.params.refresh_token).toBe('refresh-0');
    expect(results.every((tokens) => tokens?.accessToken === 'refreshed-1')).toBe(true);
    expect(await stores[1]!.get('fake', 'carol')).toMatchObject({
      accessToken: 'refreshed-1',
      refreshToken: 'rotated-1',
    });
    expect(await clients[0]!.exists(stores[0]!.lockKeyFor('fake', 'carol'))).toBe(0);

    // The next expiry is refreshed with the rotated token.
    await stores[0]!.set('fake', 'carol', expired('rotated-1'));
    await Promise.all([a.getTokens('carol'), b.getTokens('carol')]);
    expect(refreshRequests.map((request) => request.params.refresh_token)).toEqual(['refresh-0', 'rotated-1']);
  });

  it('a refresh response without a refresh token keeps the old one', async () => {
    rotate = false;
    const stores = redisStores();
    const [a, b] = (await instances(stores)) as [FlowManager, FlowManager];
    await stores[0]!.set('fake', 'dave', expired('refresh-keep'));
    const [fromA, fromB] = await Promise.all([a.getTokens('dave'), b.getTokens('dave')]);
    expect(refreshRequests).toHaveLength(1);
    expect(fromA).toMatchObject({ accessToken: 'refreshed-1', refreshToken: 'refresh-keep' });
    expect(fromB).toMatchObject({ accessToken: 'refreshed-1', refreshToken: 'refresh-keep' });
    expect(await stores[1]!.get('fake', 'dave')).toMatchObject({ refreshToken: 'refresh-keep' });
  });

  it('a lock holder that died: once its lock expires one waiter takes over; 1 refresh request, everyone gets the new tokens', async () => {
    const stores = clients.map((client) => new RedisTokenStore(client, { keyPrefix: prefix }));
    const [a, b] = (await instances(stores)) as [FlowManager, FlowManager];
    await stores[0]!.set('fake', 'erin', expired());
    // A third instance took the lock and died without refreshing or releasing; the waiters take over once it
    // expires (short, so the test is quick; their own timeouts are the defaults, so a loaded machine cannot fail them).
    const dead = await stores[0]!.acquireRefreshLock('fake', 'erin', 1500);
    expect(dead).toBeDefined();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).getTokens('erin')));
    expect(refreshRequests).toHaveLength(1);
    expect(results.every((tokens) => tokens?.accessToken === 'refreshed-1')).toBe(true);
  });

  it('tokens deleted while an instance waited for the lock read as absent, with no refresh request', async () => {
    const stores = redisStores();
    const [a] = (await instances([stores[0]!])) as [FlowManager];
    await stores[0]!.set('fake', 'frank', expired());
    const held = await stores[1]!.acquireRefreshLock('fake', 'frank', 10_000);
    const waiting = a.getTokens('frank');
    await sleep(100);
    await stores[1]!.delete('fake', 'frank');
    expect(await waiting).toBeUndefined();
    expect(refreshRequests).toHaveLength(0);
    await held!.release();
  });

  it('a lock that stays taken while nothing changes: the wait is bounded and ends in StoreUnavailableError', async () => {
    const stores = redisStores();
    // httpTimeoutMs 100: the lock lives 2.1 s, so a waiter gives up after 4.2 s.
    const [a] = (await instances([stores[0]!], 100)) as [FlowManager];
    await stores[0]!.set('fake', 'gina', expired());
    const stuck = await stores[1]!.acquireRefreshLock('fake', 'gina', 60_000);
    await expect(a.getTokens('gina')).rejects.toThrow(
      new StoreUnavailableError(
        'Another instance holds the token refresh lock and no new tokens appeared in time; try again.',
      ),
    );
    expect(refreshRequests).toHaveLength(0);
    await stuck!.release();
  });
});
