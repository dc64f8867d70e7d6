import { describe, expect, it } from '@jest/globals';
import { EXPIRY_SKEW_SECONDS } from '../auth-code-flow.constants.js';
import { TokenEndpointError } from '../auth-code-flow.errors.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import type { RefreshLock } from '../interfaces/token-store.interface.js';
import { InMemoryTokenStore } from '../stores/in-memory-token.store.js';
import {
  DEFAULT_STORE_OPERATION_TIMEOUT_MS,
  needsRefresh,
  REFRESH_LOCK_MARGIN_MS,
  refreshedSince,
  replacedSince,
  TokenRefresher,
} from './token-refresh.js';

// The refresh logic against an in-memory store and a fake lock; the Redis lock across instances has e2e tests.

const NOW = 1_000_000_000;
const tokens = (accessToken: string, fields: Partial<TokenSet> = {}): TokenSet => ({
  accessToken,
  tokenType: 'Bearer',
  raw: {},
  ...fields,
});
const expired = (accessToken = 'old', refreshToken = 'rt-old') =>
  tokens(accessToken, { expiresAt: Date.now() - 1000, refreshToken });

/** An in-memory store with a lock it lends once per `acquireRefreshLock`, recording what happens to it. */
class LockingStore extends InMemoryTokenStore {
  readonly acquired: number[] = [];
  released = 0;
  failRelease = false;
  /** Runs inside `acquireRefreshLock`, before the lock is granted. */
  beforeGrant?: () => Promise<void>;

  async acquireRefreshLock(_provider: string, _user: string, ttlMs: number): Promise<RefreshLock> {
    this.acquired.push(ttlMs);
    await this.beforeGrant?.();
    return {
      release: async () => {
        this.released++;
        if (this.failRelease) throw new Error('release failed');
      },
    };
  }
}

function refresherOn(tokenStore: InMemoryTokenStore, refresh: (refreshToken: string) => Promise<TokenSet>) {
  const refreshed: string[] = [];
  const refresher = new TokenRefresher({
    provider: 'p',
    tokenStore,
    httpTimeoutMs: 1000,
    refresh: (refreshToken) => {
      refreshed.push(refreshToken);
      return refresh(refreshToken);
    },
    keep: (user, next) => tokenStore.set('p', user, next),
  });
  return { refresher, refreshed };
}

describe('needsRefresh and refreshedSince', () => {
  it('counts tokens as due from EXPIRY_SKEW_SECONDS before expiresAt, and only with a refresh token', () => {
    const skew = EXPIRY_SKEW_SECONDS * 1000;
    expect(needsRefresh(tokens('a', { expiresAt: NOW + skew, refreshToken: 'rt' }), NOW)).toBe(true);
    expect(needsRefresh(tokens('a', { expiresAt: NOW + skew + 1, refreshToken: 'rt' }), NOW)).toBe(false);
    expect(needsRefresh(tokens('a', { expiresAt: NOW - 1, refreshToken: '' }), NOW)).toBe(false);
    expect(needsRefresh(tokens('a', { expiresAt: NOW - 1 }), NOW)).toBe(false);
    expect(needsRefresh(tokens('a', { refreshToken: 'rt' }), NOW)).toBe(false);
  });

  it('sees a replacement in a new access token, or in the same one no longer due', () => {
    const seen = expired('a');
    expect(refreshedSince(seen, expired('a'))).toBe(false);
    expect(refreshedSince(seen, expired('b'))).toBe(true);
    expect(refreshedSince(seen, { ...seen, expiresAt: Date.now() + 3_600_000 })).toBe(true);
  });

  it('replacedSince sees a new access token only: the same one, fresh or not, is still the one seen', () => {
    const seen = tokens('a', { expiresAt: Date.now() + 3_600_000, refreshToken: 'rt' });
    expect(replacedSince(seen, { ...seen })).toBe(false);
    expect(replacedSince(seen, { ...seen, expiresAt: Date.now() - 1000 })).toBe(false);
    expect(replacedSince(seen, tokens('b'))).toBe(true);
  });
});

