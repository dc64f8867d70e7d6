import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { deleteKeys, keysUnder, redisClient, uniquePrefix } from '../../test/redis/support.js';
import { StoreUnavailableError } from '../auth-code-flow.errors.js';
import { RedisStateStore } from './redis-state.store.js';
import type { PendingAuthorization } from './state-store.interface.js';

const newState = () => randomBytes(32).toString('base64url');
const record = (): PendingAuthorization => ({ provider: 'fake', user: 'ada', codeVerifier: randomBytes(32).toString('base64url'), createdAt: Date.now() });

/** An object with the commands the store needs, each answering with `answer()`; counts the calls. */
function fakeClient(answer: (command: string, args: unknown[]) => Promise<unknown>) {
  const calls: string[] = [];
  const client = Object.fromEntries(
    ['get', 'set', 'getdel', 'del', 'evalsha', 'eval'].map((command) => [
      command,
      (...args: unknown[]) => {
        calls.push(command);
        return answer(command, args);
      },
    ]),
  );
  return { client: client as unknown as Redis, calls };
}

/** A reply error as ioredis makes them: Redis quotes arguments in the message, ioredis adds them as `command`. */
function replyError(message: string, args: unknown[]): Error {
  return Object.assign(new Error(message), { name: 'ReplyError', command: { name: 'getdel', args } });
}

