import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { getFlowManagerToken, RedisTokenStore, type FlowManager } from '../../lib/index.js';
import { FakeProvider, json, type RecordedRequest } from '../support/fake-provider.js';
import { deleteKeys, redisClient, uniquePrefix } from '../support/redis.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';

// fetchProtectedResource's forced refresh (a 401 invalid_token for a token that has not expired) is shared
// across instances as getTokens' refresh of expired tokens is: through RedisTokenStore's refresh lock.

describe('fetchProtectedResource, two instances sharing Redis', () => {
  let provider: FakeProvider;
  let api: FakeProvider;
  let prefix: string;
  let clients: Redis[];
  let modules: TestingModule[];
  const refreshRequests: RecordedRequest[] = [];

  beforeAll(async () => {
    [provider, api] = await Promise.all([FakeProvider.start(), FakeProvider.start()]);
    prefix = uniquePrefix('forced-refresh');
    clients = [redisClient(), redisClient()];
    // A slow refresh, so that every caller's 401 arrives while it runs, on one instance or the other.
    provider.on('POST', '/oauth/token', async (request, res) => {
      refreshRequests.push(request);
      await sleep(150);
      json(res, 200, { access_token: `refreshed-${refreshRequests.length}`, token_type: 'Bearer', expires_in: 3600 });
    });
    api.on('GET', '/data', (request, res) =>
      request.headers.authorization === 'Bearer refused-access'
        ? json(res, 401, {}, { 'WWW-Authenticate': 'Bearer error="invalid_token"' })
        : json(res, 200, { authorization: request.headers.authorization }),
    );
    const options = fakeClientOptions(provider);
    modules = await Promise.all(
      clients.map((client) =>
        compileWith({ providers: { fake: options }, tokenStore: new RedisTokenStore(client, { keyPrefix: prefix }) }),
      ),
    );
  });
  afterAll(async () => {
    await Promise.all(modules.map((moduleRef) => moduleRef.close()));
    await deleteKeys(clients[0]!, prefix);
    await Promise.all(clients.map((client) => client.quit()));
    await Promise.all([provider.close(), api.close()]);
  });

  it('10 + 10 concurrent calls that get 401 invalid_token send 1 refresh request, and all retry with its token', async () => {
    const [a, b] = modules.map((moduleRef) => moduleRef.get<FlowManager>(getFlowManagerToken('fake'))) as [
      FlowManager,
      FlowManager,
    ];
    await new RedisTokenStore(clients[0]!, { keyPrefix: prefix }).set('fake', 'ada', {
      accessToken: 'refused-access',
      tokenType: 'Bearer',
      refreshToken: 'refresh-0',
      expiresAt: Date.now() + 3_600_000,
      raw: {},
    });
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).fetchProtectedResource('ada', `${api.url}/data`)),
    );
    expect(refreshRequests).toHaveLength(1);
    expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 20 }, () => 200));
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as Array<{
      authorization: string;
    }>;
    expect(new Set(bodies.map((body) => body.authorization))).toEqual(new Set(['Bearer refreshed-1']));
    expect(api.requests).toHaveLength(40);
  });
});
