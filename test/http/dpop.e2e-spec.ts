// DPoP (RFC 9449) through the built-in routes on Express and Fastify, against oidc-provider with server nonces and
// a client whose access tokens are always DPoP-bound: one flow each, the code bound to the key with dpop_jkt.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FlowManagerRegistry, TOKEN_STORE, type TokenStore } from '../../lib/index.js';
import { cookiesFrom, PLATFORMS, startHttpApp } from '../support/http-app.js';
import {
  CookieJar,
  startLocalAuthorizationServer,
  type LocalAuthorizationServer,
} from '../support/local-authorization-server.js';

const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/local/callback';
const SECRET = 'dpop routes secret';

describe('DPoP through the built-in routes', () => {
  let server: LocalAuthorizationServer;

  beforeAll(async () => {
    server = await startLocalAuthorizationServer({
      dpopNonce: true,
      clients: [
        {
          client_id: 'dpop-routes',
          client_secret: SECRET,
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
          scope: 'openid profile',
          token_endpoint_auth_method: 'client_secret_basic',
          dpop_bound_access_tokens: true,
        },
      ],
    });
  });
  afterAll(() => server.close());

  it.each(PLATFORMS)('completes a flow on %s: DPoP-bound tokens stored, usable with a proof', async (platform) => {
    const running = await startHttpApp(platform, {
      providers: {
        local: {
          issuer: server.issuer,
          clientId: 'dpop-routes',
          clientSecret: SECRET,
          clientAuthMethod: 'client_secret_basic',
          redirectUri: REDIRECT_URI,
          scope: ['openid', 'profile'],
          dpop: true,
          dpopBindAuthorizationCode: true,
          requireDpopBoundTokens: true,
        },
      },
    });
    try {
      const get = (path: string, headers: Record<string, string>) =>
        fetch(`${running.url}${path}`, { redirect: 'manual', headers });
      const authorize = await get('/oauth/local/authorize?returnTo=%2Fdone', { 'x-user': 'ada' });
      expect(authorize.status).toBe(302);
      const location = authorize.headers.get('location')!;
      const dpopJkt = new URL(location).searchParams.get('dpop_jkt');
      expect(dpopJkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const callbackUrl = await server.login(location, { username: 'ada', jar: new CookieJar() });
      const before = (await server.countRequests())['POST /token'] ?? 0;
      const callback = await get(`/oauth/local/callback?${callbackUrl.searchParams}`, {
        'x-user': 'ada',
        cookie: cookiesFrom(authorize),
      });
      expect(callback.status).toBe(302);
      expect(callback.headers.get('location')).toBe('/done');
      // A new app knows no nonce yet: use_dpop_nonce, then the exchange with it.
      expect((await server.countRequests())['POST /token']).toBe(before + 2);

      const tokens = await running.app.get<TokenStore>(TOKEN_STORE).get('local', 'ada');
      expect(tokens).toMatchObject({ tokenType: 'DPoP', dpopJkt });
      const manager = running.app.get(FlowManagerRegistry).get('local');
      const me = await manager.fetchProtectedResource('ada', `${server.issuer}/me`);
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ sub: 'ada' });
    } finally {
      await running.close();
    }
  });
});
