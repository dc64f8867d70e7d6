// JWT client authentication through the built-in routes, on Express and Fastify, against oidc-provider (forked
// once for the file): one full flow per method, and the `routes.clientJwks` route that publishes the key.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  type INestApplication,
} from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { calculateJwkThumbprint, type JWK } from 'jose';
import {
  AuthCodeFlowModule,
  FlowManagerRegistry,
  TOKEN_STORE,
  type AuthCodeFlowModuleOptions,
  type FlowManagerOptions,
  type TokenStore,
} from '../../lib/index.js';
import { cookiesFrom, HeaderUserGuard, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import {
  CookieJar,
  startLocalAuthorizationServer,
  type LocalAuthorizationServer,
} from '../support/local-authorization-server.js';

const CALLBACK = 'http://127.0.0.1:3000/oauth';
const HS_SECRET = 'a client_secret_jwt secret that is long enough for HS256 (32+ bytes)';
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** Stands in for an app guard that wants a signed-in user: no `x-user` header, 403. */
@Injectable()
class SignedInGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { headers } = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    if (!headers['x-user']) throw new ForbiddenException();
    return true;
  }
}

let server: LocalAuthorizationServer;
let kid: string;

beforeAll(async () => {
  kid = await calculateJwkThumbprint(ec.publicKey.export({ format: 'jwk' }) as JWK);
  const common = {
    grant_types: ['authorization_code', 'refresh_token'] as Array<'authorization_code' | 'refresh_token'>,
    scope: 'openid profile',
  };
  server = await startLocalAuthorizationServer({
    clients: [
      {
        ...common,
        client_id: 'pkjwt-client',
        redirect_uris: [`${CALLBACK}/pkjwt/callback`],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [{ ...ec.publicKey.export({ format: 'jwk' }), kid, use: 'sig' }] },
      },
      {
        ...common,
        client_id: 'hs-client',
        client_secret: HS_SECRET,
        redirect_uris: [`${CALLBACK}/hs/callback`],
        token_endpoint_auth_method: 'client_secret_jwt',
        token_endpoint_auth_signing_alg: 'HS256',
      },
    ],
  });
});
afterAll(() => server.close());

describe.each(PLATFORMS)('JWT client authentication through the routes on %s', (platform) => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const providers = (): Record<string, FlowManagerOptions> => ({
    pkjwt: {
      issuer: server.issuer,
      clientId: 'pkjwt-client',
      redirectUri: `${CALLBACK}/pkjwt/callback`,
      scope: 'openid profile',
      clientPrivateKey: ec.privateKey.export({ format: 'jwk' }),
    },
    hs: {
      issuer: server.issuer,
      clientId: 'hs-client',
      clientSecret: HS_SECRET,
      clientAuthMethod: 'client_secret_jwt',
      redirectUri: `${CALLBACK}/hs/callback`,
      scope: 'openid profile',
    },
  });
  async function start(routes: AuthCodeFlowModuleOptions['routes'] = { clientJwks: true }) {
    running = await startHttpApp(platform, { providers: providers(), routes });
    return running;
  }
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${running!.url}${path}`, { redirect: 'manual', headers });

  it.each(['pkjwt', 'hs'])('completes the flow with provider %s: tokens stored, 302 to returnTo', async (provider) => {
    await start();
    const authorize = await get(`/oauth/${provider}/authorize?returnTo=%2Fdone`, { 'x-user': 'ada' });
    expect(authorize.status).toBe(302);
    const callbackUrl = await server.login(authorize.headers.get('location')!, {
      username: 'ada',
      jar: new CookieJar(),
    });
    const callback = await get(`/oauth/${provider}/callback?${callbackUrl.searchParams}`, {
      'x-user': 'ada',
      cookie: cookiesFrom(authorize),
    });
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/done');
    const tokens = await running!.app.get<TokenStore>(TOKEN_STORE).get(provider, 'ada');
    expect(tokens).toMatchObject({
      tokenType: 'Bearer',
      refreshToken: expect.any(String),
      idToken: expect.any(String),
    });
    const me = await fetch(`${server.issuer}/me`, { headers: { Authorization: `Bearer ${tokens!.accessToken}` } });
    expect(await me.json()).toMatchObject({ sub: 'ada' });
  });

  it('serves the public key at /oauth/:provider/jwks, cacheable, without the routes guards', async () => {
    await start({ clientJwks: true, guards: [HeaderUserGuard, SignedInGuard] });
    // The guards do run for the flow's routes.
    expect((await get('/oauth/pkjwt/authorize')).status).toBe(403);
    const response = await get('/oauth/pkjwt/jwks');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=60');
    const { x, y } = ec.publicKey.export({ format: 'jwk' });
    const body = (await response.json()) as unknown;
    expect(body).toEqual({ keys: [{ kty: 'EC', crv: 'P-256', x, y, kid, use: 'sig', alg: 'ES256' }] });
    expect(body).toEqual(running!.app.get(FlowManagerRegistry).get('pkjwt').getClientJwks());
  });

  it('answers 404 for a provider without a private key, and for an unknown provider', async () => {
    await start();
    const noKey = await get('/oauth/hs/jwks');
    expect(noKey.status).toBe(404);
    expect(noKey.headers.get('cache-control')).toBeNull();
    expect(await noKey.json()).toMatchObject({ statusCode: 404, error: 'no_client_keys' });
    const unknown = await get('/oauth/nope/jwks');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ statusCode: 404, error: 'unknown_provider' });
  });

  it('answers 404 as for a missing route unless routes.clientJwks is set', async () => {
    await start({});
    const response = await get('/oauth/pkjwt/jwks?x=1');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ statusCode: 404, message: 'Cannot GET /oauth/pkjwt/jwks' });
  });

  describe('with forRootAsync', () => {
    let app: INestApplication | undefined;
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    async function listen(factoryRoutes: AuthCodeFlowModuleOptions['routes']): Promise<string> {
      const module = AuthCodeFlowModule.forRootAsync({
        providerNames: ['pkjwt', 'hs'],
        routes: { path: 'auth' },
        useFactory: () => ({ providers: providers(), routes: factoryRoutes, resolveUser: () => 'ada' }),
      });
      const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
      app =
        platform === 'fastify'
          ? moduleRef.createNestApplication(new FastifyAdapter())
          : moduleRef.createNestApplication();
      app.useLogger(false);
      await app.listen(0, '127.0.0.1');
      return (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
    }

    it("serves the route when the factory's routes turn it on, and 404 when they turn the routes off", async () => {
      let url = await listen({ path: 'auth', clientJwks: true });
      const served = await fetch(`${url}/auth/pkjwt/jwks`);
      expect(served.status).toBe(200);
      expect(((await served.json()) as { keys: unknown[] }).keys).toHaveLength(1);
      await app!.close();
      url = await listen(false);
      expect((await fetch(`${url}/auth/pkjwt/jwks`)).status).toBe(404);
    });
  });
});
