import { describe, expect, it } from '@jest/globals';
import { TokenEndpointError, TokenRequestError } from '../auth-code-flow.errors.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import type { RefreshLock, TokenStore } from '../interfaces/token-store.interface.js';
import { ReauthorizationRequiredError } from '../reauthorization.errors.js';
import { InMemoryTokenStore } from '../stores/in-memory-token.store.js';
import { sleep } from '../utils/sleep.util.js';
import { REFRESH_BACKOFF_BASE_MS, REFRESH_BACKOFF_MAX_MS, REFRESH_RETRY_AFTER_MAX_MS } from './refresh-failure.js';
import { REFRESH_LOCK_MARGIN_MS, TokenRefresher } from './token-refresh.js';

// The refresh failure lifecycle (issue 14 item 1) of TokenRefresher: the re-authorization marker, the
// back-off, and what waiters of another instance's failed refresh get.

const tokens = (accessToken: string, fields: Partial<TokenSet> = {}): TokenSet => ({
  accessToken,
  tokenType: 'Bearer',
  raw: {},
  ...fields,
});
const expired = (accessToken = 'old', refreshToken = 'rt-old') =>
  tokens(accessToken, { expiresAt: Date.now() - 1000, refreshToken });
const fresh = (accessToken: string) => tokens(accessToken, { expiresAt: Date.now() + 3_600_000, refreshToken: 'rt-2' });
const rejected = (error: string) =>
  new TokenRequestError(error, 'the grant is gone', 400, 'The refresh request was rejected.');

/** A store shared by "instances", with a lock that expires after its TTL, like Redis's; optionally slow. */
class SharedStore extends InMemoryTokenStore implements TokenStore {
  private lockedUntil = 0;
  /** Grants made while an earlier holder had not released yet: two refreshes could overlap. */
  overlaps = 0;
  private holders = 0;
  constructor(
    private readonly delays: { get?: number; set?: number } = {},
    readonly operationTimeoutMs?: number,
  ) {
    super();
  }

  override async get(provider: string, user: string): Promise<TokenSet | undefined> {
    if (this.delays.get) await sleep(this.delays.get);
    return super.get(provider, user);
  }

  override async set(provider: string, user: string, value: TokenSet): Promise<void> {
    if (this.delays.set) await sleep(this.delays.set);
    return super.set(provider, user, value);
  }

  async acquireRefreshLock(_provider: string, _user: string, ttlMs: number): Promise<RefreshLock | undefined> {
    if (Date.now() < this.lockedUntil) return undefined;
    if (this.holders > 0) this.overlaps++;
    this.holders++;
    const until = Date.now() + ttlMs;
    this.lockedUntil = until;
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        this.holders--;
        if (this.lockedUntil === until) this.lockedUntil = 0;
      },
    };
  }
}

function instance(
  tokenStore: TokenStore,
  refresh: (refreshToken: string) => Promise<TokenSet>,
  options: { now?: () => number; httpTimeoutMs?: number } = {},
) {
  const sent: string[] = [];
  const refresher = new TokenRefresher({
    provider: 'p',
    tokenStore,
    httpTimeoutMs: options.httpTimeoutMs ?? 1000,
    refresh: (refreshToken) => {
      sent.push(refreshToken);
      return refresh(refreshToken);
    },
    keep: (user, next) => tokenStore.set('p', user, next),
    ...(options.now ? { now: options.now } : {}),
  });
  return { refresher, sent };
}

