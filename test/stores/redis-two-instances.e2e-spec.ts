import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import {
  getFlowManagerToken,
  InvalidStateError,
  RedisStateStore,
  RedisTokenStore,
  type FlowManager,
} from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';
import { deleteKeys, redisClient, uniquePrefix } from '../support/redis.js';

/**
 * Two instances of an app: two Nest testing modules, each with its own Redis connection, sharing one
 * Redis and one key prefix, in front of one provider.
 */
describe('two instances sharing Redis', () => {
  let provider: FakeProvider;
  let prefix: string;
  let clients: Redis[];
  let modules: TestingModule[];
  let a: FlowManager;
  let b: FlowManager;

  beforeAll(async () => {
    provider = await FakeProvider.start();
    prefix = uniquePrefix('two-instances');
    const options = fakeClientOptions(provider);
    clients = [redisClient(), redisClient()];
    modules = await Promise.all(
      clients.map((client) =>
        compileWith({
          providers: { fake: options },
          stateStore: new RedisStateStore(client, { keyPrefix: prefix }),
          tokenStore: new RedisTokenStore(client, { keyPrefix: prefix }),
        }),
      ),
    );
    [a, b] = modules.map((moduleRef) => moduleRef.get<FlowManager>(getFlowManagerToken('fake'))) as [
      FlowManager,
      FlowManager,
    ];
  });
  afterAll(async () => {
    await Promise.all(modules.map((moduleRef) => moduleRef.close()));
    await deleteKeys(clients[0]!, prefix);
    await Promise.all(clients.map((client) => client.quit()));
    await provider.close();
  });

  const tokenRequests = () => provider.requestsTo('/oauth/token').length;

  it('a flow started on A completes on B, and B and A both see the tokens', async () => {
    const before = tokenRequests();
    const { url } = await a.createAuthorizationUrl('ada', { returnTo: '/home' });
    expect(await b.checkUserState('ada', new URL(url).searchParams.get('state')!)).toBe(true);
    const { tokens, returnTo } = await b.handleCallback('ada', await provider.authorize(url));
    expect(returnTo).toBe('/home');
    expect(tokenRequests()).toBe(before + 1);
    expect(await b.getTokens('ada')).toEqual(tokens);
    expect(await a.getTokens('ada')).toEqual(tokens);
  });

  it('the same callback fired at A and B at once: exactly one success, one InvalidStateError, one token request (25 rounds)', async () => {
    const rounds = 25;
    const before = tokenRequests();
    let successes = 0;
    let invalidStates = 0;
    for (let round = 0; round < rounds; round++) {
      const user = `user-${round}`;
      const { url } = await (round % 2 ? a : b).createAuthorizationUrl(user);
      const callback = await provider.authorize(url);
      const results = await Promise.allSettled([a.handleCallback(user, callback), b.handleCallback(user, callback)]);
      const fulfilled = results.filter((result) => result.status === 'fulfilled');
      const rejected = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.reason).toBeInstanceOf(InvalidStateError);
      successes += fulfilled.length;
      invalidStates += rejected.length;
    }
    expect({ successes, invalidStates, tokenRequests: tokenRequests() - before }).toEqual({
      successes: rounds,
      invalidStates: rounds,
      tokenRequests: rounds,
    });
  });

  it('50 copies of one callback spread over A and B at once: 1 success, 49 InvalidStateError, 1 token request', async () => {
    const before = tokenRequests();
    const { url } = await a.createAuthorizationUrl('grace');
    const callback = await provider.authorize(url);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).handleCallback('grace', callback)),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const reasons = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(reasons).toHaveLength(49);
    expect(reasons.every((reason) => reason instanceof InvalidStateError)).toBe(true);
    expect(tokenRequests() - before).toBe(1);
  });

  it('20 users each completing on the other instance, all at once: no mix-up', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `parallel-${i}`);
    const started = await Promise.all(
      users.map((user, i) => (i % 2 ? a : b).createAuthorizationUrl(user, { returnTo: `/u/${i}` })),
    );
    const callbacks = await Promise.all(started.map(({ url }) => provider.authorize(url)));
    const results = await Promise.all(users.map((user, i) => (i % 2 ? b : a).handleCallback(user, callbacks[i]!)));
    expect(results.map((result) => result.returnTo)).toEqual(users.map((_, i) => `/u/${i}`));
    for (const [i, user] of users.entries())
      expect((await a.getTokens(user))?.accessToken).toBe(results[i]!.tokens.accessToken);
  });
});
