// JWT client authentication (RFC 7523 §2.2, OpenID Connect Core §9) against a real authorization server:
// oidc-provider 9, forked once for the file. Each client is registered with its public key (inline `jwks`, or a
// `jwks_uri` naming the app's own `routes.clientJwks` route) or with a secret for client_secret_jwt, and with the
// `token_endpoint_auth_signing_alg` it must use. Code, refresh and revocation requests all authenticate with a JWT.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { calculateJwkThumbprint, decodeJwt, type JWK } from 'jose';
import {
  FlowManagerRegistry,
  NodeHttpTokenTransport,
  TokenRequestError,
  type FlowManager,
  type FlowManagerOptions,
  type TokenHttpRequest,
  type TokenHttpTransport,
} from '../../lib/index.js';
import { startHttpApp, type RunningApp } from '../support/http-app.js';
import {
  startLocalAuthorizationServer,
  type LocalAuthorizationServer,
  type LocalClientMetadata,
} from '../support/local-authorization-server.js';
import { compileWith } from '../support/testing-module.js';

const CALLBACK = 'http://127.0.0.1:3000/oauth';
const HS_SECRET = 'a client_secret_jwt secret that is long enough for HS256 (32+ bytes)';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPss = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const byUrl = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const publicJwk = (key: KeyObject, kid: string) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig' });

