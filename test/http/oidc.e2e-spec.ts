// OpenID Connect through the built-in routes, against a real OpenID Provider: oidc-provider 9 in a forked
// process (one for the file), on Express and on Fastify. The providers are configured by their issuer alone;
// the browser's steps at the server (login, consent) are played over HTTP by the fixture.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TOKEN_STORE, type FlowManagerOptions, type TokenStore } from '../../lib/index.js';
import { cookiesFrom, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { startLocalAuthorizationServer, type LocalAuthorizationServer } from '../support/local-authorization-server.js';

const CALLBACK = 'http://127.0.0.1:3000/oauth';
const CLIENT_ID = 'routes-oidc-client';
const SECRET = 'routes oidc secret: + & % /';
const NONCE = /^[A-Za-z0-9_-]{43}$/;

let server: LocalAuthorizationServer;

beforeAll(async () => {
  server = await startLocalAuthorizationServer({
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: SECRET,
        redirect_uris: [`${CALLBACK}/local/callback`, `${CALLBACK}/strict/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'openid profile',
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
  });
});
afterAll(() => server?.close());

describe.each(PLATFORMS)('OpenID Connect through the built-in routes on %s', (platform) => {
  let running: RunningApp;
  let tokenStore: TokenStore;

  /** The issuer alone: endpoints, keys and the RFC 9207 `iss` requirement come from the metadata. */
  const options = (name: string, extra: Partial<FlowManagerOptions> = {}): FlowManagerOptions => ({
    issuer: server.issuer,
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    clientAuthMethod: 'client_secret_basic',
    redirectUri: `${CALLBACK}/${name}/callback`,
    scope: ['openid', 'profile'],
    ...extra,
  });

  beforeAll(async () => {
    running = await startHttpApp(platform, {
      providers: {
        local: options('local'),
        // The server signs RS256 only: this provider refuses every ID token it issues.
        strict: options('strict', { idTokenSigningAlgorithms: ['ES256'] }),
      },
    });
    tokenStore = running.app.get<TokenStore>(TOKEN_STORE);
  });
  afterAll(() => running?.close());

  const get = (path: string, headers: Record<string, string>) =>
    fetch(`${running.url}${path}`, { redirect: 'manual', headers });

  /** authorize at the app as `user`, sign in at the server, then call the app's callback as the browser would. */
  async function flow(name: string, user: string) {
    const authorize = await get(`/oauth/${name}/authorize?returnTo=%2Fdone`, { 'x-user': user });
    expect(authorize.status).toBe(302);
    const authorizationUrl = new URL(authorize.headers.get('location')!);
    const callbackUrl = await server.login(authorizationUrl.toString(), { username: user });
    expect(`${callbackUrl.origin}${callbackUrl.pathname}`).toBe(`${CALLBACK}/${name}/callback`);
    const callback = await get(`/oauth/${name}/callback?${callbackUrl.searchParams}`, {
      'x-user': user,
      cookie: cookiesFrom(authorize),
    });
    return { authorizationUrl, query: callbackUrl.searchParams, callback };
  }

  it('completes the flow for a provider configured by its issuer: 302 to returnTo, validated claims stored', async () => {
    const { authorizationUrl, query, callback } = await flow('local', 'ada');
    expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${server.issuer}/auth`);
    const nonce = authorizationUrl.searchParams.get('nonce');
    expect(nonce).toMatch(NONCE);
    expect(query.get('iss')).toBe(server.issuer);
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/done');

    const stored = await tokenStore.get('local', 'ada');
    expect(stored).toMatchObject({ tokenType: 'Bearer', idToken: expect.any(String) });
    expect(stored!.idTokenClaims).toMatchObject({ sub: 'ada', iss: server.issuer, nonce });
    expect([stored!.idTokenClaims!.aud].flat()).toContain(CLIENT_ID);
  });

  it('answers a refused ID token with 502 invalid_id_token, no token in the body, and nothing stored', async () => {
    const { query, callback } = await flow('strict', 'grace');
    expect(callback.status).toBe(502);
    expect(callback.headers.get('location')).toBeNull();
    const text = await callback.text();
    expect(JSON.parse(text)).toEqual({
      statusCode: 502,
      error: 'invalid_id_token',
      message: `The ID token from provider strict was refused: its "alg" is none or not one of the provider's allowed algorithms.`,
    });
    // Those three fields only: no JWT (the ID token starts with eyJ), not the redeemed code.
    expect(text).not.toContain('eyJ');
    expect(text).not.toContain(query.get('code')!);
    expect(await tokenStore.get('strict', 'grace')).toBeUndefined();
  });
});
