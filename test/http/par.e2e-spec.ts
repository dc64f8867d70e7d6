// Pushed authorization requests (RFC 9126) through the built-in routes on Express and Fastify, against
// oidc-provider 9 (forked once for the file) WITHOUT REQUIRE_PAR: its metadata does not require PAR, so a
// provider configured by its issuer alone sends a plain URL, and `pushedAuthorizationRequests: true` pushes.
// The authorize route answers 302 to a URL with only client_id and request_uri; a PAR endpoint that is down
// answers 502, one that does not answer 504, as JSON without a Location and without any request parameter.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TOKEN_STORE, type FlowManagerOptions, type TokenStore } from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { cookiesFrom, PLATFORMS, startHttpApp, type Platform, type RunningApp } from '../support/http-app.js';
import {
  CookieJar,
  startLocalAuthorizationServer,
  type LocalAuthorizationServer,
} from '../support/local-authorization-server.js';

const CALLBACK = 'http://127.0.0.1:3000/oauth';
const SECRET = 'par routes secret: + & % /';
const callback = (provider: string) => `${CALLBACK}/${provider}/callback`;

describe('pushed authorization requests through the built-in routes', () => {
  let server: LocalAuthorizationServer;
  let fake: FakeProvider;
  let closed: number;
  const hanging: Array<() => void> = [];

  beforeAll(async () => {
    server = await startLocalAuthorizationServer({
      clients: [
        {
          client_id: 'par-routes-client',
          client_secret: SECRET,
          redirect_uris: ['pushed', 'plain'].map(callback),
          grant_types: ['authorization_code', 'refresh_token'],
          scope: 'openid profile',
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
    });
    fake = await FakeProvider.start();
    fake.on('POST', '/par', (_request, res: ServerResponse) => {
      // Never answers: the timeout's case. Released when the file ends.
      hanging.push(() => res.destroy());
    });
    closed = await closedPort();
  });
  afterAll(async () => {
    hanging.forEach((release) => release());
    await fake?.close();
    await server?.close();
  });

  const discovering = (name: string, overrides: Partial<FlowManagerOptions> = {}): FlowManagerOptions => ({
    issuer: server.issuer,
    clientId: 'par-routes-client',
    clientSecret: SECRET,
    clientAuthMethod: 'client_secret_basic',
    redirectUri: callback(name),
    scope: 'openid profile',
    ...overrides,
  });
  const failing = (name: string, parEndpoint: string): FlowManagerOptions => ({
    baseUri: fake.url,
    authorizationPath: '/oauth/authorize',
    accessTokenPath: '/oauth/token',
    pushedAuthorizationRequests: true,
    pushedAuthorizationRequestPath: parEndpoint,
    clientId: 'par-failing-client',
    clientSecret: SECRET,
    redirectUri: callback(name),
  });
  const parRequests = async () => (await server.countRequests())['POST /request'] ?? 0;

  describe.each(PLATFORMS)('on %s', (platform: Platform) => {
    let running: RunningApp;
    let failingApp: RunningApp;
    let redirectingApp: RunningApp;

    beforeAll(async () => {
      running = await startHttpApp(platform, {
        providers: {
          pushed: discovering('pushed', { pushedAuthorizationRequests: true }),
          plain: discovering('plain'),
        },
      });
      failingApp = await startHttpApp(platform, {
        providers: {
          down: failing('down', `http://127.0.0.1:${closed}/request`),
          silent: failing('silent', '/par'),
        },
        httpTimeoutMs: 500,
      });
      redirectingApp = await startHttpApp(platform, {
        providers: { down: failing('down', `http://127.0.0.1:${closed}/request`) },
        routes: { failureRedirect: '/failed' },
      });
    });
    afterAll(async () => {
      await running?.close();
      await failingApp?.close();
      await redirectingApp?.close();
    });

    const get = (app: RunningApp, path: string, headers: Record<string, string> = {}) =>
      fetch(`${app.url}${path}`, { redirect: 'manual', headers: { 'x-user': 'ada', ...headers } });

    it('authorize pushes once and redirects with only client_id and request_uri; the callback completes', async () => {
      const before = await parRequests();
      const authorize = await get(running, '/oauth/pushed/authorize?returnTo=%2Fdone');
      expect(authorize.status).toBe(302);
      expect(await parRequests()).toBe(before + 1);
      const location = new URL(authorize.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(`${server.issuer}/auth`);
      expect([...location.searchParams.keys()]).toEqual(['client_id', 'request_uri']);
      expect(location.searchParams.get('client_id')).toBe('par-routes-client');

      const redirect = await server.login(location.href, { username: 'ada', jar: new CookieJar() });
      expect(`${redirect.origin}${redirect.pathname}`).toBe(callback('pushed'));
      const done = await get(running, `/oauth/pushed/callback?${redirect.searchParams}`, {
        cookie: cookiesFrom(authorize),
      });
      expect(done.status).toBe(302);
      expect(done.headers.get('location')).toBe('/done');
      const tokens = await running.app.get<TokenStore>(TOKEN_STORE).get('pushed', 'ada');
      expect(tokens).toMatchObject({ tokenType: 'Bearer', idTokenClaims: { sub: 'ada' } });
      expect(await parRequests()).toBe(before + 1);
    });

    it('does not push when the metadata does not require it and nothing is configured', async () => {
      const before = await parRequests();
      const authorize = await get(running, '/oauth/plain/authorize');
      expect(authorize.status).toBe(302);
      const location = new URL(authorize.headers.get('location')!);
      expect(location.searchParams.get('code_challenge_method')).toBe('S256');
      expect(location.searchParams.has('request_uri')).toBe(false);
      expect(await parRequests()).toBe(before);
    });

    it.each([
      ['unreachable', 'down', 502, 'The pushed authorization request failed: network error ECONNREFUSED.'],
      ['silent', 'silent', 504, 'The pushed authorization request failed: no complete response within 500 ms.'],
    ])(
      'answers a PAR endpoint that is %s (provider %s) with a JSON %i: no Location, no cookie, no parameter',
      async (_case, provider, statusCode, message) => {
        const before = fake.requestsTo('/par').length;
        const response = await get(failingApp, `/oauth/${provider}/authorize?returnTo=%2Fafter`);
        expect(response.status).toBe(statusCode);
        expect(response.headers.get('location')).toBeNull();
        expect(response.headers.getSetCookie()).toEqual([]);
        const body = await response.text();
        expect(JSON.parse(body)).toEqual({ statusCode, error: 'par_failed', message });
        for (const leaked of ['par-failing-client', 'redirect_uri', 'code_challenge', 'state', '/after', 'secret'])
          expect(body).not.toContain(leaked);
        if (provider === 'silent') expect(fake.requestsTo('/par')).toHaveLength(before + 1);
        expect(fake.requestsTo('/oauth/authorize')).toHaveLength(0);
      },
    );

    it('sends the browser to failureRedirect with the error code alone, never to the provider', async () => {
      const response = await get(redirectingApp, '/oauth/down/authorize');
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe('/failed?error=par_failed');
    });
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