describe('TokenRefresher', () => {
  it('shares a refresh per user, not across users', async () => {
    const store = new InMemoryTokenStore();
    await store.set('p', 'ada', expired('ada-old', 'rt-ada'));
    await store.set('p', 'bob', expired('bob-old', 'rt-bob'));
    const { refresher, refreshed } = refresherOn(store, async (rt) =>
      tokens(`new-${rt}`, { expiresAt: Date.now() + 3_600_000 }),
    );
    const results = await Promise.all(['ada', 'bob', 'ada', 'bob'].map((user) => refresher.getTokens(user)));
    expect(refreshed.sort()).toEqual(['rt-ada', 'rt-bob']);
    expect(results.map((result) => result?.accessToken)).toEqual([
      'new-rt-ada',
      'new-rt-bob',
      'new-rt-ada',
      'new-rt-bob',
    ]);
  });

  it('keeps the old refresh token, ID token and claims when the answer has none, and takes new ones', async () => {
    const store = new InMemoryTokenStore();
    const claims = { sub: 'ada' };
    await store.set('p', 'u', { ...expired(), idToken: 'id-old', idTokenClaims: claims });
    let answer = tokens('new');
    const { refresher } = refresherOn(store, async () => answer);
    expect(await refresher.getTokens('u')).toMatchObject({
      accessToken: 'new',
      refreshToken: 'rt-old',
      idToken: 'id-old',
      idTokenClaims: claims,
    });
    await store.set('p', 'u', { ...expired(), idToken: 'id-old', idTokenClaims: claims });
    answer = tokens('newer', { refreshToken: 'rt-new', idToken: 'id-new', idTokenClaims: { sub: 'ada', n: 2 } });
    expect(await refresher.getTokens('u')).toMatchObject({
      refreshToken: 'rt-new',
      idToken: 'id-new',
      idTokenClaims: { sub: 'ada', n: 2 },
    });
  });

  it('takes no lock for tokens that are not due', async () => {
    const store = new LockingStore();
    await store.set('p', 'ada', tokens('fresh', { expiresAt: Date.now() + 3_600_000, refreshToken: 'rt' }));
    const { refresher, refreshed } = refresherOn(store, async () => tokens('never'));
    expect((await refresher.getTokens('ada'))?.accessToken).toBe('fresh');
    expect(await refresher.getTokens('nobody')).toBeUndefined();
    expect(store.acquired).toEqual([]);
    expect(refreshed).toEqual([]);
  });

  it('holds the lock for its whole critical section (two httpTimeoutMs, three store calls, the margin), and releases it after a failed refresh', async () => {
    const store = new LockingStore();
    await store.set('p', 'ada', expired());
    const failure = new TokenEndpointError('network', undefined, 'down');
    const { refresher } = refresherOn(store, async () => {
      throw failure;
    });
    await expect(refresher.getTokens('ada')).rejects.toBe(failure);
    expect(store.acquired).toEqual([2 * 1000 + 3 * DEFAULT_STORE_OPERATION_TIMEOUT_MS + REFRESH_LOCK_MARGIN_MS]);
    expect(store.released).toBe(1);
    expect((await store.get('p', 'ada'))?.accessToken).toBe('old');
  });

  it('returns the refreshed tokens when releasing the lock fails', async () => {
    const store = new LockingStore();
    store.failRelease = true;
    await store.set('p', 'ada', expired());
    const { refresher } = refresherOn(store, async () => tokens('new', { expiresAt: Date.now() + 3_600_000 }));
    await expect(refresher.getTokens('ada')).resolves.toMatchObject({ accessToken: 'new', refreshToken: 'rt-old' });
    expect(store.released).toBe(1);
  });

  it('re-reads the tokens under the lock: tokens another instance refreshed meanwhile are returned, with no refresh', async () => {
    const store = new LockingStore();
    await store.set('p', 'ada', expired());
    store.beforeGrant = () =>
      store.set('p', 'ada', tokens('by-other', { expiresAt: Date.now() + 3_600_000, refreshToken: 'rt-2' }));
    const { refresher, refreshed } = refresherOn(store, async () => tokens('never'));
    await expect(refresher.getTokens('ada')).resolves.toMatchObject({ accessToken: 'by-other' });
    expect(refreshed).toEqual([]);
    expect(store.released).toBe(1);
  });

  describe('refreshNow', () => {
    const fresh = (accessToken: string, refreshToken = 'rt-old') =>
      tokens(accessToken, { expiresAt: Date.now() + 3_600_000, refreshToken });

    it('refreshes tokens that are not due, keeps the old refresh token when none comes back, and stores them', async () => {
      const store = new InMemoryTokenStore();
      const seen = fresh('old');
      await store.set('p', 'ada', seen);
      const { refresher, refreshed } = refresherOn(store, async () => fresh('new', ''));
      const result = await refresher.refreshNow('ada', seen);
      expect(result).toMatchObject({ accessToken: 'new', refreshToken: 'rt-old' });
      expect(refreshed).toEqual(['rt-old']);
      expect(await store.get('p', 'ada')).toEqual(result);
    });

    it('shares one refresh between concurrent callers, and with a getTokens refresh under way', async () => {
      const store = new InMemoryTokenStore();
      const seen = fresh('old');
      await store.set('p', 'ada', seen);
      let finish!: () => void;
      const gate = new Promise<void>((resolve) => (finish = resolve));
      const { refresher, refreshed } = refresherOn(store, async () => {
        await gate;
        return fresh('new');
      });
      const calls = [refresher.refreshNow('ada', seen), refresher.refreshNow('ada', seen), refresher.getTokens('ada')];
      finish();
      const results = await Promise.all(calls);
      expect(refreshed).toEqual(['rt-old']);
      expect(results.map((result) => result?.accessToken)).toEqual(['new', 'new', 'new']);
    });

    it('does not refresh tokens replaced since they were seen: a later caller gets the stored ones', async () => {
      const store = new InMemoryTokenStore();
      const seen = fresh('old');
      await store.set('p', 'ada', fresh('replaced', 'rt-2'));
      const { refresher, refreshed } = refresherOn(store, async () => fresh('never'));
      await expect(refresher.refreshNow('ada', seen)).resolves.toMatchObject({ accessToken: 'replaced' });
      expect(refreshed).toEqual([]);
    });

    it('returns tokens without a refresh token unchanged, and undefined for a user with none', async () => {
      const store = new InMemoryTokenStore();
      const seen = tokens('only-access', { expiresAt: Date.now() + 3_600_000 });
      await store.set('p', 'ada', seen);
      const { refresher, refreshed } = refresherOn(store, async () => fresh('never'));
      await expect(refresher.refreshNow('ada', seen)).resolves.toEqual(seen);
      await expect(refresher.refreshNow('nobody', seen)).resolves.toBeUndefined();
      expect(refreshed).toEqual([]);
    });

    it('takes the cross-instance lock; a waiter returns what the holder stored', async () => {
      const store = new LockingStore();
      const seen = fresh('old');
      await store.set('p', 'ada', seen);
      const { refresher, refreshed } = refresherOn(store, async () => fresh('new'));
      await expect(refresher.refreshNow('ada', seen)).resolves.toMatchObject({ accessToken: 'new' });
      expect(store.acquired).toEqual([2 * 1000 + 3 * DEFAULT_STORE_OPERATION_TIMEOUT_MS + REFRESH_LOCK_MARGIN_MS]);
      expect(store.released).toBe(1);
      expect(refreshed).toEqual(['rt-old']);
    });
  });
});

