import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';
import {
  FlowManagerRegistry,
  InMemoryStateStore,
  InMemoryTokenStore,
  NodeHttpTokenTransport,
  ReauthorizationRequiredError,
  TokenRequestError,
  type FlowManager,
  type FlowManagerOptions,
  type TokenHttpRequest,
  type TokenHttpTransport,
} from '../../lib/index.js';
import { DpopResourceServer } from '../support/dpop-resource-server.js';
import { startLocalAuthorizationServer, type LocalAuthorizationServer } from '../support/local-authorization-server.js';
import { compileWith } from '../support/testing-module.js';

// DPoP (RFC 9449) against a real authorization server: oidc-provider 9 (DPoP on, server nonces required, a client
// whose access tokens are always DPoP-bound), found by its issuer alone; and against a resource server of our own.

const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/local/callback';
const CLIENT = { clientId: 'dpop-client', clientSecret: 'dpop-client-secret' };

function ecKey(): { privateKey: JsonWebKey; publicKey: JsonWebKey } {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey: pair.privateKey.export({ format: 'jwk' }), publicKey: pair.publicKey.export({ format: 'jwk' }) };
}

describe('DPoP against oidc-provider', () => {
  let server: LocalAuthorizationServer;
  const keyA = ecKey();
  const keyB = ecKey();
  // The client key of a private_key_jwt client, which is not the DPoP key.
  const clientKey = ecKey();
  let thumbprintA: string;
  // Shared by every module of the file: a second manager sees what the first stored.
  const tokenStore = new InMemoryTokenStore();
  const stateStore = new InMemoryStateStore();
  const modules: TestingModule[] = [];

  beforeAll(async () => {
    server = await startLocalAuthorizationServer({
      dpopNonce: true,
      clients: [
        {
          client_id: CLIENT.clientId,
          client_secret: CLIENT.clientSecret,
          token_endpoint_auth_method: 'client_secret_post',
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: 'openid profile',
          dpop_bound_access_tokens: true,
        },
        {
          client_id: 'dpop-jwt-client',
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'ES256',
          jwks: { keys: [{ ...clientKey.publicKey, kid: 'client-key-1', use: 'sig' } as Record<string, unknown>] },
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: 'openid profile',
          dpop_bound_access_tokens: true,
        },
      ],
    });
    thumbprintA = await calculateJwkThumbprint(keyA.publicKey as never);
  });
  afterEach(async () => {
    for (const moduleRef of modules.splice(0)) await moduleRef.close();
  });
  afterAll(async () => {
    stateStore.close();
    await server?.close();
  });

  /** A new module (so a new manager, with an empty nonce cache) on the shared stores. */
  async function managerWith(options: Partial<FlowManagerOptions>, tokenTransport?: TokenHttpTransport) {
    const moduleRef = await compileWith({
      providers: {
        local: { issuer: server.issuer, ...CLIENT, redirectUri: REDIRECT_URI, scope: 'openid profile', ...options },
      },
      tokenStore,
      stateStore,
      ...(tokenTransport ? { tokenTransport } : {}),
    });
    modules.push(moduleRef);
    return moduleRef.get(FlowManagerRegistry).get('local');
  }

  async function connect(manager: FlowManager, user: string, finisher: FlowManager = manager) {
    const { url } = await manager.createAuthorizationUrl(user);
    const callback = await server.login(url, { username: user });
    return (await finisher.handleCallback(user, callback.searchParams)).tokens;
  }
  const count = async (endpoint: string) => (await server.countRequests())[endpoint] ?? 0;

  it('gets DPoP-bound tokens: the first exchange is retried once with the nonce, the next ones need one request', async () => {
    const manager = await managerWith({ dpop: { privateKey: keyA.privateKey } });
    const before = await count('POST /token');
    const tokens = await connect(manager, 'ada');
    expect(await count('POST /token')).toBe(before + 2);
    expect(tokens).toMatchObject({ tokenType: 'DPoP', dpopJkt: thumbprintA, refreshToken: expect.any(String) });
    expect(await tokenStore.get('local', 'ada')).toMatchObject({ tokenType: 'DPoP', dpopJkt: thumbprintA });
    await connect(manager, 'bob');
    expect(await count('POST /token')).toBe(before + 3);
  });

  it('resends the nonce retry with a new client assertion: private_key_jwt and DPoP nonces together', async () => {
    const manager = await managerWith({
      clientId: 'dpop-jwt-client',
      clientSecret: undefined,
      clientPrivateKey: { ...clientKey.privateKey, kid: 'client-key-1' },
      dpop: { privateKey: keyA.privateKey },
    });
    const before = await count('POST /token');
    // oidc-provider authenticates the client before it checks the proof: a reused assertion (jti) would be refused.
    await expect(connect(manager, 'ada')).resolves.toMatchObject({ tokenType: 'DPoP', dpopJkt: thumbprintA });
    expect(await count('POST /token')).toBe(before + 2);
  });

  it('presents the bound token with a proof: /me refuses it as a bearer token, and takes it from fetchProtectedResource', async () => {
    const manager = await managerWith({ dpop: { privateKey: keyA.privateKey } });
    const tokens = await connect(manager, 'grace');
    const asBearer = await fetch(`${server.issuer}/me`, { headers: { Authorization: `Bearer ${tokens.accessToken}` } });
    expect(asBearer.status).toBe(401);
    const before = await count('GET /me');
    const response = await manager.fetchProtectedResource('grace', `${server.issuer}/me`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sub: 'grace' });
    // The token endpoint's nonce serves the same origin's userinfo endpoint: one request.
    expect(await count('GET /me')).toBe(before + 1);
    await expect(manager.getUserInfo('grace')).resolves.toMatchObject({ sub: 'grace' });
  });

  it('refreshes DPoP-bound tokens with a proof of the same key, and the new token works', async () => {
    const manager = await managerWith({ dpop: { privateKey: keyA.privateKey } });
    const tokens = await connect(manager, 'linus');
    await tokenStore.set('local', 'linus', { ...tokens, expiresAt: Date.now() - 1000 });
    const before = await count('POST /token');
    const refreshed = await manager.getTokens('linus');
    expect(await count('POST /token')).toBe(before + 1);
    expect(refreshed).toMatchObject({ tokenType: 'DPoP', dpopJkt: thumbprintA });
    expect(refreshed!.accessToken).not.toBe(tokens.accessToken);
    const response = await manager.fetchProtectedResource('linus', `${server.issuer}/me`);
    expect(await response.json()).toMatchObject({ sub: 'linus' });

    // A DPoP-bound token the server no longer takes: its 401 is a DPoP challenge, invalid_token; one refresh, one retry.
    await tokenStore.set('local', 'linus', { ...refreshed!, accessToken: 'not-a-token-the-provider-issued' });
    const [posts, gets] = [await count('POST /token'), await count('GET /me')];
    const retried = await manager.fetchProtectedResource('linus', `${server.issuer}/me`);
    expect(retried.status).toBe(200);
    expect([(await count('POST /token')) - posts, (await count('GET /me')) - gets]).toEqual([1, 2]);
  });

  it('refuses tokens bound to a key the manager does not hold, and sends nothing', async () => {
    const owner = await managerWith({ dpop: { privateKey: keyA.privateKey } });
    const tokens = await connect(owner, 'ken');
    await tokenStore.set('local', 'ken', { ...tokens, expiresAt: Date.now() - 1000 });
    const others = [
      await managerWith({ dpop: { privateKey: keyB.privateKey } }),
      await managerWith({ dpop: true }),
      await managerWith({}),
    ];
    const before = await server.countRequests();
    for (const manager of others) {
      const refusal = manager.fetchProtectedResource('ken', `${server.issuer}/me`);
      await expect(refusal).rejects.toBeInstanceOf(ReauthorizationRequiredError);
      const error = (await refusal.catch((caught: unknown) => caught)) as ReauthorizationRequiredError;
      expect(error).toMatchObject({ code: 'reauthorization_required', provider: 'local', user: 'ken' });
      expect(JSON.stringify(error)).not.toContain(tokens.accessToken);
      expect(error.message).not.toContain(tokens.accessToken);
      await expect(manager.getUserInfo('ken')).rejects.toBeInstanceOf(ReauthorizationRequiredError);
      // getTokens hands them back as they are, expired: they are not refreshed with the wrong key.
      await expect(manager.getTokens('ken')).resolves.toMatchObject({ accessToken: tokens.accessToken });
    }
    const after = await server.countRequests();
    expect(after['POST /token']).toBe(before['POST /token']);
    expect(after['GET /me'] ?? 0).toBe(before['GET /me'] ?? 0);
  });

  it('binds the code to the key with dpop_jkt: another key cannot redeem it', async () => {
    const binding = await managerWith({ dpop: { privateKey: keyA.privateKey }, dpopBindAuthorizationCode: true });
    const { url } = await binding.createAuthorizationUrl('ada');
    expect(new URL(url).searchParams.get('dpop_jkt')).toBe(thumbprintA);
    const other = await managerWith({ dpop: { privateKey: keyB.privateKey } });
    const callback = await server.login(url, { username: 'ada' });
    await expect(other.handleCallback('ada', callback.searchParams)).rejects.toMatchObject({
      code: 'token_request_error',
      error: 'invalid_grant',
    });
    await expect(connect(binding, 'ada')).resolves.toMatchObject({ tokenType: 'DPoP', dpopJkt: thumbprintA });
  });

  it('reports a proof the token endpoint refuses (replayed, or with a broken signature) as a TokenRequestError', async () => {
    const inner = new NodeHttpTokenTransport();
    let lastProof: string | undefined;
    let tamper: ((proof: string) => string) | undefined;
    const transport: TokenHttpTransport = {
      post: (request: TokenHttpRequest) => {
        const proof = request.headers.DPoP!;
        const sent = tamper && lastProof ? tamper(lastProof) : proof;
        lastProof = proof;
        return inner.post({ ...request, headers: { ...request.headers, DPoP: sent } });
      },
      get: (request) => inner.get(request),
    };
    try {
      const manager = await managerWith({ dpop: { privateKey: keyA.privateKey } }, transport);
      await connect(manager, 'ada');
      // A middlebox sends the proof of the request before instead of this one: the server has seen its jti.
      tamper = (previous) => previous;
      const replayed = await connect(manager, 'bob').catch((error: unknown) => error);
      expect(replayed).toBeInstanceOf(TokenRequestError);
      expect(replayed).toMatchObject({ error: 'invalid_grant', status: 400 });
      tamper = (previous) => `${previous.slice(0, -4)}AAAA`;
      await expect(connect(manager, 'bob')).rejects.toMatchObject({ error: 'invalid_dpop_proof', status: 400 });
    } finally {
      inner.onModuleDestroy();
    }
  });

  describe('with a resource server of our own', () => {
    let resource: DpopResourceServer;
    beforeAll(async () => {
      resource = await DpopResourceServer.start();
    });
    afterAll(() => resource.close());
    afterEach(() => {
      resource.requests.length = 0;
      resource.requireNonce = false;
      resource.refuseEveryNonce = false;
    });

    async function connected(user: string) {
      const manager = await managerWith({ dpop: { privateKey: keyA.privateKey } });
      const tokens = await connect(manager, user);
      resource.accept(tokens.accessToken, tokens.dpopJkt!);
      return { manager, tokens };
    }

    it('sends a fresh proof of method, URL and token, and the nonce it asked for, after one retry', async () => {
      const { manager, tokens } = await connected('ada');
      resource.requireNonce = true;
      const url = `${resource.url}/api/items?page=2#top`;
      const response = await manager.fetchProtectedResource('ada', url, { method: 'post', body: 'x=1' });
      expect(response.status).toBe(200);
      expect(resource.requests.map((request) => request.outcome)).toEqual(['use_dpop_nonce', 'ok']);
      const [first, second] = resource.requests;
      expect(second!.authorization).toBe(`DPoP ${tokens.accessToken}`);
      expect(second!.claims).toMatchObject({ htm: 'POST', htu: `${resource.url}/api/items`, nonce: resource.nonce });
      expect(first!.claims!.nonce).toBeUndefined();
      expect(first!.claims!.jti).not.toBe(second!.claims!.jti);
      expect(decodeProtectedHeader(second!.proof!)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });

      // The nonce is kept: one request; a new one handed out with a success is used next.
      resource.nextNonceOnSuccess = 'next-nonce';
      await manager.fetchProtectedResource('ada', `${resource.url}/api/items`);
      await manager.fetchProtectedResource('ada', `${resource.url}/api/items`, { method: 'DELETE' });
      expect(resource.requests.slice(2).map((request) => [request.outcome, request.claims!.nonce])).toEqual([
        ['ok', expect.any(String)],
        ['ok', 'next-nonce'],
      ]);
    });

    it('retries a nonce refusal once only, and never a stream body', async () => {
      const { manager } = await connected('bob');
      resource.refuseEveryNonce = true;
      const refused = await manager.fetchProtectedResource('bob', `${resource.url}/api`);
      expect(refused.status).toBe(401);
      expect(resource.requests.map((request) => request.outcome)).toEqual(['use_dpop_nonce', 'use_dpop_nonce']);
      resource.requests.length = 0;
      const body = new ReadableStream({
        start: (controller) => {
          controller.enqueue(new TextEncoder().encode('once'));
          controller.close();
        },
      });
      const stream = await manager.fetchProtectedResource('bob', `${resource.url}/api`, {
        method: 'PUT',
        body,
        duplex: 'half',
      } as RequestInit);
      expect(stream.status).toBe(401);
      expect(resource.requests).toHaveLength(1);
    });

    it('replaces a DPoP header of the app, and returns a replay the server refuses as the 401 it is', async () => {
      const { manager } = await connected('grace');
      await manager.fetchProtectedResource('grace', `${resource.url}/api`);
      const used = resource.requests[0]!.proof!;
      const mine = await manager.fetchProtectedResource('grace', `${resource.url}/api`, { headers: { DPoP: used } });
      expect(mine.status).toBe(200);
      expect(resource.requests[1]!.proof).not.toBe(used);

      // Something between the app and the server sends an old proof instead of the fresh one.
      const realFetch = globalThis.fetch;
      globalThis.fetch = (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('DPoP', used);
        return realFetch(input, { ...init, headers });
      };
      let replayed: Response;
      try {
        replayed = await manager.fetchProtectedResource('grace', `${resource.url}/api`);
      } finally {
        globalThis.fetch = realFetch;
      }
      expect(replayed.status).toBe(401);
      expect(replayed.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"');
      expect(resource.requests.slice(2).map((request) => [request.outcome, request.problem])).toEqual([
        ['invalid_dpop_proof', 'jti replayed'],
      ]);
      expect(decodeJwt(used).jti).toEqual(expect.any(String));
    });
  });
});
