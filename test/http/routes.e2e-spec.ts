import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  StoreUnavailableError,
  TOKEN_STORE,
  type AuthCodeFlowModuleOptions,
  type StateStore,
  type TokensEvent,
  type TokenStore,
} from '../../lib/index.js';
import { of } from 'rxjs';
import { FakeProvider, json } from '../support/fake-provider.js';
import { cookiesFrom, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { CLIENT_SECRET, fakeClientOptions } from '../support/testing-module.js';

describe.each(PLATFORMS)('built-in routes on %s', (platform) => {
  let provider: FakeProvider;
  let running: RunningApp | undefined;
  const events: TokensEvent[] = [];

  beforeAll(async () => {
    provider = await FakeProvider.start();
  });
  afterAll(() => provider.close());
  afterEach(async () => {
    await running?.close();
    running = undefined;
    provider.reset();
    events.length = 0;
  });

  async function start(options: Partial<AuthCodeFlowModuleOptions> = {}): Promise<RunningApp> {
    running = await startHttpApp(platform, {
      providers: { fake: fakeClientOptions(provider, 'fake'), other: fakeClientOptions(provider, 'other') },
      onTokens: (event) => void events.push(event),
      ...options,
    });
    return running;
  }

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${running!.url}${path}`, { redirect: 'manual', headers });
  const tokenRequests = () => provider.requestsTo('/oauth/token').length;

  /** authorize as `user`, then the provider's consent; returns the callback query and the browser's cookie. */
  async function startFlow(user: string | null = 'ada', query = '', providerName = 'fake', cookie = '') {
    const headers: Record<string, string> = {};
    if (user) headers['x-user'] = user;
    if (cookie) headers.cookie = cookie;
    const response = await get(`/oauth/${providerName}/authorize${query}`, headers);
    expect(response.status).toBe(302);
    const callback = await provider.authorize(response.headers.get('location')!);
    return { callback, cookie: cookiesFrom(response) || cookie, response };
  }

  const callbackPath = (query: URLSearchParams | string, providerName = 'fake') =>
    `/oauth/${providerName}/callback?${query.toString()}`;

  it('runs the whole flow: 302 to the provider, callback, tokens stored, 302 to returnTo', async () => {
    await start();
    const { callback, cookie, response } = await startFlow('ada', '?returnTo=%2Fsettings%3Ftab%3Dapps');
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`${provider.url}/oauth/authorize`);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'fake-client',
      redirect_uri: 'http://127.0.0.1:3000/oauth/fake/callback',
      scope: 'read write',
      code_challenge_method: 'S256',
    });
    expect(location.searchParams.get('returnTo')).toBeNull();
    const setCookie = response.headers.getSetCookie()[0]!;
    expect(setCookie).toMatch(
      /^acf-oauth=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax$/,
    );

    const done = await get(callbackPath(callback), { 'x-user': 'ada', cookie });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/settings?tab=apps');
    expect(done.headers.get('cache-control')).toBe('no-store');
    expect(done.headers.get('referrer-policy')).toBe('no-referrer');
    // The flow's binding value is spent, and it was the only one: the cookie goes.
    expect(done.headers.getSetCookie()).toEqual(['acf-oauth=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax']);
    const stored = await running!.app.get<TokenStore>(TOKEN_STORE).get('fake', 'ada');
    expect(stored?.accessToken).toMatch(/^access-/);
    expect(events).toEqual([expect.objectContaining({ provider: 'fake', user: 'ada' })]);
    expect(await done.text()).not.toContain(stored!.accessToken);
  });

  it('redirects to successRedirect without returnTo, and ignores an open-redirect returnTo', async () => {
    await start({ routes: { successRedirect: '/connected' } });
    for (const returnTo of [
      '',
      '?returnTo=%2F%2Fevil.example',
      '?returnTo=https%3A%2F%2Fevil.example%2F',
      '?returnTo=%2F%5Cevil.example',
    ]) {
      const { callback, cookie } = await startFlow('ada', returnTo);
      const done = await get(callbackPath(callback), { 'x-user': 'ada', cookie });
      expect(done.headers.get('location')).toBe('/connected');
    }
  });

  it('sends a returnTo with spaces and non-ASCII characters back percent-encoded, in a 302 without a body', async () => {
    await start();
    const { callback, cookie, response } = await startFlow(
      'ada',
      `?returnTo=${encodeURIComponent('/connexions réussies?q=€ 1')}`,
    );
    expect(await response.text()).toBe('');
    const done = await get(callbackPath(callback), { 'x-user': 'ada', cookie });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/connexions%20r%C3%A9ussies?q=%E2%82%AC%201');
    expect(await done.text()).toBe('');
  });

  it('answers 401 without a user, and serves anonymous flows with allowAnonymous', async () => {
    await start();
    const response = await get('/oauth/fake/authorize');
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      statusCode: 401,
      error: 'unauthorized',
      message: 'Sign in before connecting an OAuth provider.',
    });
    expect((await get('/oauth/fake/callback?code=c&state=s')).status).toBe(401);
    await running!.close();

    await start({ routes: { allowAnonymous: true } });
    const { callback, cookie } = await startFlow(null);
    const done = await get(callbackPath(callback), { cookie });
    expect(done.status).toBe(302);
  });

  it('answers 404 for a provider that is not configured', async () => {
    await start();
    const response = await get('/oauth/bitbucket/authorize', { 'x-user': 'ada' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ statusCode: 404, error: 'unknown_provider' });
  });

  it('rejects a callback from another browser (no cookie, or another cookie) with no token request', async () => {
    await start();
    const { callback } = await startFlow('ada');
    const noCookie = await get(callbackPath(callback), { 'x-user': 'ada' });
    expect(noCookie.status).toBe(400);
    // Item 11: no cookie at all names where the flow must start (the redirect URI's origin, from configuration).
    expect(await noCookie.json()).toEqual({
      statusCode: 400,
      error: 'invalid_state',
      message:
        "The browser sent no binding cookie for this flow; start the flow on http://127.0.0.1:3000, the redirect URI's origin.",
    });
    expect(noCookie.headers.get('cache-control')).toBe('no-store');

    const mine = await startFlow('ada');
    const theirs = await startFlow('ada', '', 'fake', '');
    const wrongCookie = await get(callbackPath(mine.callback), { 'x-user': 'ada', cookie: theirs.cookie });
    expect(wrongCookie.status).toBe(400);
    expect(await wrongCookie.json()).toMatchObject({
      error: 'invalid_state',
      message: 'The state was issued to another browser.',
    });
    // Nothing of the other browser's cookie was spent.
    expect(wrongCookie.headers.getSetCookie()).toEqual([]);
    expect(tokenRequests()).toBe(0);
  });

  it("rejects another user's state, and a replay, with no extra token request", async () => {
    await start();
    const { callback, cookie } = await startFlow('ada');
    expect((await get(callbackPath(callback), { 'x-user': 'mallory', cookie })).status).toBe(400);
    const second = await startFlow('ada', '', 'fake', cookie);
    expect((await get(callbackPath(second.callback), { 'x-user': 'ada', cookie: second.cookie })).status).toBe(302);
    const replay = await get(callbackPath(second.callback), { 'x-user': 'ada', cookie: second.cookie });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_state' });
    expect(tokenRequests()).toBe(1);
  });

  it("does not redeem one provider's state on another provider's callback", async () => {
    await start();
    const { callback, cookie } = await startFlow('ada');
    const response = await get(callbackPath(callback, 'other'), { 'x-user': 'ada', cookie });
    expect(response.status).toBe(400);
    expect(tokenRequests()).toBe(0);
  });

  it('serves several tabs of one browser at once', async () => {
    await start();
    const first = await startFlow('ada');
    const second = await startFlow('ada', '', 'fake', first.cookie);
    // The same browser id, the first flow's value kept, a value minted for the second.
    expect(second.cookie).toMatch(new RegExp(`^${first.cookie.replace(/[.]/g, '\\.')}\\.[A-Za-z0-9_-]{43}$`));
    expect((await get(callbackPath(second.callback), { 'x-user': 'ada', cookie: second.cookie })).status).toBe(302);
    expect((await get(callbackPath(first.callback), { 'x-user': 'ada', cookie: second.cookie })).status).toBe(302);
  });

  it("turns the provider's access_denied into 403 JSON without reflecting its text", async () => {
    await start();
    const { callback, cookie } = await startFlow('ada');
    const denied = new URLSearchParams({
      state: callback.get('state')!,
      error: 'access_denied',
      error_description: '<script>alert(1)</script>',
    });
    const response = await get(callbackPath(denied), { 'x-user': 'ada', cookie });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      statusCode: 403,
      error: 'access_denied',
      message: 'The provider answered the authorization request with "access_denied".',
    });
    expect(text).not.toContain('<script>');
  });

  it('redirects failures to failureRedirect?error=<code> when configured', async () => {
    await start({ routes: { failureRedirect: '/login?from=oauth' } });
    const { callback, cookie } = await startFlow('ada');
    const denied = new URLSearchParams({ state: callback.get('state')!, error: 'access_denied' });
    const response = await get(callbackPath(denied), { 'x-user': 'ada', cookie });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/login?from=oauth&error=access_denied');
    const unknownState = await get(callbackPath('code=c&state=unknown'), { 'x-user': 'ada', cookie });
    expect(unknownState.headers.get('location')).toBe('/login?from=oauth&error=invalid_state');
  });

  it.each([
    ['a repeated state', 'code=c&state=a&state=b'],
    ['both code and error', 'code=c&error=access_denied&state=s'],
    ['no state', 'code=c'],
    ['an absurdly long code', `state=s&code=${'c'.repeat(5000)}`],
  ])('answers 400 to %s before any lookup', async (_name, query) => {
    await start();
    const response = await get(callbackPath(query), { 'x-user': 'ada' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, error: 'invalid_callback' });
    expect(tokenRequests()).toBe(0);
  });

  it.each([
    [
      'invalid_grant',
      (res: import('node:http').ServerResponse) => json(res, 400, { error: 'invalid_grant' }),
      502,
      'token_request_error',
    ],
    [
      'a 500',
      (res: import('node:http').ServerResponse) => res.writeHead(500).end('<h1>down</h1>'),
      502,
      'token_endpoint_error',
    ],
    ['a hang', () => undefined, 504, 'token_endpoint_error'],
  ])(
    'answers a token endpoint failure (%s) with 502/504, stores nothing and leaks nothing',
    async (_name, reply, status, error) => {
      provider.on('POST', '/oauth/token', (_request, res) => reply(res));
      await start({ httpTimeoutMs: 300 });
      const { callback, cookie } = await startFlow('ada');
      const response = await get(callbackPath(callback), { 'x-user': 'ada', cookie });
      expect(response.status).toBe(status);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ statusCode: status, error });
      for (const secret of [
        CLIENT_SECRET,
        callback.get('code')!,
        provider.requestsTo('/oauth/token')[0]!.params.code_verifier!,
      ]) {
        expect(text).not.toContain(secret);
      }
      expect(await running!.app.get<TokenStore>(TOKEN_STORE).get('fake', 'ada')).toBeUndefined();
      expect(events).toEqual([]);
    },
  );

  it('answers 503 at authorize, with no redirect, when the state store is down', async () => {
    const downStore: StateStore = {
      save: async () => {
        throw new StoreUnavailableError('The state store did not answer within 500 ms.');
      },
      peek: async () => undefined,
      consume: async () => {
        throw new StoreUnavailableError('The state store did not answer within 500 ms.');
      },
    };
    await start({ stateStore: downStore });
    const response = await get('/oauth/fake/authorize', { 'x-user': 'ada' });
    expect(response.status).toBe(503);
    expect(response.headers.get('location')).toBeNull();
    // The store's own message (which names the store and what it did) stays on the error, off the wire.
    expect(await response.json()).toEqual({
      statusCode: 503,
      error: 'store_unavailable',
      message: 'The service is temporarily unavailable; try again in a moment.',
    });
    expect((await get('/oauth/fake/callback?code=c&state=s', { 'x-user': 'ada' })).status).toBe(503);
  });

  it('mounts the routes under routes.path, or not at all with routes: false', async () => {
    await start({ routes: { path: 'auth/v1', guards: [] }, resolveUser: () => 'ada' });
    expect((await get('/auth/v1/fake/authorize')).status).toBe(302);
    expect((await get('/oauth/fake/authorize')).status).toBe(404);
    await running!.close();
    await start({ routes: false, resolveUser: () => 'ada' });
    expect((await get('/oauth/fake/authorize')).status).toBe(404);
  });

  it("runs the app's guards before its own", async () => {
    const order: string[] = [];
    await start({
      routes: { guards: [{ canActivate: () => (order.push('app'), false) }] },
      resolveUser: () => (order.push('resolveUser'), 'ada'),
    });
    const response = await get('/oauth/fake/authorize');
    expect(response.status).toBe(403);
    expect(order).toEqual(['app']);
  });

  it('takes the user from a synchronous or an asynchronous resolveUser, after app guards that may answer in any form', async () => {
    const fromHeader = (request: { headers: Record<string, string | undefined> }) => request.headers['x-user'];
    const resolvers = [
      fromHeader,
      async (request: { headers: Record<string, string | undefined> }) => fromHeader(request),
    ];
    const guards = [
      [],
      [{ canActivate: () => true }, { canActivate: async () => true }, { canActivate: () => of(true) }],
    ];
    for (const resolveUser of resolvers) {
      for (const appGuards of guards) {
        await start({ resolveUser, routes: { guards: appGuards } });
        expect((await get('/oauth/fake/authorize')).status).toBe(401);
        const { callback, cookie } = await startFlow('grace');
        expect((await get(callbackPath(callback), { cookie, 'x-user': 'grace' })).status).toBe(302);
        expect(events.at(-1)).toMatchObject({ provider: 'fake', user: 'grace' });
        await running!.close();
        running = undefined;
      }
    }
    // The app's own resolveUser failing is the app's error: Nest's generic 500, with nothing of the error in it.
    await start({ resolveUser: () => Promise.reject(new Error('session store down')) });
    const failed = await get('/oauth/fake/authorize', { 'x-user': 'grace' });
    expect(failed.status).toBe(500);
    expect(await failed.text()).not.toContain('session store down');
  });

  it('sets a Secure, __Host- prefixed cookie with Path=/ and no Domain when the redirect URI is https', async () => {
    await start({
      providers: {
        fake: fakeClientOptions(provider, 'fake', { redirectUri: 'https://app.example/connect/fake/callback' }),
      },
    });
    const response = await get('/oauth/fake/authorize', { 'x-user': 'ada' });
    expect(response.headers.getSetCookie()).toHaveLength(1);
    expect(response.headers.getSetCookie()[0]).toMatch(
      /^__Host-acf-oauth=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
    );
  });
});
