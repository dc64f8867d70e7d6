import { afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisStateStore, RedisTokenStore, StoreUnavailableError, type PendingAuthorization } from '../../lib/index.js';
import { startRedisServer } from '../support/redis.js';

/**
 * What the README recommends for Redis memory, on servers of this suite's own: pending states may be
 * evicted (`maxmemory-policy volatile-ttl`), tokens must not be, so they need an instance of their own; a
 * logical database of the same instance shares its memory and its eviction.
 */
const FLOOD = 12_000;
const MAXMEMORY = '4mb';

/** A typical pending flow: a user id, a verifier, a 100-character returnTo, a binding hash. */
const flow = (): PendingAuthorization => ({
  provider: 'github',
  user: randomUUID(),
  codeVerifier: randomBytes(32).toString('base64url'),
  returnTo: `/${'a'.repeat(99)}`,
  browserBinding: randomBytes(32).toString('base64url'),
  createdAt: Date.now(),
});

describe('RedisStateStore on a Redis with maxmemory', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function server(policy: string): Promise<(db?: number) => Redis> {
    const { port, stop } = await startRedisServer(['--maxmemory', MAXMEMORY, '--maxmemory-policy', policy]);
    cleanups.push(stop);
    return (db = 0) => {
      const client = new Redis({ port, host: '127.0.0.1', db, maxRetriesPerRequest: 1 });
      cleanups.push(async () => void client.disconnect());
      return client;
    };
  }

  /** Saves FLOOD anonymous flows, 200 at a time; resolves to the states and the first failure, if any. */
  async function flood(store: RedisStateStore): Promise<{ states: string[]; failure: unknown }> {
    const states: string[] = [];
    try {
      for (let i = 0; i < FLOOD; i += 200) {
        const batch = Array.from({ length: 200 }, () => randomBytes(32).toString('base64url'));
        await Promise.all(batch.map((state) => store.save(state, flow(), 600)));
        states.push(...batch);
      }
    } catch (failure) {
      return { states, failure };
    }
    return { states, failure: undefined };
  }

  const evictedKeys = async (client: Redis) => Number(/evicted_keys:(\d+)/.exec(await client.info('stats'))![1]);

  it('with volatile-ttl, a flood larger than maxmemory never fails a save: the oldest states are evicted first', async () => {
    const client = (await server('volatile-ttl'))();
    const store = new RedisStateStore(client);
    const { states, failure } = await flood(store);
    expect(failure).toBeUndefined();
    expect(await evictedKeys(client)).toBeGreaterThan(FLOOD / 4);
    const live = async (some: string[]) =>
      (await Promise.all(some.map((state) => store.peek(state)))).filter(Boolean).length;
    expect(await live(states.slice(-200))).toBe(200);
    expect(await live(states.slice(0, 1000))).toBeLessThan(100);
  }, 60_000);

  it('with noeviction, the same flood makes saves fail with StoreUnavailableError (OOM) and evicts nothing', async () => {
    const client = (await server('noeviction'))();
    const { failure } = await flood(new RedisStateStore(client));
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect((failure as Error).message).toBe('RedisStateStore: "save" failed: Redis answered with an error (OOM).');
    expect(await evictedKeys(client)).toBe(0);
  }, 60_000);

  it('a logical database does not protect tokens: states flooding db 0 evict a token set in db 1 of the same instance', async () => {
    const connect = await server('volatile-ttl');
    const tokens = new RedisTokenStore(connect(1));
    // No refresh token: the key lives until expiresAt, a minute, shorter than a state's ten minutes.
    await tokens.set('github', 'ada', {
      accessToken: 'at',
      tokenType: 'Bearer',
      expiresAt: Date.now() + 60_000,
      raw: {},
    });
    expect(await tokens.get('github', 'ada')).toBeDefined();
    const { failure } = await flood(new RedisStateStore(connect(0)));
    expect(failure).toBeUndefined();
    expect(await tokens.get('github', 'ada')).toBeUndefined();
  }, 60_000);
});
