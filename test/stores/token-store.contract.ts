import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { TokenSet, TokenStore } from '../../lib/index.js';

export interface TokenStoreUnderTest {
  store: TokenStore;
  teardown?: () => Promise<void>;
}

function tokens(overrides: Partial<TokenSet> = {}): TokenSet {
  const accessToken = `at-${randomUUID()}`;
  return {
    accessToken,
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: Date.now() + 3_600_000,
    refreshToken: `rt-${randomUUID()}`,
    scope: 'read write',
    idToken: 'header.payload.signature',
    idTokenClaims: { iss: 'https://idp.example', sub: 'ada', aud: ['client'], email_verified: true, amr: ['pwd'] },
    raw: { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, nested: { a: [1, 'two', null] } },
    ...overrides,
  };
}

/** What every `TokenStore` must do (API.md "Stores"); run once per implementation. */
export function describeTokenStoreContract(label: string, setup: () => Promise<TokenStoreUnderTest>): void {
  describe(`TokenStore contract: ${label}`, () => {
    let subject: TokenStoreUnderTest;
    let store: TokenStore;
    const user = () => `user-${randomUUID()}`;

    beforeAll(async () => {
      subject = await setup();
      store = subject.store;
    });
    afterAll(() => subject?.teardown?.());

    it('has nothing for a user it never saw', async () => {
      expect(await store.get('fake', user())).toBeUndefined();
    });

    it('returns what was set, whole (raw response included)', async () => {
      const u = user();
      const saved = tokens();
      await store.set('fake', u, saved);
      expect(await store.get('fake', u)).toEqual(saved);
    });

    it('keeps its own copy: changing the set given, or the set returned, changes nothing stored', async () => {
      const u = user();
      const saved = tokens();
      const expected = structuredClone(saved);
      await store.set('fake', u, saved);
      saved.accessToken = 'changed';
      (saved.raw.nested as { a: unknown[] }).a.push('given');
      const first = (await store.get('fake', u))!;
      first.refreshToken = 'changed';
      (first.raw.nested as { a: unknown[] }).a.push('returned');
      expect(await store.get('fake', u)).toEqual(expected);
    });

    it('keeps a DPoP-bound token set with the thumbprint of its key (RFC 9449)', async () => {
      const u = user();
      const saved = tokens({ tokenType: 'DPoP', dpopJkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' });
      await store.set('fake', u, saved);
      expect(await store.get('fake', u)).toEqual(saved);
    });

    it('keeps a minimal token set as it is', async () => {
      const u = user();
      const saved: TokenSet = { accessToken: 'a', tokenType: 'bearer', raw: {} };
      await store.set('fake', u, saved);
      expect(await store.get('fake', u)).toEqual(saved);
    });

    it('keeps the re-authorization marker of a refused refresh (no token, the OAuth error), and a set replaces it', async () => {
      const u = user();
      const marker: TokenSet = {
        accessToken: '',
        tokenType: 'Bearer',
        raw: {},
        reauthorization: { reason: 'refresh_rejected', error: 'invalid_grant' },
      };
      await store.set('fake', u, marker);
      expect(await store.get('fake', u)).toEqual(marker);
      const reconnected = tokens();
      await store.set('fake', u, reconnected);
      expect(await store.get('fake', u)).toEqual(reconnected);
    });

    it('replaces on set and forgets on delete', async () => {
      const u = user();
      const first = tokens();
      const second = tokens({ refreshToken: undefined });
      delete second.refreshToken;
      await store.set('fake', u, first);
      await store.set('fake', u, second);
      expect(await store.get('fake', u)).toEqual(second);
      await store.delete('fake', u);
      expect(await store.get('fake', u)).toBeUndefined();
      await expect(store.delete('fake', u)).resolves.toBeUndefined();
    });

    it('keeps providers and users apart, whatever characters their names hold', async () => {
      const a = tokens();
      const b = tokens();
      const c = tokens();
      await store.set('a', 'b:c', a);
      await store.set('a:b', 'c', b);
      await store.set('a', 'b', c);
      expect(await store.get('a', 'b:c')).toEqual(a);
      expect(await store.get('a:b', 'c')).toEqual(b);
      expect(await store.get('a', 'b')).toEqual(c);
      await store.delete('a', 'b:c');
      expect(await store.get('a:b', 'c')).toEqual(b);
      await Promise.all([store.delete('a:b', 'c'), store.delete('a', 'b')]);
    });

    it('returns copies: changing a returned token set does not change the stored one', async () => {
      const u = user();
      const saved = tokens();
      await store.set('fake', u, saved);
      const got = (await store.get('fake', u))!;
      got.accessToken = 'changed';
      (got.raw as { nested: { a: unknown[] } }).nested.a.push('x');
      saved.accessToken = 'changed too';
      const again = (await store.get('fake', u))!;
      expect(again.accessToken).not.toMatch(/changed/);
      expect(again.raw).toEqual({
        access_token: again.accessToken,
        token_type: 'Bearer',
        expires_in: 3600,
        nested: { a: [1, 'two', null] },
      });
    });

    it('a refresh lock, where the store has one, is exclusive, released by its holder and expires by itself', async () => {
      if (!store.acquireRefreshLock) {
        // The in-process stores have no lock: FlowManager's single-flight covers one process.
        expect(store.acquireRefreshLock).toBeUndefined();
        return;
      }
      const u = user();
      const lock = await store.acquireRefreshLock('fake', u, 10_000);
      expect(lock).toBeDefined();
      expect(await store.acquireRefreshLock('fake', u, 10_000)).toBeUndefined();
      expect(await store.acquireRefreshLock('other', u, 10_000)).toBeDefined();
      await lock!.release();
      const next = await store.acquireRefreshLock('fake', u, 200);
      expect(next).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const afterExpiry = await store.acquireRefreshLock('fake', u, 10_000);
      expect(afterExpiry).toBeDefined();
      // The expired holder's release must not free the lock its successor holds.
      await next!.release();
      expect(await store.acquireRefreshLock('fake', u, 10_000)).toBeUndefined();
      await afterExpiry!.release();
    });
  });
}