describe('a refresh the provider refuses for good', () => {
  it.each(['invalid_grant', 'unauthorized_client', 'invalid_client'])(
    '%s: marks the connection, throws ReauthorizationRequiredError, and sends nothing more',
    async (code) => {
      const store = new InMemoryTokenStore();
      await store.set('p', 'ada', expired());
      const { refresher, sent } = instance(store, async () => {
        throw rejected(code);
      });
      const first = await refresher.getTokens('ada').catch((error: unknown) => error);
      expect(first).toBeInstanceOf(ReauthorizationRequiredError);
      expect(first).toMatchObject({
        code: 'reauthorization_required',
        reason: 'refresh_rejected',
        provider: 'p',
        user: 'ada',
        error: code,
      });
      expect(JSON.stringify(first)).not.toMatch(/rt-old|old"|grant is gone/);
      expect((first as Error).message).not.toMatch(/rt-old|grant is gone/);
      // The dead tokens are gone; the marker holds no token.
      const marker = await store.get('p', 'ada');
      expect(marker).toEqual({
        accessToken: '',
        tokenType: 'Bearer',
        raw: {},
        reauthorization: { reason: 'refresh_rejected', error: code },
      });
      await expect(refresher.getTokens('ada')).rejects.toMatchObject({ reason: 'refresh_rejected', error: code });
      await expect(refresher.refreshNow('ada', expired())).rejects.toBeInstanceOf(ReauthorizationRequiredError);
      expect(sent).toEqual(['rt-old']);
    },
  );

  it('new tokens clear the marker, and a marker without its detail (a store that drops it) still counts', async () => {
    const store = new InMemoryTokenStore();
    await store.set('p', 'ada', tokens('', {}));
    const { refresher, sent } = instance(store, async () => fresh('never'));
    await expect(refresher.getTokens('ada')).rejects.toMatchObject({ reason: 'refresh_rejected' });
    const error = (await refresher.getTokens('ada').catch((caught: unknown) => caught)) as ReauthorizationRequiredError;
    expect(error.error).toBeUndefined();
    await store.set('p', 'ada', fresh('new-flow'));
    await expect(refresher.getTokens('ada')).resolves.toMatchObject({ accessToken: 'new-flow' });
    expect(sent).toEqual([]);
  });

  it('keeps tokens a new flow stored while the refused refresh was under way', async () => {
    const store = new InMemoryTokenStore();
    await store.set('p', 'ada', expired());
    const { refresher } = instance(store, async () => {
      await store.set('p', 'ada', fresh('reconnected'));
      throw rejected('invalid_grant');
    });
    await expect(refresher.getTokens('ada')).rejects.toBeInstanceOf(ReauthorizationRequiredError);
    await expect(refresher.getTokens('ada')).resolves.toMatchObject({ accessToken: 'reconnected' });
  });

  it('other refusals (invalid_request, slow_down) pass through and keep the tokens', async () => {
    const store = new InMemoryTokenStore();
    await store.set('p', 'ada', expired());
    const { refresher, sent } = instance(store, async () => {
      throw rejected('invalid_request');
    });
    await expect(refresher.getTokens('ada')).rejects.toBeInstanceOf(TokenRequestError);
    await expect(refresher.getTokens('ada')).rejects.toBeInstanceOf(TokenRequestError);
    expect((await store.get('p', 'ada'))?.accessToken).toBe('old');
    expect(sent).toHaveLength(2);
  });
});

describe('a transient refresh failure', () => {
  it('keeps the tokens and honours Retry-After: calls meanwhile fail at once, with nothing sent', async () => {
    let clock = 1_000_000;
    const store = new InMemoryTokenStore();
    await store.set('p', 'ada', expired());
    let outage = true;
    const { refresher, sent } = instance(
      store,
      async () => {
        if (outage) throw new TokenEndpointError('http_status', 503, 'down', { retryAfter: 120 });
        return fresh('new');
      },
      { now: () => clock },
    );
    await expect(refresher.getTokens('ada')).rejects.toMatchObject({ failure: 'http_status', status: 503 });
    expect((await store.get('p', 'ada'))?.refreshToken).toBe('rt-old');
    clock += 119_000;
    const held = (await refresher.getTokens('ada').catch((error: unknown) => error)) as TokenEndpointError;
    expect(held).toBeInstanceOf(TokenEndpointError);
    expect(held).toMatchObject({ failure: 'http_status', status: 503, retryAfter: 1 });
    await expect(refresher.refreshNow('ada', expired())).rejects.toBeInstanceOf(TokenEndpointError);
    expect(sent).toEqual(['rt-old']);
    outage = false;
    clock += 1_000;
    await expect(refresher.getTokens('ada')).resolves.toMatchObject({ accessToken: 'new' });
    expect(sent).toEqual(['rt-old', 'rt-old']);
  });

  it('without Retry-After backs off exponentially from the base to the cap; a long Retry-After is capped', async () => {
    let clock = 0;
    const store = new InMemoryTokenStore();
    await store.set('p', 'ada', expired());
    const state: { retryAfter?: number } = {};
    const { refresher, sent } = instance(
      store,
      async () => {
        throw new TokenEndpointError(
          'timeout',
          undefined,
          'slow',
          state.retryAfter === undefined ? {} : { retryAfter: state.retryAfter },
        );
      },
      { now: () => clock },
    );
    const delays: number[] = [];
    for (let failure = 0; failure < 7; failure++) {
      await expect(refresher.getTokens('ada')).rejects.toMatchObject({ failure: 'timeout' });
      const held = (await refresher.getTokens('ada').catch((error: unknown) => error)) as TokenEndpointError;
      delays.push(held.retryAfter! * 1000);
      clock += held.retryAfter! * 1000;
    }
    expect(sent).toHaveLength(7);
    const expected = [1, 2, 4, 8, 16, 30, 30].map((seconds) => seconds * 1000);
    expect(delays).toEqual(expected);
    expect(expected[0]).toBe(REFRESH_BACKOFF_BASE_MS);
    expect(expected.at(-1)).toBe(REFRESH_BACKOFF_MAX_MS);
    state.retryAfter = 86_400;
    await expect(refresher.getTokens('ada')).rejects.toMatchObject({ failure: 'timeout' });
    const held = (await refresher.getTokens('ada').catch((error: unknown) => error)) as TokenEndpointError;
    expect(held.retryAfter! * 1000).toBe(REFRESH_RETRY_AFTER_MAX_MS);
  });

  it('does not hold back tokens a new flow stored', async () => {
    const store = new InMemoryTokenStore();
    await store.set('p', 'ada', expired());
    const { refresher, sent } = instance(store, async (rt) => {
      if (rt === 'rt-old') throw new TokenEndpointError('network', undefined, 'reset');
      return fresh('new');
    });
    await expect(refresher.getTokens('ada')).rejects.toBeInstanceOf(TokenEndpointError);
    await store.set('p', 'ada', expired('reconnected', 'rt-new'));
    await expect(refresher.getTokens('ada')).resolves.toMatchObject({ accessToken: 'new' });
    expect(sent).toEqual(['rt-old', 'rt-new']);
  });
});

describe("across instances: waiters get the holder's outcome", () => {
  /** Instance A takes the lock and refreshes until `settle`; instance B's call waits for it. */
  async function race(outcome: () => TokenSet) {
    const store = new SharedStore();
    await store.set('p', 'ada', expired());
    let settle!: () => void;
    const gate = new Promise<void>((resolve) => (settle = resolve));
    const a = instance(store, async () => {
      await gate;
      return outcome();
    });
    const b = instance(store, async () => fresh('from-b'));
    const first = a.refresher.getTokens('ada');
    await sleep(10);
    const second = b.refresher.getTokens('ada');
    await sleep(3 * 50);
    settle();
    const results = await Promise.allSettled([first, second]);
    return { results, sent: [...a.sent, ...b.sent], store };
  }

  it('a refused refresh: the waiter reads the marker and throws ReauthorizationRequiredError', async () => {
    const { results, sent } = await race(() => {
      throw rejected('invalid_grant');
    });
    expect(sent).toEqual(['rt-old']);
    for (const result of results) {
      expect(result).toMatchObject({ status: 'rejected', reason: { reason: 'refresh_rejected' } });
    }
  });

  it('a transient failure: the waiter fails with TokenEndpointError instead of sending the token again', async () => {
    const { results, sent, store } = await race(() => {
      throw new TokenEndpointError('http_status', 503, 'down');
    });
    expect(sent).toEqual(['rt-old']);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(TokenEndpointError);
    }
    expect((await store.get('p', 'ada'))?.refreshToken).toBe('rt-old');
  });

  it('a success: the waiter returns the holder tokens', async () => {
    const { results, sent } = await race(() => fresh('from-a'));
    expect(sent).toEqual(['rt-old']);
    expect(results.map((result) => (result as PromiseFulfilledResult<TokenSet>).value.accessToken)).toEqual([
      'from-a',
      'from-a',
    ]);
  });

  it('a slow store (get 1.5 s, set 1.9 s) cannot outlast the lock: one refresh, no overlapping holder', async () => {
    // Before, the TTL was httpTimeoutMs + 2 s = 2.1 s, shorter than this holder's 3.4 s under the lock.
    const store = new SharedStore({ get: 1_500, set: 1_900 }, 2_000);
    await store.set('p', 'ada', expired());
    const a = instance(store, async () => fresh('from-a'), { httpTimeoutMs: 100 });
    const b = instance(store, async () => fresh('from-b'), { httpTimeoutMs: 100 });
    expect(a.refresher.lockTtlMs).toBe(2 * 100 + 3 * 2_000 + REFRESH_LOCK_MARGIN_MS);
    const first = a.refresher.getTokens('ada');
    await sleep(1_600);
    const second = b.refresher.getTokens('ada');
    const results = await Promise.all([first, second]);
    expect(results.map((result) => result?.accessToken)).toEqual(['from-a', 'from-a']);
    expect([...a.sent, ...b.sent]).toEqual(['rt-old']);
    expect(store.overlaps).toBe(0);
  }, 20_000);
});