function client(clientId: string, provider: string, auth: Partial<LocalClientMetadata>): LocalClientMetadata {
  return {
    client_id: clientId,
    redirect_uris: [`${CALLBACK}/${provider}/callback`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid profile',
    ...auth,
  };
}

/** Every POST body the module sends, in order, through the module's default transport. */
class RecordingTransport implements TokenHttpTransport {
  readonly bodies: Array<{ url: string; params: URLSearchParams }> = [];
  readonly inner = new NodeHttpTokenTransport();
  post(request: TokenHttpRequest) {
    this.bodies.push({ url: request.url, params: new URLSearchParams(request.body) });
    return this.inner.post(request);
  }
  get: NonNullable<TokenHttpTransport['get']> = (request) => this.inner.get(request);
}

describe('JWT client authentication against oidc-provider', () => {
  let server: LocalAuthorizationServer;
  let moduleRef: TestingModule;
  let registry: FlowManagerRegistry;
  const transport = new RecordingTransport();
  let ecKid: string;

  beforeAll(async () => {
    ecKid = await calculateJwkThumbprint(ec.publicKey.export({ format: 'jwk' }) as JWK);
    server = await startLocalAuthorizationServer({
      clients: [
        client('rs256-client', 'rs256', {
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'RS256',
          jwks: { keys: [publicJwk(rsa.publicKey, 'rsa-1')] },
        }),
        client('ps256-client', 'ps256', {
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'PS256',
          jwks: { keys: [publicJwk(rsaPss.publicKey, 'pss-1')] },
        }),
        // Registered under its RFC 7638 thumbprint: the module's default kid.
        client('es256-client', 'es256', {
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'ES256',
          jwks: { keys: [publicJwk(ec.publicKey, ecKid)] },
          redirect_uris: [`${CALLBACK}/es256/callback`, `${CALLBACK}/stranger/callback`],
        }),
        client('eddsa-client', 'eddsa', {
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'EdDSA',
          jwks: { keys: [publicJwk(ed.publicKey, 'ed-1')] },
        }),
        client('hs256-client', 'hs256', {
          client_secret: HS_SECRET,
          token_endpoint_auth_method: 'client_secret_jwt',
          token_endpoint_auth_signing_alg: 'HS256',
        }),
      ],
    });
    const { issuer } = server;
    const provider = (name: string, options: Partial<FlowManagerOptions>): FlowManagerOptions => ({
      issuer,
      clientId: `${name}-client`,
      redirectUri: `${CALLBACK}/${name}/callback`,
      scope: 'openid profile',
      ...options,
    });
    moduleRef = await compileWith({
      tokenTransport: transport,
      providers: {
        // A private JWK with its own kid, on discovery; the algorithm from the key (RS256).
        rs256: provider('rs256', { clientPrivateKey: { ...rsa.privateKey.export({ format: 'jwk' }), kid: 'rsa-1' } }),
        // A KeyObject, PS256 by option.
        ps256: provider('ps256', {
          clientPrivateKey: rsaPss.privateKey,
          clientKeyId: 'pss-1',
          clientAssertionAlgorithm: 'PS256',
        }),
        // A PEM (SEC1), the kid its thumbprint; static endpoints, aud the token endpoint.
        es256: provider('es256', {
          baseUri: issuer,
          authorizationPath: '/auth',
          accessTokenPath: '/token',
          revocationPath: '/token/revocation',
          jwksPath: '/jwks',
          discovery: false,
          clientPrivateKey: ec.privateKey.export({ format: 'pem', type: 'sec1' }) as string,
          clientAssertionAudience: 'token_endpoint',
        }),
        eddsa: provider('eddsa', { clientPrivateKey: ed.privateKey, clientKeyId: 'ed-1' }),
        hs256: provider('hs256', { clientAuthMethod: 'client_secret_jwt', clientSecret: HS_SECRET }),
        // The es256 client's id and kid, signed with a key the server does not know.
        stranger: provider('stranger', {
          clientId: 'es256-client',
          clientPrivateKey: stranger.privateKey,
          clientKeyId: ecKid,
        }),
      },
    });
    registry = moduleRef.get(FlowManagerRegistry);
  });

  afterAll(async () => {
    await moduleRef?.close();
    transport.inner.onModuleDestroy();
    await server?.close();
  });

  const counts = async () => {
    const all = await server.countRequests();
    return { token: all['POST /token'] ?? 0, revocation: all['POST /token/revocation'] ?? 0 };
  };

  /** Code, refresh and revocation with one manager; returns the assertions it sent. */
  async function fullFlow(manager: FlowManager, user: string) {
    const first = transport.bodies.length;
    const before = await counts();
    const { url } = await manager.createAuthorizationUrl(user);
    const { tokens } = await manager.handleCallback(user, (await server.login(url, { username: user })).searchParams);
    expect(decodeJwt(tokens.idToken!)).toMatchObject({ sub: user, aud: `${manager.name}-client` });
    const refreshed = await manager.refreshAccessToken(tokens.refreshToken!);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    await manager.revokeTokens(user);
    expect(await manager.getTokens(user)).toBeUndefined();
    // The revocation went through: the refresh token is dead.
    const dead = await manager
      .refreshAccessToken(refreshed.refreshToken ?? tokens.refreshToken!)
      .catch((e: unknown) => e);
    expect(dead).toBeInstanceOf(TokenRequestError);
    expect(dead).toMatchObject({ error: 'invalid_grant' });
    expect(await counts()).toEqual({ token: before.token + 3, revocation: before.revocation + 1 });
    const sent = transport.bodies.slice(first);
    expect(sent).toHaveLength(4);
    for (const { params } of sent) {
      expect(params.get('client_assertion_type')).toBe(JWT_BEARER);
      expect(params.get('client_secret')).toBeNull();
    }
    return sent.map(({ url: endpoint, params }) => ({ endpoint, assertion: params.get('client_assertion')! }));
  }

  it.each([
    ['rs256', 'RS256', 'rsa-1'],
    ['ps256', 'PS256', 'pss-1'],
    ['eddsa', 'EdDSA', 'ed-1'],
  ])('private_key_jwt with %s: code, refresh and revocation, aud the issuer', async (name, alg, kid) => {
    const sent = await fullFlow(registry.get(name), 'ada');
    for (const { assertion } of sent) {
      const header = JSON.parse(Buffer.from(assertion.split('.')[0]!, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      expect(header).toEqual({ alg, kid });
      expect(decodeJwt(assertion)).toMatchObject({ iss: `${name}-client`, sub: `${name}-client`, aud: server.issuer });
    }
    expect(new Set(sent.map(({ assertion }) => decodeJwt(assertion).jti)).size).toBe(sent.length);
  });

  it('private_key_jwt with ES256 from a PEM, its kid the thumbprint, aud the token endpoint on every request', async () => {
    const sent = await fullFlow(registry.get('es256'), 'grace');
    expect(sent.map(({ endpoint }) => new URL(endpoint).pathname)).toEqual([
      '/token',
      '/token',
      '/token/revocation',
      '/token',
    ]);
    for (const { assertion } of sent) expect(decodeJwt(assertion).aud).toBe(`${server.issuer}/token`);
  });

  it('client_secret_jwt with HS256: code, refresh and revocation, no secret sent', async () => {
    const sent = await fullFlow(registry.get('hs256'), 'linus');
    for (const { assertion } of sent) expect(assertion).not.toContain(HS_SECRET);
  });

  it('refuses an assertion signed with a key the server does not know: TokenRequestError invalid_client', async () => {
    const manager = registry.get('stranger');
    const { url } = await manager.createAuthorizationUrl('ada');
    const callback = await server.login(url, { username: 'ada' });
    const failure = await manager.handleCallback('ada', callback.searchParams).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TokenRequestError);
    expect(failure).toMatchObject({ error: 'invalid_client' });
    const shown = `${JSON.stringify(failure)}\n${inspect(failure, { showHidden: true, depth: Infinity })}`;
    expect(shown).not.toContain(stranger.privateKey.export({ format: 'jwk' }).d!.slice(0, 12));
  });

  it('is a real oracle: the server refuses an assertion it has seen (same jti), so each request signs a new one', async () => {
    const manager = registry.get('eddsa');
    const first = transport.bodies.length;
    // Client authentication passes (a fresh assertion), and only the grant fails.
    await expect(manager.refreshAccessToken('made-up-refresh-token')).rejects.toMatchObject({ error: 'invalid_grant' });
    const sent = transport.bodies.slice(first);
    expect(sent).toHaveLength(1);
    const { params } = sent[0]!;
    // The same request again, outside the module: the assertion is refused before the grant is looked at.
    const replay = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: params.toString(),
    });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'invalid_client' });
  });

  describe('with the key registered by URL (jwks_uri at the app)', () => {
    let app: RunningApp;

    beforeAll(async () => {
      app = await startHttpApp('express', {
        providers: {
          byurl: {
            issuer: server.issuer,
            clientId: 'by-url-client',
            redirectUri: `${CALLBACK}/byurl/callback`,
            scope: 'openid profile',
            clientPrivateKey: byUrl.privateKey,
          },
        },
        routes: { clientJwks: true },
      });
      await server.addClient(
        client('by-url-client', 'byurl', {
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: `${app.url}/oauth/byurl/jwks`,
        }),
      );
    });
    afterAll(() => app?.close());

    it('registers clients after the start only with metadata oidc-provider accepts', async () => {
      const keyless = client('keyless-client', 'keyless', { token_endpoint_auth_method: 'private_key_jwt' });
      await expect(server.addClient(keyless)).rejects.toThrow(/jwks or jwks_uri is mandatory/);
    });

    it('completes the flow, refresh and revocation with the key the server fetched from the route', async () => {
      const manager = app.app.get(FlowManagerRegistry).get('byurl');
      const { url } = await manager.createAuthorizationUrl('ada');
      const callback = await server.login(url, { username: 'ada' });
      const { tokens } = await manager.handleCallback('ada', callback.searchParams);
      expect(decodeJwt(tokens.idToken!)).toMatchObject({ sub: 'ada', aud: 'by-url-client' });
      const refreshed = await manager.refreshAccessToken(tokens.refreshToken!);
      await manager.revokeTokens('ada');
      await expect(manager.refreshAccessToken(refreshed.refreshToken ?? tokens.refreshToken!)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
      const served = (await (await fetch(`${app.url}/oauth/byurl/jwks`)).json()) as { keys: Array<{ kid: string }> };
      expect(served).toEqual(manager.getClientJwks());
      expect(served.keys[0]!.kid).toBe(await calculateJwkThumbprint(byUrl.publicKey.export({ format: 'jwk' }) as JWK));
    });
  });
});
