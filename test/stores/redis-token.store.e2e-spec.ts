import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { deleteKeys, keysUnder, redisClient, uniquePrefix } from '../support/redis.js';
import {
  AuthCodeFlowConfigError,
  InvalidArgumentError,
  StoreUnavailableError,
} from '../../lib/auth-code-flow.errors.js';
import type { TokenSet } from '../../lib/interfaces/token-set.interface.js';
import { RedisTokenStore, type UnreadableTokenValueEvent } from '../../lib/stores/redis-token.store.js';

const hash = (value: string) => createHash('sha256').update(value).digest('base64url');

function tokens(overrides: Partial<TokenSet> = {}): TokenSet {
  const id = randomUUID();
  return {
    accessToken: `access-${id}`,
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: Date.now() + 3_600_000,
    refreshToken: `refresh-${id}`,
    idToken: `idtoken-${id}`,
    scope: 'read',
    raw: {
      access_token: `access-${id}`,
      refresh_token: `refresh-${id}`,
      id_token: `idtoken-${id}`,
      custom: `custom-${id}`,
    },
    ...overrides,
  };
}

/** Every string in a token set that must not be readable in Redis. */
function secretsOf(set: TokenSet): string[] {
  return [set.accessToken, set.refreshToken, set.idToken, String(set.raw.custom)].filter(
    (value): value is string => typeof value === 'string',
  );
}

