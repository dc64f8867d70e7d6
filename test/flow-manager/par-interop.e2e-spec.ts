// Pushed authorization requests (RFC 9126) against a real authorization server: oidc-provider 9 (forked once for
// the file) with REQUIRE_PAR, so that its metadata says `require_pushed_authorization_requests: true` and it
// refuses any authorization request that was not pushed. Providers configured by their issuer alone push by
// default; the browser's URL carries only client_id and request_uri. PAR endpoint failures (a closed port, and a
// fake answering 500, garbage, a redirect, or nothing) are a PushedAuthorizationError with no state left behind.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import {
  DiscoveryError,
  FlowManagerRegistry,
  InMemoryStateStore,
  PushedAuthorizationError,
  type FlowManager,
  type FlowManagerOptions,
} from '../../lib/index.js';
import { FakeProvider, json } from '../support/fake-provider.js';
import {
  startLocalAuthorizationServer,
  type LocalAuthorizationServer,
  type LocalClientMetadata,
} from '../support/local-authorization-server.js';
import { compileWith } from '../support/testing-module.js';

const CALLBACK = 'http://127.0.0.1:3000/oauth';
const BASIC_SECRET = 'a:b+c&d%e/f g h';
const POST_SECRET = 'post-client-secret';
const callback = (provider: string) => `${CALLBACK}/${provider}/callback`;

const CLIENTS: LocalClientMetadata[] = [
  client('post-client', {
    client_secret: POST_SECRET,
    token_endpoint_auth_method: 'client_secret_post',
    redirect_uris: ['post', 'plain', 'static', 'off', 'down'].map(callback),
  }),
  client('basic-client', {
    client_secret: BASIC_SECRET,
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [callback('basic')],
  }),
  client('public-client', { token_endpoint_auth_method: 'none', redirect_uris: [callback('public')] }),
];

function client(clientId: string, metadata: Partial<LocalClientMetadata>): LocalClientMetadata {
  return {
    client_id: clientId,
    redirect_uris: [],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid profile offline_access',
    ...metadata,
  };
}

type FakeAnswer = '500' | 'garbage' | 'redirect' | 'hang';

