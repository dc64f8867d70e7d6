// Two app instances behind one Redis, through the built-in routes: a flow started on A completes on B, a
// callback raced at both gives one success, and a Redis outage answers 503 (no redirect) until Redis is back.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisStateStore, RedisTokenStore, type AuthCodeFlowModuleOptions } from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { cookiesFrom, startHttpApp, type Platform, type RunningApp } from '../support/http-app.js';
import { fakeClientOptions } from '../support/testing-module.js';
import { deleteKeys, ready, redisClient, RedisProxy, uniquePrefix } from '../support/redis.js';

describe('two instances sharing Redis, through the routes', () => {
  let provider: FakeProvider;
  let redis: Redis;
  const prefix = uniquePrefix('routes-two-instances');
  const apps: RunningApp[] = [];
  const clients: Redis[] = [];

  beforeAll(async () => {
    provider = await FakeProvider.start();
    redis = redisClient();
    await ready(redis);
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(clients.splice(0).map((client) => client.quit().catch(() => client.disconnect())));
    provider.reset();
  });
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
    await provider.close();
  });

  async function instance(
    platform: Platform,
    client: Redis,
    extra: Partial<AuthCodeFlowModuleOptions> = {},
  ): Promise<RunningApp> {
    const app = await startHttpApp(platform, {
      providers: { fake: fakeClientOptions(provider, 'fake') },
      stateStore: new RedisStateStore(client, { keyPrefix: prefix, operationTimeoutMs: 300 }),
      tokenStore: new RedisTokenStore(client, { keyPrefix: prefix, operationTimeoutMs: 300 }),
      ...extra,
    });
    apps.push(app);
    return app;
  }

  function connection(): Redis {
    const client = redisClient();
    clients.push(client);
    return client;
  }

  const get = (app: RunningApp, path: string, headers: Record<string, string>) =>
    fetch(`${app.url}${path}`, { redirect: 'manual', headers });

  async function authorizeOn(app: RunningApp, user: string) {
    const response = await get(app, '/oauth/fake/authorize?returnTo=%2Fback', { 'x-user': user });
    expect(response.status).toBe(302);
    const query = await provider.authorize(response.headers.get('location')!);
    return { path: `/oauth/fake/callback?${query}`, cookie: cookiesFrom(response) };
  }

  it('completes on B a flow started on A (Express and Fastify instances)', async () => {
    const a = await instance('express', connection());
    const b = await instance('fastify', connection());
    const { path, cookie } = await authorizeOn(a, 'ada');
    const done = await get(b, path, { 'x-user': 'ada', cookie });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/back');
    const tokens = await new RedisTokenStore(redis, { keyPrefix: prefix }).get('fake', 'ada');
    expect(tokens?.accessToken).toMatch(/^access-/);
  });

  it('gives exactly one success when the same callback hits A and B at once', async () => {
    const a = await instance('express', connection());
    const b = await instance('express', connection());
    const rounds = 10;
    const statuses: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const { path, cookie } = await authorizeOn(round % 2 ? a : b, `user-${round}`);
      const results = await Promise.all([a, b].map((app) => get(app, path, { 'x-user': `user-${round}`, cookie })));
      statuses.push(...results.map((result) => result.status));
    }
    expect(statuses.filter((status) => status === 302)).toHaveLength(rounds);
    expect(statuses.filter((status) => status === 400)).toHaveLength(rounds);
    expect(provider.requestsTo('/oauth/token')).toHaveLength(rounds);
  });

  it('answers 503 without redirecting while Redis is down or too slow, and recovers', async () => {
    const proxy = await RedisProxy.start();
    try {
      const client = new Redis(proxy.clientOptions({ enableOfflineQueue: false, maxRetriesPerRequest: 0 }));
      clients.push(client);
      await ready(client);
      const app = await instance('fastify', client);
      const started = await authorizeOn(app, 'ada');

      const closed = new Promise((resolve) => client.once('close', resolve));
      await proxy.down();
      await closed;
      const authorize = await get(app, '/oauth/fake/authorize', { 'x-user': 'ada' });
      expect(authorize.status).toBe(503);
      expect(authorize.headers.get('location')).toBeNull();
      expect(await authorize.json()).toMatchObject({
        statusCode: 503,
        error: 'store_unavailable',
        message: 'The service is temporarily unavailable; try again in a moment.',
      });
      const callback = await get(app, started.path, { 'x-user': 'ada', cookie: started.cookie });
      expect(callback.status).toBe(503);
      expect(provider.requestsTo('/oauth/token')).toHaveLength(0);

      await proxy.up();
      await waitForAuthorize(app);
      // Nothing was consumed while Redis was away: the pending flow still completes.
      expect((await get(app, started.path, { 'x-user': 'ada', cookie: started.cookie })).status).toBe(302);

      proxy.delayMs = 1_000;
      const slow = await get(app, '/oauth/fake/authorize', { 'x-user': 'ada' });
      expect(slow.status).toBe(503);
      expect(slow.headers.get('location')).toBeNull();
      proxy.delayMs = 0;
      await proxy.drained();
    } finally {
      await proxy.close();
    }
  });

  /** After Redis returns, the client reconnects on its own; authorize works again within a few seconds. */
  async function waitForAuthorize(app: RunningApp): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const response = await get(app, '/oauth/fake/authorize', { 'x-user': 'ada' });
      if (response.status === 302) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('authorize did not recover after Redis came back');
  }
});
