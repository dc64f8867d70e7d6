import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import {
  getFlowManagerToken,
  ReauthorizationRequiredError,
  RedisTokenStore,
  TokenEndpointError,
  type FlowManager,
  type TokenSet,
} from '../../lib/index.js';
import { FakeProvider, json, type RecordedRequest } from '../support/fake-provider.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';
import { deleteKeys, redisClient, uniquePrefix } from '../support/redis.js';

const REFRESH_DELAY_MS = 150;

function expired(refreshToken = 'refresh-0'): TokenSet {
  return { accessToken: 'expired-access', tokenType: 'Bearer', expiresAt: Date.now() - 1000, refreshToken, raw: {} };
}

/**
 * The refresh failure lifecycle across two instances sharing Redis (issue 14 item 1): a refused refresh is
 * sent once and marks the connection for every instance; a provider outage (503 with Retry-After, a hang)
 * keeps the tokens and sends one request, not one per caller or instance.
 */
describe('refresh failures across two instances sharing Redis', () => {
  let provider: FakeProvider;
  let prefix: string;
  let clients: Redis[];
  let modules: TestingModule[] = [];
  let refreshRequests: RecordedRequest[];
  let answer: 'invalid_grant' | 'unavailable' | 'hang';

  beforeAll(async () => {
    provider = await FakeProvider.start();
    prefix = uniquePrefix('refresh-failure');
    clients = [redisClient(), redisClient()];
    provider.on('POST', '/oauth/token', async (request, res) => {
      refreshRequests.push(request);
      if (answer === 'hang') return; // never answers: the client's deadline ends it
      await sleep(REFRESH_DELAY_MS);
      if (answer === 'invalid_grant') return json(res, 400, { error: 'invalid_grant', error_description: 'revoked' });
      res.setHeader('Retry-After', '120');
      json(res, 503, { error: 'temporarily_unavailable' });
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
  });

  async function twoInstances(httpTimeoutMs?: number): Promise<{ managers: FlowManager[]; store: RedisTokenStore }> {
    const stores = clients.map((client) => new RedisTokenStore(client, { keyPrefix: prefix }));
    const options = fakeClientOptions(provider);
    const created = await Promise.all(
      stores.map((tokenStore) =>
        compileWith({ providers: { fake: options }, tokenStore, ...(httpTimeoutMs ? { httpTimeoutMs } : {}) }),
      ),
    );
    modules.push(...created);
    return { managers: created.map((m) => m.get<FlowManager>(getFlowManagerToken('fake'))), store: stores[0]! };
  }

  const concurrently = (managers: FlowManager[], user: string) =>
    Promise.allSettled(Array.from({ length: 40 }, (_, i) => managers[i % 2]!.getTokens(user)));

  it('invalid_grant: 2 instances x 20 concurrent getTokens send 1 refresh; all throw ReauthorizationRequiredError; none is sent after', async () => {
    answer = 'invalid_grant';
    const { managers, store } = await twoInstances();
    await store.set('fake', 'ada', expired());
    const results = await concurrently(managers, 'ada');
    expect(refreshRequests).toHaveLength(1);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as ReauthorizationRequiredError;
      expect(error).toBeInstanceOf(ReauthorizationRequiredError);
      expect(error).toMatchObject({
        reason: 'refresh_rejected',
        provider: 'fake',
        user: 'ada',
        error: 'invalid_grant',
      });
    }
    expect(await store.get('fake', 'ada')).toMatchObject({
      accessToken: '',
      reauthorization: { error: 'invalid_grant' },
    });
    await expect(managers[1]!.getTokens('ada')).rejects.toBeInstanceOf(ReauthorizationRequiredError);
    await expect(managers[0]!.fetchProtectedResource('ada', 'http://127.0.0.1:1/')).rejects.toBeInstanceOf(
      ReauthorizationRequiredError,
    );
    expect(refreshRequests).toHaveLength(1);

    // revokeTokens forgets the marked connection without a request; then the user is simply not connected.
    await managers[0]!.revokeTokens('ada');
    await expect(managers[1]!.getTokens('ada')).resolves.toBeUndefined();
    expect(refreshRequests).toHaveLength(1);
  });

  it('503 with Retry-After: 1 refresh for 40 calls on 2 instances, the tokens kept, then each instance backs off', async () => {
    answer = 'unavailable';
    const { managers, store } = await twoInstances();
    await store.set('fake', 'bob', expired());
    const results = await concurrently(managers, 'bob');
    expect(refreshRequests).toHaveLength(1);
    for (const result of results) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(TokenEndpointError);
    }
    expect(await store.get('fake', 'bob')).toMatchObject({ accessToken: 'expired-access', refreshToken: 'refresh-0' });
    const held = (await managers[0]!.getTokens('bob').catch((error: unknown) => error)) as TokenEndpointError;
    expect(held).toMatchObject({ failure: 'http_status', status: 503 });
    expect(held.retryAfter).toBeGreaterThan(100);
    await expect(managers[1]!.getTokens('bob')).rejects.toBeInstanceOf(TokenEndpointError);
    expect(refreshRequests).toHaveLength(1);
    // The back-off is written with the tokens: instances that took no part (started later) hold back too.
    expect(await store.get('fake', 'bob')).toMatchObject({ refreshFailure: { failure: 'http_status', status: 503 } });
    const { managers: later } = await twoInstances();
    await expect(later[0]!.getTokens('bob')).rejects.toMatchObject({ failure: 'http_status', status: 503 });
    expect(refreshRequests).toHaveLength(1);
  });

  it('a hang: 1 refresh request that times out, the tokens kept, the next calls fail at once', async () => {
    answer = 'hang';
    const { managers, store } = await twoInstances(500);
    await store.set('fake', 'carol', expired());
    const results = await concurrently(managers, 'carol');
    expect(refreshRequests).toHaveLength(1);
    for (const result of results) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(TokenEndpointError);
    }
    await expect(managers[0]!.getTokens('carol')).rejects.toMatchObject({ failure: 'timeout' });
    expect(refreshRequests).toHaveLength(1);
    expect(await store.get('fake', 'carol')).toMatchObject({ refreshToken: 'refresh-0' });
  });
});
