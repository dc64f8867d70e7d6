import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { deleteKeys, keysUnder, redisClient, uniquePrefix } from '../support/redis.js';
import {
  AuthCodeFlowConfigError,
  InvalidArgumentError,
  StoreUnavailableError,
} from '../../lib/auth-code-flow.errors.js';
import { RedisStateStore } from '../../lib/stores/redis-state.store.js';
import type { PendingAuthorization } from '../../lib/interfaces/state-store.interface.js';

const newState = () => randomBytes(32).toString('base64url');
const record = (): PendingAuthorization => ({
  provider: 'fake',
  user: 'ada',
  codeVerifier: randomBytes(32).toString('base64url'),
  createdAt: Date.now(),
});

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
      [undefined, AuthCodeFlowConfigError, /client must be an ioredis Redis or Cluster instance/],
      [{ get: () => null }, AuthCodeFlowConfigError, /client must be an ioredis Redis or Cluster instance/],
    ])('rejects a client that is not ioredis (%p)', (bad, type, message) => {
      expect(() => new RedisStateStore(bad as unknown as Redis)).toThrow(type);
      expect(() => new RedisStateStore(bad as unknown as Redis)).toThrow(message);
    });

    it.each([
      [{ keyPrefix: 5 }, AuthCodeFlowConfigError, 'RedisStateStore: keyPrefix must be a string'],
      [
        { keyPrefix: 'a b:' },
        AuthCodeFlowConfigError,
        'RedisStateStore: keyPrefix must not contain whitespace or control characters',
      ],
      [
        { keyPrefix: 'x'.repeat(257) },
        AuthCodeFlowConfigError,
        'RedisStateStore: keyPrefix must be at most 256 characters long',
      ],
      [{ operationTimeoutMs: '100' }, AuthCodeFlowConfigError, 'RedisStateStore: operationTimeoutMs must be a number'],
      [
        { operationTimeoutMs: 0 },
        AuthCodeFlowConfigError,
        'RedisStateStore: operationTimeoutMs must be an integer from 1 to 2147483647',
      ],
      [{ operationTimeoutMs: 1.5 }, AuthCodeFlowConfigError, 'operationTimeoutMs must be an integer'],
      [{ operationTimeoutMs: Number.NaN }, AuthCodeFlowConfigError, 'operationTimeoutMs must be an integer'],
      [{ operationTimeoutMs: 2 ** 31 }, AuthCodeFlowConfigError, 'operationTimeoutMs must be an integer'],
      [
        { keyprefix: 'typo:' },
        AuthCodeFlowConfigError,
        'RedisStateStore: unknown option "keyprefix" (known: keyPrefix, operationTimeoutMs, maxPendingPerOwner)',
      ],
      [{ maxPendingPerOwner: '10' }, AuthCodeFlowConfigError, 'RedisStateStore: maxPendingPerOwner must be a number'],
      [
        { maxPendingPerOwner: 0 },
        AuthCodeFlowConfigError,
        'RedisStateStore: maxPendingPerOwner must be an integer from 1 to 100000',
      ],
      [{ maxPendingPerOwner: 2.5 }, AuthCodeFlowConfigError, 'maxPendingPerOwner must be an integer'],
      [
        { maxPendingPerOwner: Number.POSITIVE_INFINITY },
        AuthCodeFlowConfigError,
        'maxPendingPerOwner must be an integer',
      ],
      [{ maxPendingPerOwner: 100_001 }, AuthCodeFlowConfigError, 'maxPendingPerOwner must be an integer'],
      [null, AuthCodeFlowConfigError, 'RedisStateStore: options must be an object'],
    ])('rejects options (%#)', (options, type, message) => {
      expect(() => new RedisStateStore(client, options as never)).toThrow(type);
      expect(() => new RedisStateStore(client, options as never)).toThrow(message);
    });

    it('names every problem of the client and the options in one AuthCodeFlowConfigError', () => {
      const error = (() => {
        try {
          new RedisStateStore(
            { get: () => null } as unknown as Redis,
            { keyPrefix: 5, maxPendingPerOwner: 0, typo: 1 } as never,
          );
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(AuthCodeFlowConfigError);
      expect(error).toMatchObject({
        code: 'invalid_options',
        problems: [
          'RedisStateStore: client must be an ioredis Redis or Cluster instance',
          'RedisStateStore: unknown option "typo" (known: keyPrefix, operationTimeoutMs, maxPendingPerOwner)',
          'RedisStateStore: keyPrefix must be a string',
          'RedisStateStore: maxPendingPerOwner must be an integer from 1 to 100000',
        ],
      });
    });

    it('rejects a state that is not a non-empty string with InvalidArgumentError, before any command', async () => {
      const { client: counting, calls } = fakeClient(() => Promise.resolve('OK'));
      const store = new RedisStateStore(counting);
      await expect(store.save('', record(), 60)).rejects.toMatchObject({
        name: 'InvalidArgumentError',
        code: 'ERR_INVALID_ARG_VALUE',
      });
      await expect(store.save(7 as never, record(), 60)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
      await expect(store.save(newState(), record(), '60' as never)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(calls).toEqual([]);
    });

    it('rejects a TTL that is not a positive number, before any command', async () => {
      const { client: counting, calls } = fakeClient(() => Promise.resolve('OK'));
      const store = new RedisStateStore(counting);
      for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(store.save(newState(), record(), ttl)).rejects.toThrow(
          new InvalidArgumentError('ERR_INVALID_ARG_VALUE', 'RedisStateStore: ttlSeconds must be a positive number'),
        );
      }
      expect(calls).toEqual([]);
    });

    it('rejects a record whose owner is not a string, before any command', async () => {
      const { client: counting, calls } = fakeClient(() => Promise.resolve('OK'));
      const store = new RedisStateStore(counting);
      await expect(store.save(newState(), { ...record(), owner: 7 as never }, 60)).rejects.toThrow(
        new InvalidArgumentError('ERR_INVALID_ARG_TYPE', 'RedisStateStore: record.owner must be a string'),
      );
      expect(calls).toEqual([]);
    });
  });

  describe('failures', () => {
    it('turns a command that never answers into StoreUnavailableError after operationTimeoutMs', async () => {
      const { client } = fakeClient(() => new Promise(() => undefined));
      const store = new RedisStateStore(client, { operationTimeoutMs: 50 });
      for (const call of [
        () => store.save(newState(), record(), 60),
        () => store.peek(newState()),
        () => store.consume(newState()),
      ]) {
        const error = await call().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).code).toBe('store_unavailable');
        expect((error as Error).message).toMatch(
          /^RedisStateStore: "(save|peek|consume)" got no answer from Redis within 50 ms\.$/,
        );
      }
    });

    it('never repeats the state, its key or the record in the error, nor carries the ioredis error', async () => {
      const state = newState();
      const saved = record();
      const store = new RedisStateStore(
        fakeClient((_command, args) =>
          Promise.reject(
            replyError(
              `WRONGTYPE bad value, with args beginning with: '${String(args[0])}' '${String(args[1])}'`,
              args,
            ),
          ),
        ).client,
      );
      for (const call of [() => store.save(state, saved, 60), () => store.peek(state), () => store.consume(state)]) {
        const error = (await call().catch((caught: unknown) => caught)) as StoreUnavailableError;
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(error.message).toMatch(/failed: Redis answered with an error \(WRONGTYPE\)\.$/);
        const everything = `${error.message} ${error.stack} ${JSON.stringify(error)} ${String(error.cause)}`;
        for (const secret of [
          state,
          store.keyFor(state),
          saved.codeVerifier!,
          createHash('sha256').update(state).digest('base64url'),
        ]) {
          expect(everything).not.toContain(secret);
        }
        expect(error.cause).toBeUndefined();
      }
    });

    it('rejects a save with StoreUnavailableError when the owner index cannot be updated, naming no key or owner', async () => {
      const state = newState();
      const store = new RedisStateStore(
        fakeClient((command, args) =>
          command === 'set'
            ? Promise.resolve('OK')
            : Promise.reject(replyError(`WRONGTYPE '${String(args[2])}'`, args)),
        ).client,
      );
      const saving = store.save(state, { ...record(), owner: 'user:ada' }, 60);
      const error = (await saving.catch((caught: unknown) => caught)) as StoreUnavailableError;
      expect(error).toEqual(
        new StoreUnavailableError('RedisStateStore: "save" failed: Redis answered with an error (WRONGTYPE).'),
      );
      expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(store.ownerKeyFor('fake', 'user:ada'));
    });

    it('deletes only well-formed state hashes the index script gives back, under its own prefix', async () => {
      const evicted = createHash('sha256').update('old').digest('base64url');
      const deleted: unknown[] = [];
      const { client, calls } = fakeClient((command, args) => {
        if (command === 'evalsha') return Promise.resolve([evicted, 'acf:tokens:github:x', '../x', 7, 'a'.repeat(44)]);
        if (command === 'del') deleted.push(args[0]);
        return Promise.resolve(command === 'del' ? 1 : 'OK');
      });
      await new RedisStateStore(client).save(newState(), { ...record(), owner: 'user:ada' }, 60);
      expect(calls).toEqual(['set', 'evalsha', 'del']);
      expect(deleted).toEqual([`acf:state:${evicted}`]);
    });

    it('sends no index command for a record without an owner', async () => {
      const { client, calls } = fakeClient(() => Promise.resolve('OK'));
      await new RedisStateStore(client).save(newState(), record(), 60);
      expect(calls).toEqual(['set']);
    });

    it('turns a synchronous throw and a closed connection into StoreUnavailableError', async () => {
      const throwing = new RedisStateStore(
        fakeClient(() => {
          throw new Error('boom');
        }).client,
      );
      await expect(throwing.peek(newState())).rejects.toThrow(
        new StoreUnavailableError('RedisStateStore: "peek" failed: Redis could not be used (Error).'),
      );
      const closed = new RedisStateStore(fakeClient(() => Promise.reject(new Error('Connection is closed.'))).client);
      await expect(closed.consume(newState())).rejects.toThrow(
        'RedisStateStore: "consume" failed: the Redis connection is closed.',
      );
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

    it("indexes an owner under the SHA-256 of provider and owner, scored by save time, with the state's TTL", async () => {
      const state = newState();
      const owner = 'user:ada@example.com';
      await store.save(state, { ...record(), owner }, 120);
      const index = `${prefix}owner:${createHash('sha256')
        .update(JSON.stringify(['fake', owner]))
        .digest('base64url')}`;
      expect(store.ownerKeyFor('fake', owner)).toBe(index);
      expect((await keysUnder(client, prefix)).join(' ')).not.toContain('ada');
      const [member, score] = await client.zrange(index, '0', '-1', 'WITHSCORES');
      expect(member).toBe(createHash('sha256').update(state).digest('base64url'));
      expect(Math.abs(Number(score) - Date.now())).toBeLessThan(60_000);
      const ttl = await client.pttl(index);
      expect(ttl).toBeGreaterThan(110_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    });

    it('keeps an owner index to the quota in save order (one ms apart or a clock step back), never shortening its TTL', async () => {
      const quota = new RedisStateStore(client, { keyPrefix: prefix, maxPendingPerOwner: 3 });
      const states = Array.from({ length: 5 }, () => newState());
      // The same millisecond for the first three saves, then a clock that went back an hour (another instance's).
      const clock = jest.spyOn(Date, 'now');
      const now = Date.now();
      try {
        for (const [i, state] of states.entries()) {
          clock.mockReturnValue(i < 3 ? now : now - 3_600_000);
          await quota.save(state, { ...record(), owner: 'user:order' }, i === 0 ? 300 : 60);
        }
      } finally {
        clock.mockRestore();
      }
      const index = quota.ownerKeyFor('fake', 'user:order');
      const hashes = states.map((state) => createHash('sha256').update(state).digest('base64url'));
      expect(await client.zrange(index, '0', '-1')).toEqual(hashes.slice(2));
      const scores = (await client.zrange(index, '0', '-1', 'WITHSCORES'))
        .filter((_value, i) => i % 2 === 1)
        .map(Number);
      expect(new Set(scores).size).toBe(scores.length);
      expect(await client.pttl(index)).toBeGreaterThan(200_000);
      expect(await client.exists(quota.keyFor(states[0]!), quota.keyFor(states[1]!))).toBe(0);
    });

    it('leaves nothing behind: the owner index expires with the states', async () => {
      const shortPrefix = uniquePrefix('state-unit-expiry');
      const short = new RedisStateStore(client, { keyPrefix: shortPrefix });
      const states = [newState(), newState()];
      for (const state of states) await short.save(state, { ...record(), owner: 'user:ada' }, 0.3);
      await short.consume(states[0]!);
      expect(await keysUnder(client, shortPrefix)).toHaveLength(2);
      await sleep(450);
      expect(await keysUnder(client, shortPrefix)).toEqual([]);
    });

    it.each([
      ['not JSON', '{"v":1,"record":'],
      ['an unknown version', JSON.stringify({ v: 2, record: record() })],
      ['no version', JSON.stringify(record())],
      ['a record without provider', JSON.stringify({ v: 1, record: { createdAt: 1 } })],
      [
        'a record with a non-string field',
        JSON.stringify({ v: 1, record: { provider: 'fake', createdAt: 1, user: 7 } }),
      ],
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
      await client.set(
        store.keyFor(state),
        JSON.stringify({ v: 1, record: { provider: 'fake', createdAt: 5, extra: 'x' } }),
        'PX',
        60_000,
      );
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
