import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import {
  getFlowManagerToken,
  InvalidStateError,
  RedisStateStore,
  RedisTokenStore,
  StoreUnavailableError,
  type FlowManager,
  type PendingAuthorization,
} from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';
import { deleteKeys, ready, redisClient, RedisProxy, uniquePrefix } from '../support/redis.js';

const TIMEOUT_MS = 250;
const newState = () => randomBytes(32).toString('base64url');
const record = (): PendingAuthorization => ({
  provider: 'fake',
  user: 'ada',
  codeVerifier: randomBytes(32).toString('base64url'),
  createdAt: Date.now(),
});

/** Redis down (closed port) or slow (a delaying proxy), at store level and at FlowManager level. */
describe('Redis down or slow', () => {
  let proxy: RedisProxy;
  let admin: Redis;
  let prefix: string;
  const clients: Redis[] = [];

  /** A client that reaches Redis through the proxy, retrying its connection every 50 ms. */
  function proxiedClient(overrides: RedisOptions = {}): Redis {
    const client = new Redis(proxy.clientOptions({ retryStrategy: () => 50, ...overrides }));
    client.on('error', () => undefined); // connection errors are expected here; without a listener ioredis prints them
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    admin = redisClient();
    prefix = uniquePrefix('faults');
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await proxy?.close();
  });
  afterAll(async () => {
    await deleteKeys(admin, prefix);
    await admin.quit();
  });

  async function expectUnavailable(call: Promise<unknown>, message: RegExp): Promise<StoreUnavailableError> {
    const error = await call.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(message);
    return error as StoreUnavailableError;
  }

  describe('store level', () => {
    it('a closed port: every call fails with StoreUnavailableError at its deadline, and the store works once Redis is back', async () => {
      proxy = await RedisProxy.start();
      await proxy.down();
      const client = proxiedClient();
      const states = new RedisStateStore(client, { keyPrefix: prefix, operationTimeoutMs: TIMEOUT_MS });
      const tokens = new RedisTokenStore(client, { keyPrefix: prefix, operationTimeoutMs: TIMEOUT_MS });
      const state = newState();
      // Queued by ioredis while it reconnects: each call ends at its deadline, or earlier when ioredis gives up retrying.
      const unavailable = new RegExp(`got no answer from Redis within ${TIMEOUT_MS} ms|Redis could not be reached`);
      await Promise.all([
        expectUnavailable(states.save(state, record(), 60), unavailable),
        expectUnavailable(states.peek(state), unavailable),
        expectUnavailable(states.consume(state), unavailable),
        expectUnavailable(tokens.get('fake', 'ada'), unavailable),
        expectUnavailable(tokens.set('fake', 'ada', { accessToken: 'a', tokenType: 'Bearer', raw: {} }), unavailable),
        expectUnavailable(tokens.acquireRefreshLock('fake', 'ada', 1000), unavailable),
      ]);

      await proxy.up();
      await ready(client);
      const again = newState();
      const saved = record();
      await states.save(again, saved, 60);
      expect(await states.consume(again)).toEqual(saved);
    });

    it('a client without offline queue fails at once while Redis is down, and works once it is back', async () => {
      proxy = await RedisProxy.start();
      const client = proxiedClient({ enableOfflineQueue: false });
      await ready(client);
      await proxy.down();
      await new Promise<void>((resolve) => client.once('close', () => resolve()));
      const store = new RedisStateStore(client, { keyPrefix: prefix, operationTimeoutMs: 5_000 });
      await expectUnavailable(
        store.peek(newState()),
        /"peek" failed: Redis is not connected \(the client's offline queue is disabled\)/,
      );
      await proxy.up();
      await ready(client);
      const state = newState();
      await store.save(state, record(), 60);
      expect(await store.peek(state)).toBeDefined();
    });

    it('a slow Redis: calls fail at their deadline; a late write lands whole with its TTL, never half-written', async () => {
      proxy = await RedisProxy.start();
      const client = proxiedClient();
      await ready(client);
      const store = new RedisStateStore(client, { keyPrefix: prefix, operationTimeoutMs: TIMEOUT_MS });
      const [late, consumed] = [newState(), newState()];
      const [lateRecord, consumedRecord] = [record(), record()];
      await store.save(consumed, consumedRecord, 60);

      proxy.delayMs = TIMEOUT_MS * 3;
      await expectUnavailable(store.save(late, lateRecord, 60), /"save" got no answer/);
      await expectUnavailable(store.consume(consumed), /"consume" got no answer/);
      proxy.delayMs = 0;
      await proxy.drained();

      // ioredis cannot take back a command it sent: the SET and the GETDEL reached Redis late, each whole.
      expect(await store.peek(late)).toEqual(lateRecord);
      expect(await admin.pttl(store.keyFor(late))).toBeGreaterThan(0);
      expect(await store.peek(consumed)).toBeUndefined();
      const state = newState();
      await store.save(state, record(), 60);
      expect(await store.consume(state)).toBeDefined();
    });
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

    async function managerOn(client: Redis): Promise<FlowManager> {
      moduleRef = await compileWith({
        providers: { fake: fakeClientOptions(provider) },
        stateStore: new RedisStateStore(client, { keyPrefix: prefix, operationTimeoutMs: TIMEOUT_MS }),
      });
      return moduleRef.get<FlowManager>(getFlowManagerToken('fake'));
    }

    const tokenRequests = () => provider.requestsTo('/oauth/token').length;

    it('Redis down: createAuthorizationUrl and handleCallback reject with StoreUnavailableError and no token request; a flow works once Redis is back', async () => {
      proxy = await RedisProxy.start();
      const client = proxiedClient();
      await ready(client);
      const manager = await managerOn(client);
      const pending = await manager.createAuthorizationUrl('ada');
      const callback = await provider.authorize(pending.url);
      const before = tokenRequests();

      await proxy.down();
      await expectUnavailable(manager.createAuthorizationUrl('ada'), /RedisStateStore: "save"/);
      await expectUnavailable(manager.handleCallback('ada', callback), /RedisStateStore: "consume"/);
      expect(tokenRequests()).toBe(before);

      await proxy.up();
      await ready(client);
      const { url } = await manager.createAuthorizationUrl('ada');
      const { tokens } = await manager.handleCallback('ada', await provider.authorize(url));
      expect(tokens.accessToken).toMatch(/^access-/);
      expect(tokenRequests()).toBe(before + 1);
    });

    it('Redis down, client without offline queue: the callback that failed succeeds when retried after Redis is back, with one token request', async () => {
      proxy = await RedisProxy.start();
      const client = proxiedClient({ enableOfflineQueue: false });
      await ready(client);
      const manager = await managerOn(client);
      const pending = await manager.createAuthorizationUrl('ada', { returnTo: '/back' });
      const callback = await provider.authorize(pending.url);
      const before = tokenRequests();

      await proxy.down();
      await new Promise<void>((resolve) => client.once('close', () => resolve()));
      await expectUnavailable(manager.createAuthorizationUrl('ada'), /offline queue is disabled/);
      await expectUnavailable(manager.handleCallback('ada', callback), /offline queue is disabled/);
      expect(tokenRequests()).toBe(before);

      await proxy.up();
      await ready(client);
      const result = await manager.handleCallback('ada', callback);
      expect(result.returnTo).toBe('/back');
      expect(tokenRequests()).toBe(before + 1);
    });

    it('Redis slow: both calls reject at the deadline with no token request; the late GETDEL used the state up, so a retry is an invalid state', async () => {
      proxy = await RedisProxy.start();
      const client = proxiedClient();
      await ready(client);
      const manager = await managerOn(client);
      const pending = await manager.createAuthorizationUrl('ada');
      const callback = await provider.authorize(pending.url);
      const before = tokenRequests();

      proxy.delayMs = TIMEOUT_MS * 3;
      await expectUnavailable(manager.createAuthorizationUrl('ada'), /"save" got no answer/);
      await expectUnavailable(manager.handleCallback('ada', callback), /"consume" got no answer/);
      proxy.delayMs = 0;
      await proxy.drained();
      await expect(manager.handleCallback('ada', callback)).rejects.toBeInstanceOf(InvalidStateError);
      expect(tokenRequests()).toBe(before);

      const { url } = await manager.createAuthorizationUrl('ada');
      await manager.handleCallback('ada', await provider.authorize(url));
      expect(tokenRequests()).toBe(before + 1);
    });
  });
});
