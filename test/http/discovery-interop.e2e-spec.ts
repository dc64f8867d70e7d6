// Discovery against a real authorization server (oidc-provider 9, forked): a provider configured by its
// issuer alone (with client id, secret and redirect URI) completes the flow through FlowManager and through
// the built-in routes on Express and Fastify, with every endpoint and RFC 9207's flag taken from the metadata.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FlowManagerRegistry, TOKEN_STORE, type TokenStore } from '../../lib/index.js';
import { cookiesFrom, PLATFORMS, startHttpApp } from '../support/http-app.js';
import {
  CookieJar,
  startLocalAuthorizationServer,
  type LocalAuthorizationServer,
} from '../support/local-authorization-server.js';
import { compileWith } from '../support/testing-module.js';

const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/local/callback';
const SECRET = 'discovery secret: + & % /';

describe('discovery from the issuer alone, against oidc-provider', () => {
  let server: LocalAuthorizationServer;

  beforeAll(async () => {
    server = await startLocalAuthorizationServer({
      clients: [
        {
          client_id: 'discovery-client',
          client_secret: SECRET,
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
          scope: 'openid profile',
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
    });
  });
  afterAll(() => server.close());

  const provider = () => ({
    issuer: server.issuer,
    clientId: 'discovery-client',
    clientSecret: SECRET,
    redirectUri: REDIRECT_URI,
    scope: 'openid profile',
  });

  it('completes the flow, a refresh and a revocation through FlowManager', async () => {
    const moduleRef = await compileWith({ providers: { local: provider() } });
    try {
      const flow = moduleRef.get(FlowManagerRegistry).get('local');
      const { url, state } = await flow.createAuthorizationUrl('ada');
      expect(url.startsWith(`${server.issuer}/auth?`)).toBe(true);
      const callback = await server.login(url, { username: 'ada' });
      expect(callback.searchParams.get('state')).toBe(state);
      // The metadata announces RFC 9207 `iss`, which turns requireIssuerParameter on: a callback without it fails.
      const { url: url2 } = await flow.createAuthorizationUrl('ada');
      const callback2 = await server.login(url2, { username: 'ada' });
      const stripped = new URLSearchParams(callback2.searchParams);
      stripped.delete('iss');
      await expect(flow.handleCallback('ada', stripped)).rejects.toMatchObject({ reason: 'issuer_missing' });

      const { tokens } = await flow.handleCallback('ada', callback.searchParams);
      expect(tokens).toMatchObject({ tokenType: 'Bearer', refreshToken: expect.any(String) });
      const refreshed = await flow.refreshAccessToken(tokens.refreshToken!);
      expect(refreshed.accessToken).not.toBe(tokens.accessToken);
      const before = (await server.countRequests())['POST /token/revocation'] ?? 0;
      await flow.revokeTokens('ada');
      expect((await server.countRequests())['POST /token/revocation'] ?? 0).toBe(before + 1);
      expect(await flow.getTokens('ada')).toBeUndefined();
    } finally {
      await moduleRef.close();
    }
  });

  describe.each(PLATFORMS)('through the built-in routes on %s', (platform) => {
    it('completes the flow: tokens stored, 302 to returnTo', async () => {
      const running = await startHttpApp(platform, { providers: { local: provider() } });
      try {
        const get = (path: string, headers: Record<string, string>) =>
          fetch(`${running.url}${path}`, { redirect: 'manual', headers });
        const authorize = await get('/oauth/local/authorize?returnTo=%2Fdone', { 'x-user': 'ada' });
        expect(authorize.status).toBe(302);
        const location = authorize.headers.get('location')!;
        expect(location.startsWith(`${server.issuer}/auth?`)).toBe(true);
        const callbackUrl = await server.login(location, { username: 'ada', jar: new CookieJar() });
        const response = await get(`/oauth/local/callback?${callbackUrl.searchParams}`, {
          'x-user': 'ada',
          cookie: cookiesFrom(authorize),
        });
        expect(response.status).toBe(302);
        expect(response.headers.get('location')).toBe('/done');
        const tokens = await running.app.get<TokenStore>(TOKEN_STORE).get('local', 'ada');
        expect(tokens).toMatchObject({ tokenType: 'Bearer', idToken: expect.any(String) });
      } finally {
        await running.close();
      }
    });
  });
});
