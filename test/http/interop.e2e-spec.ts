// The built-in routes against a real authorization server: oidc-provider 9 in a forked process, requiring
// PKCE (S256) from confidential clients too, sending RFC 9207 `iss`, and refusing replayed codes.
// Browser steps (login, consent) are played over HTTP by the fixture; the app is called as the browser would.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { TOKEN_STORE, type TokenStore } from '../../lib/index.js';
import { cookiesFrom, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import {
  CookieJar,
  startLocalAuthorizationServer,
  type LocalAuthorizationServer,
} from '../support/local-authorization-server.js';

const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/local/callback';
const SECRET = 'interop secret: + & % /';

describe.each(PLATFORMS)('built-in routes on %s against oidc-provider', (platform) => {
  let server: LocalAuthorizationServer;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    server = await startLocalAuthorizationServer({
      clients: [
        {
          client_id: 'routes-client',
          client_secret: SECRET,
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
          scope: 'openid profile',
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
    });
  });
  afterAll(() => server.close());
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  async function start(stateTtlSeconds?: number) {
    running = await startHttpApp(platform, {
      providers: {
        local: {
          baseUri: server.issuer,
          authorizationPath: '/auth',
          accessTokenPath: '/token',
          jwksPath: '/jwks',
          clientId: 'routes-client',
          clientSecret: SECRET,
          clientAuthMethod: 'client_secret_basic',
          redirectUri: REDIRECT_URI,
          scope: ['openid', 'profile'],
          issuer: server.issuer,
          requireIssuerParameter: true,
        },
      },
      stateTtlSeconds,
    });
  }

  const get = (path: string, headers: Record<string, string>) =>
    fetch(`${running!.url}${path}`, { redirect: 'manual', headers });
  const tokenPosts = async () => (await server.countRequests())['POST /token'] ?? 0;

  /** authorize at the app as `user`, then sign in and answer consent at oidc-provider. */
  async function authorize(user: string, consent: 'allow' | 'deny' = 'allow') {
    const response = await get('/oauth/local/authorize?returnTo=%2Fdone', { 'x-user': user });
    expect(response.status).toBe(302);
    const callbackUrl = await server.login(response.headers.get('location')!, {
      username: user,
      consent,
      jar: new CookieJar(),
    });
    expect(`${callbackUrl.origin}${callbackUrl.pathname}`).toBe(REDIRECT_URI);
    return { query: callbackUrl.searchParams, cookie: cookiesFrom(response) };
  }
  const callback = (query: URLSearchParams, headers: Record<string, string>) =>
    get(`/oauth/local/callback?${query}`, headers);

  it('completes the flow: tokens stored, 302 to returnTo', async () => {
    await start();
    const { query, cookie } = await authorize('ada');
    expect(query.get('iss')).toBe(server.issuer);
    const response = await callback(query, { 'x-user': 'ada', cookie });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/done');
    const tokens = await running!.app.get<TokenStore>(TOKEN_STORE).get('local', 'ada');
    expect(tokens).toMatchObject({
      tokenType: 'Bearer',
      refreshToken: expect.any(String),
      idToken: expect.any(String),
    });
    // The access token works at the server's userinfo endpoint.
    const me = await fetch(`${server.issuer}/me`, { headers: { Authorization: `Bearer ${tokens!.accessToken}` } });
    expect(await me.json()).toMatchObject({ sub: 'ada' });
  });

  it("answers the user's Deny (access_denied) with 403 and no token request", async () => {
    await start();
    const before = await tokenPosts();
    const { query, cookie } = await authorize('ada', 'deny');
    expect(query.get('error')).toBe('access_denied');
    const response = await callback(query, { 'x-user': 'ada', cookie });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'access_denied' });
    expect(await tokenPosts()).toBe(before);
  });

  it('gives one success for the same callback twice, and one token request', async () => {
    await start();
    const { query, cookie } = await authorize('ada');
    const before = await tokenPosts();
    const [first, second] = await Promise.all([
      callback(query, { 'x-user': 'ada', cookie }),
      callback(query, { 'x-user': 'ada', cookie }),
    ]);
    expect([first.status, second.status].sort()).toEqual([302, 400]);
    expect(await tokenPosts()).toBe(before + 1);
  });

  it('rejects the callback in another browser (no cookie), with no token request', async () => {
    const origin = new URL(REDIRECT_URI).origin;
    await start();
    const { query } = await authorize('ada');
    const before = await tokenPosts();
    const response = await callback(query, { 'x-user': 'ada' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'invalid_state',
      message: `The browser sent no binding cookie for this flow; start the flow on ${origin}, the redirect URI's origin.`,
    });
    expect(await tokenPosts()).toBe(before);
  });

  it("rejects another user's state, with no token request", async () => {
    await start();
    const { query, cookie } = await authorize('ada');
    const before = await tokenPosts();
    const response = await callback(query, { 'x-user': 'mallory', cookie });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'invalid_state',
      message: 'The state was issued for another user.',
    });
    expect(await tokenPosts()).toBe(before);
  });

  it('rejects an expired state, with no token request', async () => {
    await start(1);
    const { query, cookie } = await authorize('ada');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const before = await tokenPosts();
    const response = await callback(query, { 'x-user': 'ada', cookie });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'invalid_state',
      message: 'The state is unknown, expired or already used.',
    });
    expect(await tokenPosts()).toBe(before);
  });
});
