// The README's "Strict servers (FAPI 2.0)" block, as written there, through the built-in routes on Express and
// Fastify, against oidc-provider 9 with pushed authorization requests required and DPoP nonces: private_key_jwt,
// PAR by the metadata, DPoP-bound tokens bound to the code with dpop_jkt, and the client key served by URL.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { FlowManagerRegistry, TOKEN_STORE, type FlowManagerOptions, type TokenStore } from '../../lib/index.js';
import { cookiesFrom, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { startLocalAuthorizationServer, type LocalAuthorizationServer } from '../support/local-authorization-server.js';

const CALLBACK = 'http://127.0.0.1:3000/oauth/bank/callback';
const CLIENT_ID = 'fapi-client';

function keyPair(): { privateKey: JsonWebKey; publicKey: JsonWebKey } {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey: pair.privateKey.export({ format: 'jwk' }), publicKey: pair.publicKey.export({ format: 'jwk' }) };
}

const clientKey = keyPair();
const dpopKey = keyPair();
let server: LocalAuthorizationServer;

beforeAll(async () => {
  server = await startLocalAuthorizationServer({
    requirePushedAuthorizationRequests: true,
    dpopNonce: true,
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [{ ...clientKey.publicKey, kid: 'bank-key-1', use: 'sig' } as Record<string, unknown>] },
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        scope: 'openid profile',
        dpop_bound_access_tokens: true,
        require_pushed_authorization_requests: true,
      },
    ],
  });
});
afterAll(() => server?.close());

describe.each(PLATFORMS)('the FAPI 2.0 block of the README through the routes on %s', (platform) => {
  let running: RunningApp;
  let tokenStore: TokenStore;

  beforeAll(async () => {
    // As the README writes it, the environment's values given inline.
    const bank: FlowManagerOptions = {
      issuer: server.issuer,
      clientId: CLIENT_ID,
      redirectUri: CALLBACK,
      scope: 'openid profile',
      clientPrivateKey: { ...clientKey.privateKey, kid: 'bank-key-1' },
      pushedAuthorizationRequests: true,
      dpop: { privateKey: dpopKey.privateKey },
      dpopBindAuthorizationCode: true,
      requireDpopBoundTokens: true,
    };
    running = await startHttpApp(platform, { providers: { bank }, routes: { clientJwks: true } });
    tokenStore = running.app.get<TokenStore>(TOKEN_STORE);
  });
  afterAll(() => running?.close());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${running.url}${path}`, { redirect: 'manual', headers });

  it('connects a user: pushed request, signed client assertion, DPoP-bound tokens used with a proof', async () => {
    const user = `ada-${platform}`;
    const before = await server.countRequests();
    const authorize = await get('/oauth/bank/authorize?returnTo=%2Fdone', { 'x-user': user });
    expect(authorize.status).toBe(302);
    const authorizationUrl = new URL(authorize.headers.get('location')!);
    // Only the client id and the request_uri travel in the browser's URL.
    expect([...authorizationUrl.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const callbackUrl = await server.login(authorizationUrl.toString(), { username: user });
    const callback = await get(`/oauth/bank/callback?${callbackUrl.searchParams}`, {
      'x-user': user,
      cookie: cookiesFrom(authorize),
    });
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/done');

    const thumbprint = await calculateJwkThumbprint(dpopKey.publicKey as never);
    const stored = await tokenStore.get('bank', user);
    expect(stored).toMatchObject({ tokenType: 'DPoP', dpopJkt: thumbprint, idTokenClaims: { sub: user } });
    const after = await server.countRequests();
    expect((after['POST /request'] ?? 0) - (before['POST /request'] ?? 0)).toBe(1);

    const manager = running.app.get(FlowManagerRegistry).get('bank');
    await expect(manager.getUserInfo(user)).resolves.toMatchObject({ sub: user });
    const asBearer = await fetch(`${server.issuer}/me`, {
      headers: { Authorization: `Bearer ${stored!.accessToken}` },
    });
    expect(asBearer.status).toBe(401);
  });

  it('serves the public client key for registration by URL, and nothing of the private one', async () => {
    const response = await get('/oauth/bank/jwks');
    expect(response.status).toBe(200);
    const jwks = (await response.json()) as { keys: JsonWebKey[] };
    expect(jwks.keys).toEqual([
      expect.objectContaining({ kty: 'EC', crv: 'P-256', x: clientKey.publicKey.x, kid: 'bank-key-1' }),
    ]);
    expect(JSON.stringify(jwks)).not.toContain(clientKey.privateKey.d!);
  });
});