describe('RedisStateStore', () => {
  describe('options', () => {
    const client = fakeClient(() => Promise.resolve(null)).client;

    it('takes an ioredis client and defaults', () => {
      const store = new RedisStateStore(client);
      expect(store.keyFor('s')).toBe(`acf:state:${createHash('sha256').update('s').digest('base64url')}`);
    });

    it.each([
      [undefined, TypeError, /client must be an ioredis Redis or Cluster instance/],
      [{ get: () => null }, TypeError, /client must be an ioredis Redis or Cluster instance/],
    ])('rejects a client that is not ioredis (%p)', (bad, type, message) => {
      expect(() => new RedisStateStore(bad as unknown as Redis)).toThrow(type);
      expect(() => new RedisStateStore(bad as unknown as Redis)).toThrow(message);
    });

    it.each([
      [{ keyPrefix: 5 }, TypeError, 'RedisStateStore: keyPrefix must be a string'],
      [{ keyPrefix: 'a b:' }, RangeError, 'RedisStateStore: keyPrefix must not contain whitespace or control characters'],
      [{ keyPrefix: 'x'.repeat(257) }, RangeError, 'RedisStateStore: keyPrefix must be at most 256 characters long'],
      [{ operationTimeoutMs: '100' }, TypeError, 'RedisStateStore: operationTimeoutMs must be a number'],
      [{ operationTimeoutMs: 0 }, RangeError, 'RedisStateStore: operationTimeoutMs must be an integer from 1 to 2147483647'],
      [{ operationTimeoutMs: 1.5 }, RangeError, 'operationTimeoutMs must be an integer'],
      [{ operationTimeoutMs: Number.NaN }, RangeError, 'operationTimeoutMs must be an integer'],
      [{ operationTimeoutMs: 2 ** 31 }, RangeError, 'operationTimeoutMs must be an integer'],
      [{ keyprefix: 'typo:' }, TypeError, 'RedisStateStore: unknown option "keyprefix" (known: keyPrefix, operationTimeoutMs)'],
      [null, TypeError, 'RedisStateStore: options must be an object'],
    ])('rejects options (%#)', (options, type, message) => {
      expect(() => new RedisStateStore(client, options as never)).toThrow(type);
      expect(() => new RedisStateStore(client, options as never)).toThrow(message);
    });

    it('rejects a TTL that is not a positive number, before any command', async () => {
      const { client: counting, calls } = fakeClient(() => Promise.resolve('OK'));
      const store = new RedisStateStore(counting);
      for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(store.save(newState(), record(), ttl)).rejects.toThrow(new RangeError('RedisStateStore: ttlSeconds must be a positive number'));
      }
      expect(calls).toEqual([]);
    });
  });

  describe('failures', () => {
    it('turns a command that never answers into StoreUnavailableError after operationTimeoutMs', async () => {
      const { client } = fakeClient(() => new Promise(() => undefined));
      const store = new RedisStateStore(client, { operationTimeoutMs: 50 });
      for (const call of [() => store.save(newState(), record(), 60), () => store.peek(newState()), () => store.consume(newState())]) {
        const error = await call().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).code).toBe('store_unavailable');
        expect((error as Error).message).toMatch(/^RedisStateStore: "(save|peek|consume)" got no answer from Redis within 50 ms\.$/);
      }
    });

    it('never repeats the state, its key or the record in the error, nor carries the ioredis error', async () => {
      const state = newState();
      const saved = record();
      const store = new RedisStateStore(
        fakeClient((_command, args) => Promise.reject(replyError(`WRONGTYPE bad value, with args beginning with: '${String(args[0])}' '${String(args[1])}'`, args))).client,
      );
      for (const call of [() => store.save(state, saved, 60), () => store.peek(state), () => store.consume(state)]) {
        const error = (await call().catch((caught: unknown) => caught)) as StoreUnavailableError;
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(error.message).toMatch(/failed: Redis answered with an error \(WRONGTYPE\)\.$/);
        const everything = `${error.message} ${error.stack} ${JSON.stringify(error)} ${String(error.cause)}`;
        for (const secret of [state, store.keyFor(state), saved.codeVerifier!, createHash('sha256').update(state).digest('base64url')]) {
          expect(everything).not.toContain(secret);
        }
        expect(error.cause).toBeUndefined();
      }
    });

    it('turns a synchronous throw and a closed connection into StoreUnavailableError', async () => {
      const throwing = new RedisStateStore(
        fakeClient(() => {
          throw new Error('boom');
        }).client,
      );
      await expect(throwing.peek(newState())).rejects.toThrow(new StoreUnavailableError('RedisStateStore: "peek" failed: Redis could not be used (Error).'));
      const closed = new RedisStateStore(fakeClient(() => Promise.reject(new Error('Connection is closed.'))).client);
      await expect(closed.consume(newState())).rejects.toThrow('RedisStateStore: "consume" failed: the Redis connection is closed.');
    });
  });

  describe('against Redis', () => {
    let client: Redis;
    let prefix: string;
    let store: RedisStateStore;

    beforeAll(() => {
      client = redisClient();
      prefix = uniquePrefix('state-unit');
      store = new RedisStateStore(client, { keyPrefix: prefix });
    });
    afterAll(async () => {
      await deleteKeys(client, prefix);
      await client.quit();
    });

    it('keys a record by the SHA-256 of its state, with a TTL, as versioned JSON: the state is nowhere in Redis', async () => {
      const state = newState();
      const saved = record();
      await store.save(state, saved, 120);
      const key = `${prefix}state:${createHash('sha256').update(state).digest('base64url')}`;
      expect(store.keyFor(state)).toBe(key);
      const keys = await keysUnder(client, prefix);
      expect(keys).toContain(key);
      expect(keys.join(' ')).not.toContain(state);
      const raw = (await client.get(key))!;
      expect(raw).not.toContain(state);
      expect(JSON.parse(raw)).toEqual({ v: 1, record: saved });
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(110_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    });

    it.each([
      ['not JSON', '{"v":1,"record":'],
      ['an unknown version', JSON.stringify({ v: 2, record: record() })],
      ['no version', JSON.stringify(record())],
      ['a record without provider', JSON.stringify({ v: 1, record: { createdAt: 1 } })],
      ['a record with a non-string field', JSON.stringify({ v: 1, record: { provider: 'fake', createdAt: 1, user: 7 } })],
      ['a JSON array', '[1,2]'],
    ])('reads %s as absent, and deletes it (peek)', async (_label, value) => {
      const state = newState();
      await client.set(store.keyFor(state), value, 'PX', 60_000);
      expect(await store.peek(state)).toBeUndefined();
      expect(await client.exists(store.keyFor(state))).toBe(0);
    });

    it('reads an unparseable value as absent, and deletes it (consume)', async () => {
      const state = newState();
      await client.set(store.keyFor(state), 'garbage', 'PX', 60_000);
      expect(await store.consume(state)).toBeUndefined();
      expect(await client.exists(store.keyFor(state))).toBe(0);
    });

    it('drops unknown fields of a stored record', async () => {
      const state = newState();
      await client.set(store.keyFor(state), JSON.stringify({ v: 1, record: { provider: 'fake', createdAt: 5, extra: 'x' } }), 'PX', 60_000);
      expect(await store.consume(state)).toEqual({ provider: 'fake', createdAt: 5 });
    });

    it('falls back once to a Lua GET+DEL when the server has no GETDEL, and keeps using it', async () => {
      const calls: string[] = [];
      const old = new Proxy(client, {
        get(target, property) {
          const name = String(property);
          if (name === 'getdel') {
            return (key: string) => {
              calls.push('getdel');
              return target.call('GETDEL-UNKNOWN', key);
            };
          }
          const value = Reflect.get(target, property, target) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            if (name === 'eval' || name === 'evalsha') calls.push(name);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const fallback = new RedisStateStore(old, { keyPrefix: prefix });
      const [first, second] = [newState(), newState()];
      const [recordA, recordB] = [record(), record()];
      await fallback.save(first, recordA, 60);
      await fallback.save(second, recordB, 60);
      expect(await fallback.consume(first)).toEqual(recordA);
      expect(await fallback.consume(second)).toEqual(recordB);
      expect(await fallback.consume(second)).toBeUndefined();
      expect(calls.filter((call) => call === 'getdel')).toHaveLength(1);
      expect(calls.filter((call) => call === 'evalsha' || call === 'eval').length).toBeGreaterThanOrEqual(3);
    });
  });
});