describe('RedisTokenStore', () => {
  let client: Redis;
  let prefix: string;

  beforeAll(() => {
    client = redisClient();
    prefix = uniquePrefix('tokens-unit');
  });
  afterAll(async () => {
    await deleteKeys(client, prefix);
    await client.quit();
  });

  describe('options', () => {
    it.each([
      [{ maxTtlSeconds: '60' }, AuthCodeFlowConfigError, 'RedisTokenStore: maxTtlSeconds must be a number'],
      [
        { maxTtlSeconds: 0 },
        AuthCodeFlowConfigError,
        'RedisTokenStore: maxTtlSeconds must be an integer from 1 to 315360000',
      ],
      [{ maxTtlSeconds: 1.5 }, AuthCodeFlowConfigError, 'maxTtlSeconds must be an integer'],
      [{ onUnreadableValue: 'log' }, AuthCodeFlowConfigError, 'RedisTokenStore: onUnreadableValue must be a function'],
      [
        { encryption: { keys: { k: randomBytes(16) }, currentKeyId: 'k' } },
        AuthCodeFlowConfigError,
        'RedisTokenStore: encryption.keys["k"] must be exactly 32 bytes (AES-256); got 16',
      ],
      [
        { encryption: { keys: { k: randomBytes(32) }, currentKeyId: 'j' } },
        AuthCodeFlowConfigError,
        'RedisTokenStore: encryption.currentKeyId "j" is not one of encryption.keys',
      ],
      [{ encrypt: true }, AuthCodeFlowConfigError, 'RedisTokenStore: unknown option "encrypt"'],
      [{ operationTimeoutMs: -1 }, AuthCodeFlowConfigError, 'RedisTokenStore: operationTimeoutMs must be an integer'],
    ])('rejects options (%#)', (options, type, message) => {
      expect(() => new RedisTokenStore(client, options as never)).toThrow(type);
      expect(() => new RedisTokenStore(client, options as never)).toThrow(message);
    });
  });

  describe('keys and TTLs', () => {
    it('keys tokens by provider and a hash of the user id, so no user id is in a key', async () => {
      const store = new RedisTokenStore(client, { keyPrefix: prefix });
      const user = `ada-${randomUUID()}@example.com`;
      await store.set('git:hub', user, tokens());
      const key = `${prefix}tokens:git%3Ahub:${hash(user)}`;
      expect(store.keyFor('git:hub', user)).toBe(key);
      expect(await client.exists(key)).toBe(1);
      expect((await keysUnder(client, prefix)).join(' ')).not.toContain(user);
    });

    it('keeps a token set with a refresh token for maxTtlSeconds', async () => {
      const store = new RedisTokenStore(client, { keyPrefix: prefix, maxTtlSeconds: 3 * 24 * 3600 });
      const user = randomUUID();
      await store.set('fake', user, tokens({ expiresAt: Date.now() + 60_000 }));
      const ttl = await client.pttl(store.keyFor('fake', user));
      expect(ttl).toBeGreaterThan(3 * 24 * 3600 * 1000 - 60_000);
      expect(ttl).toBeLessThanOrEqual(3 * 24 * 3600 * 1000);
    });

    it('keeps a token set without a refresh token until it expires, and one without expiry for maxTtlSeconds', async () => {
      const store = new RedisTokenStore(client, { keyPrefix: prefix });
      const [expiring, expired, endless] = [randomUUID(), randomUUID(), randomUUID()];
      await store.set('fake', expiring, tokens({ refreshToken: undefined, expiresAt: Date.now() + 60_000 }));
      await store.set('fake', expired, tokens({ refreshToken: undefined, expiresAt: Date.now() - 60_000 }));
      await store.set('fake', endless, tokens({ refreshToken: undefined, expiresAt: undefined }));
      const expiringTtl = await client.pttl(store.keyFor('fake', expiring));
      expect(expiringTtl).toBeGreaterThan(30_000);
      expect(expiringTtl).toBeLessThanOrEqual(60_000);
      const expiredTtl = await client.pttl(store.keyFor('fake', expired));
      expect(expiredTtl).toBeGreaterThan(0);
      expect(expiredTtl).toBeLessThanOrEqual(1000);
      expect(await client.pttl(store.keyFor('fake', endless))).toBeGreaterThan(29 * 24 * 3600 * 1000);
    });

    it('gives the refresh lock its own key, a random owner value and the TTL asked for', async () => {
      const store = new RedisTokenStore(client, { keyPrefix: prefix });
      const user = randomUUID();
      const lock = await store.acquireRefreshLock('fake', user, 5_000);
      const key = `${prefix}refresh-lock:fake:${hash(user)}`;
      expect(store.lockKeyFor('fake', user)).toBe(key);
      expect(await client.get(key)).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(4_000);
      expect(ttl).toBeLessThanOrEqual(5_000);
      await lock!.release();
      expect(await client.exists(key)).toBe(0);
      await expect(store.acquireRefreshLock('fake', user, 0)).rejects.toThrow(InvalidArgumentError);
    });
  });

  describe('unreadable values', () => {
    it.each([
      ['not JSON', '{"v":1', 'malformed'],
      ['an unknown version', JSON.stringify({ v: 9, tokens: tokens() }), 'unknown_version'],
      [
        'a token set without accessToken',
        JSON.stringify({ v: 1, tokens: { tokenType: 'Bearer', raw: {} } }),
        'malformed',
      ],
      [
        'a token set with a string expiresAt',
        JSON.stringify({ v: 1, tokens: { ...tokens(), expiresAt: 'soon' } }),
        'malformed',
      ],
      [
        'a token set with a DPoP thumbprint that is not a string',
        JSON.stringify({ v: 1, tokens: { ...tokens(), tokenType: 'DPoP', dpopJkt: 42 } }),
        'malformed',
      ],
      [
        'a sealed value, without encryption configured',
        JSON.stringify({ v: 1, sealed: { alg: 'A256GCM' } }),
        'unknown_key',
      ],
    ])('reads %s as absent, tells onUnreadableValue why, and leaves it in place', async (_label, value, reason) => {
      const events: UnreadableTokenValueEvent[] = [];
      const store = new RedisTokenStore(client, {
        keyPrefix: prefix,
        onUnreadableValue: (event) => events.push(event),
      });
      const user = randomUUID();
      await client.set(store.keyFor('fake', user), value, 'PX', 60_000);
      expect(await store.get('fake', user)).toBeUndefined();
      expect(events).toEqual([{ provider: 'fake', user, reason }]);
      expect(await client.get(store.keyFor('fake', user))).toBe(value);
    });

    it('answers even when onUnreadableValue throws', async () => {
      const store = new RedisTokenStore(client, {
        keyPrefix: prefix,
        onUnreadableValue: () => {
          throw new Error('hook failed');
        },
      });
      const user = randomUUID();
      await client.set(store.keyFor('fake', user), 'nope', 'PX', 60_000);
      expect(await store.get('fake', user)).toBeUndefined();
    });
  });

  describe('encryption at rest', () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32).toString('base64');

    it('holds nothing of the tokens in clear in Redis (raw GET), and reads them back', async () => {
      const store = new RedisTokenStore(client, {
        keyPrefix: prefix,
        encryption: { keys: { k1 }, currentKeyId: 'k1' },
      });
      const user = randomUUID();
      const saved = tokens();
      await store.set('fake', user, saved);
      const raw = (await client.get(store.keyFor('fake', user)))!;
      for (const secret of secretsOf(saved)) expect(raw).not.toContain(secret);
      expect(raw).not.toMatch(/Bearer|access|refresh|scope/);
      const parsed = JSON.parse(raw) as { v: number; sealed: Record<string, string> };
      expect(parsed).toEqual({
        v: 1,
        sealed: {
          alg: 'A256GCM',
          kid: 'k1',
          iv: expect.any(String),
          data: expect.any(String),
          tag: expect.any(String),
        },
      });
      expect(await store.get('fake', user)).toEqual(saved);
    });

    it('rotates keys: old values read with the old id listed, new values use the new id, a dropped id reads as absent', async () => {
      const events: UnreadableTokenValueEvent[] = [];
      const before = new RedisTokenStore(client, {
        keyPrefix: prefix,
        encryption: { keys: { k1 }, currentKeyId: 'k1' },
      });
      const during = new RedisTokenStore(client, {
        keyPrefix: prefix,
        encryption: { keys: { k1, k2 }, currentKeyId: 'k2' },
      });
      const after = new RedisTokenStore(client, {
        keyPrefix: prefix,
        encryption: { keys: { k2 }, currentKeyId: 'k2' },
        onUnreadableValue: (e) => events.push(e),
      });
      const [oldUser, newUser] = [randomUUID(), randomUUID()];
      const [oldTokens, newTokens] = [tokens(), tokens()];
      await before.set('fake', oldUser, oldTokens);
      expect(await during.get('fake', oldUser)).toEqual(oldTokens);
      await during.set('fake', newUser, newTokens);
      expect(JSON.parse((await client.get(during.keyFor('fake', newUser)))!).sealed.kid).toBe('k2');
      expect(await after.get('fake', newUser)).toEqual(newTokens);
      expect(await after.get('fake', oldUser)).toBeUndefined();
      expect(events).toEqual([{ provider: 'fake', user: oldUser, reason: 'unknown_key' }]);
      // Rewriting with the current key (e.g. after a refresh) migrates a value.
      await during.set('fake', oldUser, oldTokens);
      expect(await after.get('fake', oldUser)).toEqual(oldTokens);
    });

    it('reads a tampered value, a value moved to another user, a wrong key or a value in clear as absent', async () => {
      const events: UnreadableTokenValueEvent[] = [];
      const store = new RedisTokenStore(client, {
        keyPrefix: prefix,
        encryption: { keys: { k1 }, currentKeyId: 'k1' },
        onUnreadableValue: (e) => events.push(e),
      });
      const wrongKey = new RedisTokenStore(client, {
        keyPrefix: prefix,
        encryption: { keys: { k1: randomBytes(32) }, currentKeyId: 'k1' },
        onUnreadableValue: (e) => events.push(e),
      });
      const plain = new RedisTokenStore(client, { keyPrefix: prefix });
      const [victim, attacker, tampered, clear] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      await store.set('fake', victim, tokens());
      const victimValue = (await client.get(store.keyFor('fake', victim)))!;

      const changed = JSON.parse(victimValue) as { v: number; sealed: { data: string } };
      const data = Buffer.from(changed.sealed.data, 'base64url');
      data[data.length - 1] = data[data.length - 1]! ^ 0x80;
      changed.sealed.data = data.toString('base64url');
      await client.set(store.keyFor('fake', tampered), JSON.stringify(changed), 'PX', 60_000);
      expect(await store.get('fake', tampered)).toBeUndefined();

      await client.set(store.keyFor('fake', attacker), victimValue, 'PX', 60_000);
      expect(await store.get('fake', attacker)).toBeUndefined();

      expect(await wrongKey.get('fake', victim)).toBeUndefined();

      await plain.set('fake', clear, tokens());
      expect(await store.get('fake', clear)).toBeUndefined();

      expect(events.map((event) => [event.user, event.reason])).toEqual([
        [tampered, 'tampered'],
        [attacker, 'tampered'],
        [victim, 'tampered'],
        [clear, 'not_encrypted'],
      ]);
      expect(await store.get('fake', victim)).toBeDefined();
    });
  });

  describe('failures', () => {
    it('turns a command that never answers into StoreUnavailableError, lock calls included', async () => {
      const never = Object.fromEntries(
        ['get', 'set', 'getdel', 'del', 'evalsha', 'eval'].map((name) => [name, () => new Promise(() => undefined)]),
      );
      const store = new RedisTokenStore(never as unknown as Redis, { operationTimeoutMs: 30 });
      const calls = [
        () => store.get('fake', 'ada'),
        () => store.set('fake', 'ada', tokens()),
        () => store.delete('fake', 'ada'),
        () => store.acquireRefreshLock('fake', 'ada', 1000),
      ];
      for (const call of calls) {
        const error = await call().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as Error).message).toMatch(
          /^RedisTokenStore: "(get|set|delete|acquireRefreshLock)" got no answer from Redis within 30 ms\.$/,
        );
      }
    });

    it('keeps tokens out of the error when Redis rejects a write', async () => {
      const saved = tokens();
      const failing = Object.fromEntries(
        ['get', 'set', 'getdel', 'del', 'evalsha', 'eval'].map((name) => [
          name,
          (...args: unknown[]) =>
            Promise.reject(
              Object.assign(new Error(`OOM command not allowed: ${args.map(String).join(' ')}`), {
                name: 'ReplyError',
                command: { name, args },
              }),
            ),
        ]),
      );
      const store = new RedisTokenStore(failing as unknown as Redis);
      const error = (await store.set('fake', 'ada', saved).catch((caught: unknown) => caught)) as StoreUnavailableError;
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error.message).toBe('RedisTokenStore: "set" failed: Redis answered with an error (OOM).');
      const everything = `${error.message} ${error.stack} ${JSON.stringify(error)} ${String(error.cause)}`;
      for (const secret of secretsOf(saved)) expect(everything).not.toContain(secret);
    });
  });
});
