import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import {
  FlowManagerRegistry,
  TOKEN_STORE,
  UserInfoError,
  type FlowManager,
  type FlowManagerOptions,
  type TokenSet,
  type TokenStore,
} from '../../lib/index.js';
import { EndpointNotConfiguredError, NotConnectedError } from '../../lib/auth-code-flow.errors.js';
import { FakeProvider, json } from '../support/fake-provider.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';

// getUserInfo through the module, against the fake provider's /userinfo. Tokens are stored directly, with the
// ID token claims the ID token validation would have stored.

const ACCESS_TOKEN = 'stored-access-token-value';
const REFRESH_TOKEN = 'refresh-stored';

describe('getUserInfo', () => {
  let provider: FakeProvider;
  let moduleRef: TestingModule | undefined;
  let tokenStore: TokenStore;

  beforeAll(async () => {
    provider = await FakeProvider.start();
  });
  afterAll(() => provider.close());
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    provider.reset();
  });

  async function managerFor(overrides: Partial<FlowManagerOptions> = {}, httpTimeoutMs?: number): Promise<FlowManager> {
    const options = fakeClientOptions(provider, 'fake', { userInfoPath: '/userinfo', ...overrides });
    moduleRef = await compileWith({ providers: { fake: options }, httpTimeoutMs });
    tokenStore = moduleRef.get(TOKEN_STORE);
    return moduleRef.get(FlowManagerRegistry).get('fake');
  }

  async function store(fields: Partial<TokenSet> = {}, user = 'ada'): Promise<TokenSet> {
    const tokens: TokenSet = {
      accessToken: ACCESS_TOKEN,
      tokenType: 'Bearer',
      refreshToken: REFRESH_TOKEN,
      expiresAt: Date.now() + 3_600_000,
      idTokenClaims: { sub: 'ada-sub', iss: provider.url },
      raw: {},
      ...fields,
    };
    await tokenStore.set('fake', user, tokens);
    return tokens;
  }

  const failureOf = (call: Promise<unknown>) =>
    call.then(
      () => undefined,
      (error: unknown) => error,
    );
  const userinfoRequests = () => provider.requestsTo('/userinfo');
  const tokenRequests = () => provider.requestsTo('/oauth/token');

  it('GETs the claims with the bearer token and JSON accepted, and returns them as plain data', async () => {
    provider.on('GET', '/userinfo', (_request, res) =>
      json(res, 200, { sub: 'ada-sub', name: 'Ada', email: 'ada@example.com' }),
    );
    const manager = await managerFor();
    await store();
    await expect(manager.getUserInfo('ada')).resolves.toEqual({
      sub: 'ada-sub',
      name: 'Ada',
      email: 'ada@example.com',
    });
    const [request] = userinfoRequests();
    expect(request!.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(request!.headers.accept).toBe('application/json');
    expect(userinfoRequests()).toHaveLength(1);
  });

  it("refuses claims whose sub is not the ID token's", async () => {
    provider.on('GET', '/userinfo', (_request, res) => json(res, 200, { sub: 'mallory-sub', name: 'Mallory' }));
    const manager = await managerFor();
    await store();
    const error = await failureOf(manager.getUserInfo('ada'));
    expect(error).toBeInstanceOf(UserInfoError);
    expect(error).toMatchObject({ code: 'userinfo_failed', reason: 'subject_mismatch', status: 200 });
    expect((error as Error).message).not.toMatch(/mallory|Mallory|ada-sub/);
  });

  it('requires only a string sub when the stored tokens have no ID token claims', async () => {
    provider.on('GET', '/userinfo', (_request, res) => json(res, 200, { sub: 'any-sub' }));
    const manager = await managerFor();
    await store({ idTokenClaims: undefined });
    await expect(manager.getUserInfo('ada')).resolves.toEqual({ sub: 'any-sub' });
  });

  it('throws EndpointNotConfiguredError without a userinfo endpoint, sending nothing', async () => {
    const manager = await managerFor({ userInfoPath: undefined });
    await store();
    const error = await failureOf(manager.getUserInfo('ada'));
    expect(error).toBeInstanceOf(EndpointNotConfiguredError);
    expect(error).toMatchObject({ code: 'endpoint_not_configured', provider: 'fake', endpoint: 'userinfo' });
    expect(provider.requests).toHaveLength(0);
  });

  it('throws NotConnectedError for a user without tokens, sending nothing', async () => {
    const manager = await managerFor();
    const error = await failureOf(manager.getUserInfo('nobody'));
    expect(error).toBeInstanceOf(NotConnectedError);
    expect(error).toMatchObject({
      code: 'not_connected',
      provider: 'fake',
      user: 'nobody',
      message: 'The user has no tokens for provider fake: connect the account first.',
    });
    expect(provider.requests).toHaveLength(0);
  });

  it.each([
    [
      'a 401 with a Bearer challenge',
      (res: import('node:http').ServerResponse) =>
        json(res, 401, { error: 'invalid_token' }, { 'WWW-Authenticate': 'Bearer error="invalid_token"' }),
      'http_status',
      401,
    ],
    [
      'a 500',
      (res: import('node:http').ServerResponse) =>
        res.writeHead(500, { 'Content-Type': 'text/html' }).end(`<h1>oops ${ACCESS_TOKEN}</h1>`),
      'http_status',
      500,
    ],
    [
      'HTML with 200',
      (res: import('node:http').ServerResponse) =>
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>{"sub":"ada-sub"}</html>'),
      'invalid_response',
      200,
    ],
    [
      'a signed answer (application/jwt), not supported yet',
      (res: import('node:http').ServerResponse) =>
        res.writeHead(200, { 'Content-Type': 'application/jwt' }).end('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln'),
      'invalid_response',
      200,
    ],
    [
      'a body over 1 MiB',
      (res: import('node:http').ServerResponse) =>
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ sub: 'ada-sub', padding: 'x'.repeat(1024 * 1024) })),
      'response_too_large',
      undefined,
    ],
  ] as const)(
    'turns %s into a UserInfoError, quoting neither the answer nor the token',
    async (_case, answer, reason, status) => {
      provider.on('GET', '/userinfo', (_request, res) => answer(res));
      const manager = await managerFor();
      await store();
      const error = (await failureOf(manager.getUserInfo('ada'))) as UserInfoError;
      expect(error).toBeInstanceOf(UserInfoError);
      expect(error).toMatchObject({ code: 'userinfo_failed', reason, status });
      const everything = `${error.message} ${JSON.stringify(error)} ${String(error.cause)}`;
      expect(everything).not.toContain(ACCESS_TOKEN);
      expect(everything).not.toMatch(/oops|invalid_token|eyJ|ada-sub/);
      // Not a refresh trigger: the call is not repeated, and no token request is made.
      expect(userinfoRequests()).toHaveLength(1);
      expect(tokenRequests()).toHaveLength(0);
    },
  );

  it('gives up on a hanging userinfo endpoint within httpTimeoutMs: UserInfoError timeout', async () => {
    provider.on('GET', '/userinfo', () => undefined);
    const manager = await managerFor({}, 300);
    await store();
    const error = await failureOf(manager.getUserInfo('ada'));
    expect(error).toBeInstanceOf(UserInfoError);
    expect(error).toMatchObject({ reason: 'timeout', status: undefined });
    expect((error as Error).message).toBe(
      'The userinfo request to provider fake failed: no complete answer within 300 ms.',
    );
  });

  it('refreshes expired tokens first, with one token request, and sends the new access token', async () => {
    provider.on('GET', '/userinfo', (request, res) =>
      request.headers.authorization === `Bearer ${ACCESS_TOKEN}`
        ? json(res, 401, {}, { 'WWW-Authenticate': 'Bearer error="invalid_token"' })
        : json(res, 200, { sub: 'ada-sub' }),
    );
    const manager = await managerFor();
    await store({ expiresAt: Date.now() - 1000 });
    await expect(manager.getUserInfo('ada')).resolves.toEqual({ sub: 'ada-sub' });
    expect(tokenRequests()).toHaveLength(1);
    expect(tokenRequests()[0]!.params).toMatchObject({ grant_type: 'refresh_token', refresh_token: REFRESH_TOKEN });
    const refreshed = (await tokenStore.get('fake', 'ada'))!;
    expect(refreshed.accessToken).not.toBe(ACCESS_TOKEN);
    expect(userinfoRequests().map((request) => request.headers.authorization)).toEqual([
      `Bearer ${refreshed.accessToken}`,
    ]);
  });

  it('takes the userinfo endpoint from the provider metadata with discovery', async () => {
    const issuer = provider.url;
    provider.on('GET', '/.well-known/openid-configuration', (_request, res) =>
      json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/oauth/authorize`,
        token_endpoint: `${issuer}/oauth/token`,
        userinfo_endpoint: `${issuer}/discovered/userinfo`,
        response_types_supported: ['code'],
      }),
    );
    provider.on('GET', '/discovered/userinfo', (_request, res) => json(res, 200, { sub: 'ada-sub' }));
    const options = fakeClientOptions(provider, 'fake', { issuer });
    delete options.authorizationPath;
    delete options.accessTokenPath;
    delete options.baseUri;
    moduleRef = await compileWith({ providers: { fake: options } });
    tokenStore = moduleRef.get(TOKEN_STORE);
    const manager = moduleRef.get(FlowManagerRegistry).get('fake');
    await store();
    await expect(manager.getUserInfo('ada')).resolves.toEqual({ sub: 'ada-sub' });
    expect(provider.requestsTo('/discovered/userinfo')).toHaveLength(1);
  });
});