describe('tokens DPoP-bound to a key the manager does not hold', () => {
  it('are returned untouched by getTokens and refreshNow, expired or not, and never refreshed', async () => {
    const store = new InMemoryTokenStore();
    const bound = tokens('bound', {
      tokenType: 'DPoP',
      dpopJkt: 'other-key',
      expiresAt: Date.now() - 1000,
      refreshToken: 'rt',
    });
    await store.set('p', 'ada', bound);
    const refreshed: string[] = [];
    const asked: TokenSet[] = [];
    const refresher = new TokenRefresher({
      provider: 'p',
      tokenStore: store,
      httpTimeoutMs: 1000,
      refresh: async (refreshToken) => {
        refreshed.push(refreshToken);
        return tokens('new');
      },
      keep: (user, next) => store.set('p', user, next),
      boundToAnotherKey: async (candidate) => {
        asked.push(candidate);
        return candidate.dpopJkt === 'other-key';
      },
    });
    await expect(refresher.getTokens('ada')).resolves.toEqual(bound);
    await expect(refresher.refreshNow('ada', bound)).resolves.toEqual(bound);
    expect(refreshed).toEqual([]);
    expect(asked).toHaveLength(2);

    // Tokens of the manager's own key are refreshed as any others.
    await store.set('p', 'ada', { ...bound, dpopJkt: 'own-key' });
    await expect(refresher.getTokens('ada')).resolves.toMatchObject({ accessToken: 'new' });
    expect(refreshed).toEqual(['rt']);
  });
});