describe('pushed authorization requests against oidc-provider with REQUIRE_PAR', () => {
  let server: LocalAuthorizationServer;
  let fake: FakeProvider;
  let fakeAnswer: FakeAnswer = '500';
  let stateStore: InMemoryStateStore;
  let moduleRef: TestingModule;
  let fakeModuleRef: TestingModule;
  let flows: (name: string) => FlowManager;
  const hanging: Array<() => void> = [];

  beforeAll(async () => {
    server = await startLocalAuthorizationServer({ clients: CLIENTS, requirePushedAuthorizationRequests: true });
    fake = await FakeProvider.start();
    const { issuer } = server;
    const discovering = { issuer, scope: 'openid profile' };
    const configured = {
      baseUri: issuer,
      authorizationPath: '/auth',
      accessTokenPath: '/token',
      jwksPath: '/jwks',
      issuer,
      scope: 'openid profile',
    };
    const post = { clientId: 'post-client', clientSecret: POST_SECRET };
    const providers: Record<string, FlowManagerOptions> = {
      post: { ...discovering, ...post, redirectUri: callback('post') },
      basic: {
        ...discovering,
        clientId: 'basic-client',
        clientSecret: BASIC_SECRET,
        clientAuthMethod: 'client_secret_basic',
        redirectUri: callback('basic'),
      },
      public: { ...discovering, clientId: 'public-client', redirectUri: callback('public') },
      // Static endpoints: no metadata, so no PAR unless configured.
      plain: { ...configured, ...post, redirectUri: callback('plain') },
      static: {
        ...configured,
        ...post,
        redirectUri: callback('static'),
        pushedAuthorizationRequests: true,
        pushedAuthorizationRequestPath: '/request',
      },
      off: { ...discovering, ...post, redirectUri: callback('off'), pushedAuthorizationRequests: false },
      down: {
        ...configured,
        ...post,
        redirectUri: callback('down'),
        pushedAuthorizationRequests: true,
        pushedAuthorizationRequestPath: `http://127.0.0.1:${await closedPort()}/request`,
      },
    };
    fake.on('POST', '/par', parHandler());
    stateStore = new InMemoryStateStore();
    moduleRef = await compileWith({ providers, stateStore });
    // The fake's provider in a module of its own, with a short timeout for the endpoint that never answers.
    const fakeProvider: FlowManagerOptions = {
      baseUri: fake.url,
      authorizationPath: '/oauth/authorize',
      accessTokenPath: '/oauth/token',
      pushedAuthorizationRequests: true,
      pushedAuthorizationRequestPath: '/par',
      clientId: 'fake-client',
      clientSecret: 'fake-secret',
      redirectUri: callback('fake'),
    };
    fakeModuleRef = await compileWith({ providers: { fake: fakeProvider }, stateStore, httpTimeoutMs: 500 });
    const registries = [moduleRef, fakeModuleRef].map((ref) => ref.get(FlowManagerRegistry));
    flows = (name) => (name === 'fake' ? registries[1]! : registries[0]!).get(name);
  });

  afterAll(async () => {
    hanging.forEach((resolve) => resolve());
    await moduleRef?.close();
    await fakeModuleRef?.close();
    stateStore?.close();
    await fake?.close();
    await server?.close();
  });

  const parRequests = async () => (await server.countRequests())['POST /request'] ?? 0;

  it('advertises the PAR endpoint and requires it', async () => {
    const metadata = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata).toMatchObject({
      pushed_authorization_request_endpoint: `${server.issuer}/request`,
      require_pushed_authorization_requests: true,
    });
  });

  it('refuses a plain authorization URL: the server is a real oracle', async () => {
    const { url, state } = await flows('plain').createAuthorizationUrl('ada');
    expect(new URL(url).searchParams.get('code_challenge')).toEqual(expect.any(String));
    const refused = await server.login(url, { username: 'ada' });
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('error_description')).toMatch(/pushed authorization request must be used/i);
    expect(refused.searchParams.get('state')).toBe(state);
    expect(refused.searchParams.has('code')).toBe(false);
  });

  describe.each([
    ['client_secret_post', 'post'],
    ['client_secret_basic', 'basic'],
    ['none (a public client)', 'public'],
  ])('a provider configured by its issuer alone, %s', (_method, name) => {
    it('pushes by default, sends only client_id and request_uri, and completes the flow', async () => {
      const flow = flows(name);
      const before = await parRequests();
      const { url, state } = await flow.createAuthorizationUrl('ada', { returnTo: '/after' });
      expect(await parRequests()).toBe(before + 1);

      const sent = new URL(url);
      expect(`${sent.origin}${sent.pathname}`).toBe(`${server.issuer}/auth`);
      expect([...sent.searchParams.keys()]).toEqual(['client_id', 'request_uri']);
      expect(sent.searchParams.get('client_id')).toBe(
        CLIENTS.find((c) => c.redirect_uris.includes(callback(name)))!.client_id,
      );
      expect(sent.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
      expect(url).not.toContain(state);

      const redirect = await server.login(url, { username: 'ada' });
      expect(`${redirect.origin}${redirect.pathname}`).toBe(callback(name));
      expect(redirect.searchParams.get('state')).toBe(state);
      const { tokens, returnTo } = await flow.handleCallback('ada', redirect.searchParams);
      expect(returnTo).toBe('/after');
      expect(tokens).toMatchObject({ tokenType: 'Bearer', idToken: expect.any(String) });
      expect(tokens.idTokenClaims).toMatchObject({ sub: 'ada' });
    });
  });

  it('pushes in the seed’s step-by-step flow too: getAuthorizationEndpoint, then fetchAccessToken', async () => {
    const flow = flows('post');
    const state = flow.makeState();
    await flow.storeUserState('bea', state);
    const before = await parRequests();
    const url = await flow.getAuthorizationEndpoint(state, { prompt: 'consent' });
    expect(await parRequests()).toBe(before + 1);
    expect([...new URL(url).searchParams.keys()]).toEqual(['client_id', 'request_uri']);
    const redirect = await server.login(url, { username: 'bea' });
    expect(redirect.searchParams.get('state')).toBe(state);
    const tokens = await flow.fetchAccessToken('bea', redirect.searchParams.get('code')!, state);
    expect(tokens.idTokenClaims).toMatchObject({ sub: 'bea' });
  });

  it('pushes to a configured path without discovery', async () => {
    const flow = flows('static');
    const before = await parRequests();
    const { url, state } = await flow.createAuthorizationUrl('cy');
    expect(await parRequests()).toBe(before + 1);
    expect([...new URL(url).searchParams.keys()]).toEqual(['client_id', 'request_uri']);
    const redirect = await server.login(url, { username: 'cy' });
    expect(redirect.searchParams.get('state')).toBe(state);
    await expect(flow.handleCallback('cy', redirect.searchParams)).resolves.toMatchObject({
      tokens: { idTokenClaims: { sub: 'cy' } },
    });
  });

  it('a pushed request_uri is single use: the browser cannot replay it', async () => {
    const { url } = await flows('post').createAuthorizationUrl('dee');
    await server.login(url, { username: 'dee' });
    const replay = await server.login(url, { username: 'dee' }).then(
      (redirect) => redirect.searchParams.get('error'),
      (error: Error) => error.message,
    );
    expect(replay).toMatch(/invalid_request_uri/);
  });

  it('refuses pushedAuthorizationRequests: false against a metadata that requires PAR, before any state or push', async () => {
    const before = { size: stateStore.size, pushes: await parRequests() };
    const error = await flows('off')
      .createAuthorizationUrl('ada')
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ reason: 'invalid_metadata' });
    expect((error as Error).message).toContain('providers.off.pushedAuthorizationRequests: false');
    expect(stateStore.size).toBe(before.size);
    expect(await parRequests()).toBe(before.pushes);
  });

  it('fails with a typed error and leaves no state when the PAR endpoint is unreachable', async () => {
    const flow = flows('down');
    const size = stateStore.size;
    const error = await flow.createAuthorizationUrl('ada').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(PushedAuthorizationError);
    expect(error).toMatchObject({ code: 'par_failed', reason: 'network', status: undefined });
    expect((error as Error).message).toBe('The pushed authorization request failed: network error ECONNREFUSED.');
    expect(stateStore.size).toBe(size);

    const state = flow.makeState();
    await flow.storeUserState('ada', state);
    await expect(flow.getAuthorizationEndpoint(state)).rejects.toMatchObject({ reason: 'network' });
    expect(await flow.checkUserState('ada', state)).toBe(false);
    expect(stateStore.size).toBe(size);
  });

  it.each([
    ['500', { reason: 'http_status', status: 500, error: 'server_error' }],
    ['garbage', { reason: 'invalid_response', status: 201 }],
    ['redirect', { reason: 'redirect', status: 307 }],
    ['hang', { reason: 'timeout', status: undefined }],
  ] as const)(
    'fails with a typed error, one request and no state when the PAR endpoint answers %s',
    async (answer, expected) => {
      fakeAnswer = answer;
      const size = stateStore.size;
      const before = { real: await parRequests(), fake: fake.requestsTo('/par').length };
      const error = await flows('fake')
        .createAuthorizationUrl(undefined)
        .catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(PushedAuthorizationError);
      expect(error).toMatchObject({ code: 'par_failed', ...expected });
      expect(fake.requestsTo('/par')).toHaveLength(before.fake + 1);
      // The redirect was not followed to the real PAR endpoint, and the browser was never sent anywhere.
      expect(await parRequests()).toBe(before.real);
      expect(fake.requestsTo('/oauth/authorize')).toHaveLength(0);
      expect(stateStore.size).toBe(size);
      const message = (error as Error).message;
      for (const leaked of ['fake-secret', 'code_challenge', 'redirect_uri', 'state=', 'created'])
        expect(message).not.toContain(leaked);
    },
  );

  /** The fake PAR endpoint: answers as `fakeAnswer` says. */
  function parHandler() {
    return (_request: unknown, res: import('node:http').ServerResponse) => {
      if (fakeAnswer === '500') return json(res, 500, { error: 'server_error' });
      if (fakeAnswer === 'garbage') return res.writeHead(201, { 'Content-Type': 'text/html' }).end('<h1>created</h1>');
      if (fakeAnswer === 'redirect') return res.writeHead(307, { Location: `${server.issuer}/request` }).end();
      return new Promise<void>((resolve) => hanging.push(resolve));
    };
  }
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
