import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { FlowManagerRegistry, InvalidStateError, type FlowManager } from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';

describe('state handling', () => {
  let provider: FakeProvider;
  let moduleRef: TestingModule;
  let github: FlowManager;
  let gitlab: FlowManager;

  beforeAll(async () => {
    provider = await FakeProvider.start();
  });
  afterAll(() => provider.close());

  async function compile(stateTtlSeconds?: number) {
    moduleRef = await compileWith({
      providers: { github: fakeClientOptions(provider, 'github'), gitlab: fakeClientOptions(provider, 'gitlab') },
      stateTtlSeconds,
    });
    const registry = moduleRef.get(FlowManagerRegistry);
    github = registry.get('github');
    gitlab = registry.get('gitlab');
  }
  afterEach(async () => {
    jest.useRealTimers();
    await moduleRef?.close();
    provider.reset();
  });

  const tokenRequests = () => provider.requestsTo('/oauth/token').length;

  it('makes 32-byte base64url states from a CSPRNG', async () => {
    await compile();
    const states = new Set(Array.from({ length: 1000 }, () => github.makeState()));
    expect(states.size).toBe(1000);
    for (const state of states) expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('keeps returnTo and the verifier server-side: the state carries nothing readable', async () => {
    await compile();
    const { url, state } = await github.createAuthorizationUrl('ada', { returnTo: '/secret/place' });
    expect(Buffer.from(state, 'base64url').toString('latin1')).not.toContain('/secret');
    expect(url).not.toContain('secret%2Fplace');
    expect(url).not.toContain('/secret/place');
  });

  it('rejects a replayed callback with InvalidStateError and no second token request', async () => {
    await compile();
    const { url } = await github.createAuthorizationUrl('ada');
    const callback = await provider.authorize(url);
    await github.handleCallback('ada', callback);
    await expect(github.handleCallback('ada', callback)).rejects.toMatchObject({ reason: 'unknown_or_expired' });
    expect(tokenRequests()).toBe(1);
  });

  it('rejects an expired state with no token request', async () => {
    jest.useFakeTimers({
      now: Date.now(),
      doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'queueMicrotask'],
    });
    await compile(60);
    const { url } = await github.createAuthorizationUrl('ada');
    const callback = await provider.authorize(url);
    jest.setSystemTime(Date.now() + 61_000);
    await expect(github.handleCallback('ada', callback)).rejects.toBeInstanceOf(InvalidStateError);
    expect(tokenRequests()).toBe(0);
  });

  it("rejects another user's state, and burns it", async () => {
    await compile();
    const { url } = await github.createAuthorizationUrl('ada');
    const callback = await provider.authorize(url);
    await expect(github.handleCallback('mallory', callback)).rejects.toMatchObject({
      reason: 'wrong_user',
      code: 'invalid_state',
    });
    await expect(github.handleCallback('ada', callback)).rejects.toMatchObject({ reason: 'unknown_or_expired' });
    expect(tokenRequests()).toBe(0);
  });

  it("rejects an anonymous flow's state for a signed-in user, and the reverse", async () => {
    await compile();
    const anonymous = await provider.authorize((await github.createAuthorizationUrl(undefined)).url);
    await expect(github.handleCallback('ada', anonymous)).rejects.toMatchObject({ reason: 'wrong_user' });
    const signedIn = await provider.authorize((await github.createAuthorizationUrl('ada')).url);
    await expect(github.handleCallback(undefined, signedIn)).rejects.toMatchObject({ reason: 'wrong_user' });
    expect(tokenRequests()).toBe(0);
  });

  it("redeems a provider's state only on that provider's callback", async () => {
    await compile();
    const callback = await provider.authorize((await github.createAuthorizationUrl('ada')).url);
    await expect(gitlab.handleCallback('ada', callback)).rejects.toMatchObject({ reason: 'wrong_provider' });
    expect(tokenRequests()).toBe(0);
  });

  it('rejects an unknown or missing state with no token request', async () => {
    await compile();
    await expect(github.handleCallback('ada', { code: 'c', state: 'made-up' })).rejects.toMatchObject({
      reason: 'unknown_or_expired',
    });
    await expect(github.handleCallback('ada', { code: 'c' })).rejects.toMatchObject({ reason: 'missing_parameter' });
    await expect(github.fetchAccessToken('ada', 'c', 'made-up')).rejects.toBeInstanceOf(InvalidStateError);
    await expect(github.fetchAccessToken('ada', 'c', '')).rejects.toBeInstanceOf(InvalidStateError);
    expect(tokenRequests()).toBe(0);
  });

  it('checks a state without consuming it, for its user and provider only', async () => {
    await compile();
    const state = github.makeState();
    await github.storeUserState('ada', state);
    expect(await github.checkUserState('ada', state)).toBe(true);
    expect(await github.checkUserState('ada', state)).toBe(true);
    expect(await github.checkUserState('mallory', state)).toBe(false);
    expect(await gitlab.checkUserState('ada', state)).toBe(false);
    expect(await github.checkUserState('ada', 'other')).toBe(false);
    await expect(gitlab.getAuthorizationEndpoint(state)).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('serves several tabs of one user at once', async () => {
    await compile();
    const tabs = await Promise.all([1, 2, 3].map(() => github.createAuthorizationUrl('ada')));
    const callbacks = await Promise.all(tabs.map(({ url }) => provider.authorize(url)));
    const results = await Promise.all(callbacks.reverse().map((callback) => github.handleCallback('ada', callback)));
    expect(new Set(results.map(({ tokens }) => tokens.accessToken)).size).toBe(3);
  });

  it('gives exactly one success for 20 identical concurrent callbacks', async () => {
    await compile();
    const callback = await provider.authorize((await github.createAuthorizationUrl('ada')).url);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => github.handleCallback('ada', callback)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(tokenRequests()).toBe(1);
  });

  it('binds a flow to the browser that started it', async () => {
    await compile();
    const { url } = await github.createAuthorizationUrl('ada', { browserBinding: 'cookie-value-1' });
    const callback = await provider.authorize(url);
    await expect(github.handleCallback('ada', callback)).rejects.toMatchObject({ reason: 'wrong_browser' });
    const second = await provider.authorize(
      (await github.createAuthorizationUrl('ada', { browserBinding: 'cookie-value-1' })).url,
    );
    await expect(github.handleCallback('ada', second, { browserBinding: 'cookie-value-2' })).rejects.toMatchObject({
      reason: 'wrong_browser',
    });
    const third = await provider.authorize(
      (await github.createAuthorizationUrl('ada', { browserBinding: 'cookie-value-1' })).url,
    );
    await expect(github.handleCallback('ada', third, { browserBinding: 'cookie-value-1' })).resolves.toHaveProperty(
      'tokens',
    );
    expect(tokenRequests()).toBe(1);
  });

  it('refuses through fetchAccessToken a state started with a browser binding: wrong_browser, state spent, no token request', async () => {
    await compile();
    const { url, state } = await github.createAuthorizationUrl('ada', { browserBinding: 'cookie-value-1' });
    const code = (await provider.authorize(url)).get('code')!;
    await expect(github.fetchAccessToken('ada', code, state)).rejects.toMatchObject({
      code: 'invalid_state',
      reason: 'wrong_browser',
      message: expect.stringContaining('fetchAccessToken cannot check'),
    });
    await expect(github.fetchAccessToken('ada', code, state)).rejects.toMatchObject({ reason: 'unknown_or_expired' });
    expect(tokenRequests()).toBe(0);
    // A state of the seed's own flow has no binding and is redeemed as before.
    const seedState = github.makeState();
    await github.storeUserState('ada', seedState);
    const seedCode = (await provider.authorize(await github.getAuthorizationEndpoint(seedState))).get('code')!;
    await expect(github.fetchAccessToken('ada', seedCode, seedState)).resolves.toHaveProperty('accessToken');
    expect(tokenRequests()).toBe(1);
  });

  it('accepts any of the presented binding values, and reports the spent one once the state is consumed', async () => {
    await compile();
    const spent: Array<string | undefined> = [];
    const onStateConsumed = (value: string | undefined) => void spent.push(value);
    const start = async (binding: string, user = 'ada') =>
      provider.authorize((await github.createAuthorizationUrl(user, { browserBinding: binding })).url);

    const callback = await start('tab-2');
    const tabs = ['tab-1', 'tab-2', 'tab-3'];
    await expect(
      github.handleCallback('ada', callback, { browserBinding: tabs, onStateConsumed }),
    ).resolves.toHaveProperty('tokens');
    expect(spent).toEqual(['tab-2']);
    // Spent too when a later check fails: another user, or the provider's error.
    const otherUser = github.handleCallback('mallory', await start('tab-4'), {
      browserBinding: ['tab-4'],
      onStateConsumed,
    });
    await expect(otherUser).rejects.toMatchObject({ reason: 'wrong_user' });
    const denied = { state: (await start('tab-5')).get('state')!, error: 'access_denied' };
    const refused = github.handleCallback('ada', denied, { browserBinding: ['tab-5'], onStateConsumed });
    await expect(refused).rejects.toMatchObject({ code: 'authorization_error' });
    expect(spent).toEqual(['tab-2', 'tab-4', 'tab-5']);
    // No match is reported as such; an unknown state consumed nothing and reports nothing.
    const otherBrowser = github.handleCallback('ada', await start('tab-6'), {
      browserBinding: ['tab-1', 'tab-7'],
      onStateConsumed,
    });
    await expect(otherBrowser).rejects.toMatchObject({
      reason: 'wrong_browser',
      message: 'The state was issued to another browser.',
    });
    const unknown = github.handleCallback(
      'ada',
      { state: 'unknown', code: 'c' },
      { browserBinding: ['tab-1'], onStateConsumed },
    );
    await expect(unknown).rejects.toMatchObject({ reason: 'unknown_or_expired' });
    expect(spent).toEqual(['tab-2', 'tab-4', 'tab-5', undefined]);
    expect(tokenRequests()).toBe(1);
  });

  it('looks at the newest ten presented values only', async () => {
    await compile();
    const values = Array.from({ length: 11 }, (_, i) => `tab-${i}`);
    const oldest = await provider.authorize(
      (await github.createAuthorizationUrl('ada', { browserBinding: 'tab-0' })).url,
    );
    await expect(github.handleCallback('ada', oldest, { browserBinding: values })).rejects.toMatchObject({
      reason: 'wrong_browser',
    });
    const second = await provider.authorize(
      (await github.createAuthorizationUrl('ada', { browserBinding: 'tab-1' })).url,
    );
    await expect(github.handleCallback('ada', second, { browserBinding: values })).resolves.toHaveProperty('tokens');
  });

  it("says, when no binding was presented at all, that the flow must start on the redirect URI's origin", async () => {
    await compile();
    const bound = async () =>
      provider.authorize((await github.createAuthorizationUrl('ada', { browserBinding: 'cookie-value-1' })).url);
    const missing =
      "The browser sent no binding cookie for this flow; start the flow on http://127.0.0.1:3000, the redirect URI's origin.";
    await expect(github.handleCallback('ada', await bound())).rejects.toMatchObject({
      reason: 'wrong_browser',
      message: missing,
    });
    await expect(github.handleCallback('ada', await bound(), { browserBinding: [] })).rejects.toMatchObject({
      reason: 'wrong_browser',
      message: 'The state was issued to another browser.',
    });
    expect(tokenRequests()).toBe(0);
  });

  it('checks iss (RFC 9207) after consuming the state, and turns error= into AuthorizationError', async () => {
    moduleRef = await compileWith({
      providers: {
        oidc: fakeClientOptions(provider, 'oidc', { issuer: 'https://issuer.example', requireIssuerParameter: true }),
      },
    });
    const oidc = moduleRef.get(FlowManagerRegistry).get('oidc');
    const withIss = async (iss?: string) => {
      const callback = await provider.authorize((await oidc.createAuthorizationUrl('ada')).url);
      if (iss !== undefined) callback.set('iss', iss);
      return callback;
    };
    await expect(oidc.handleCallback('ada', await withIss('https://evil.example'))).rejects.toMatchObject({
      reason: 'issuer_mismatch',
    });
    await expect(oidc.handleCallback('ada', await withIss())).rejects.toMatchObject({ reason: 'issuer_missing' });
    const { state } = await oidc.createAuthorizationUrl('ada');
    await expect(
      oidc.handleCallback('ada', {
        state,
        error: 'access_denied',
        error_description: '<b>no</b>',
        iss: 'https://issuer.example',
      }),
    ).rejects.toMatchObject({
      code: 'authorization_error',
      error: 'access_denied',
      errorDescription: '<b>no</b>',
    });
    await expect(oidc.handleCallback('ada', await withIss('https://issuer.example'))).resolves.toHaveProperty('tokens');
    expect(tokenRequests()).toBe(1);
  });

  it('refuses authorization parameters that would override the protocol ones', async () => {
    await compile();
    await expect(
      github.createAuthorizationUrl('ada', { params: { redirect_uri: 'https://evil.example' } }),
    ).rejects.toThrow(
      'The authorization parameter "redirect_uri" is set by the flow manager and cannot be overridden.',
    );
    const { url } = await github.createAuthorizationUrl('ada', { params: { login_hint: 'ada', scope: 'read' } });
    expect(new URL(url).searchParams.get('login_hint')).toBe('ada');
    expect(new URL(url).searchParams.getAll('scope')).toEqual(['read']);
  });
});
