import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import type { ServerResponse } from 'node:http';
import {
  FlowManagerRegistry,
  InvalidArgumentError,
  TOKEN_STORE,
  ReauthorizationRequiredError,
  type FlowManager,
  type TokenSet,
  type TokenStore,
} from '../../lib/index.js';
import { NotConnectedError } from '../../lib/auth-code-flow.errors.js';
import { FakeProvider, json, type RecordedRequest } from '../support/fake-provider.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';

// fetchProtectedResource through the module: the fake provider issues and refreshes tokens, a second fake
// server plays the resource server, a third the target of a redirect.

const ACCESS_TOKEN = 'access-stored';
const INVALID_TOKEN = { 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="expired"' };

describe('fetchProtectedResource', () => {
  let provider: FakeProvider;
  let api: FakeProvider;
  let elsewhere: FakeProvider;
  let moduleRef: TestingModule | undefined;
  let tokenStore: TokenStore;
  let manager: FlowManager;

  beforeAll(async () => {
    [provider, api, elsewhere] = await Promise.all([FakeProvider.start(), FakeProvider.start(), FakeProvider.start()]);
  });
  afterAll(() => Promise.all([provider.close(), api.close(), elsewhere.close()]));
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    for (const server of [provider, api, elsewhere]) server.reset();
  });

  async function connect(fields: Partial<TokenSet> = {}, httpTimeoutMs?: number): Promise<void> {
    moduleRef = await compileWith({ providers: { fake: fakeClientOptions(provider) }, httpTimeoutMs });
    tokenStore = moduleRef.get(TOKEN_STORE);
    manager = moduleRef.get(FlowManagerRegistry).get('fake');
    await tokenStore.set('fake', 'ada', {
      accessToken: ACCESS_TOKEN,
      tokenType: 'Bearer',
      refreshToken: 'refresh-stored',
      expiresAt: Date.now() + 3_600_000,
      raw: {},
      ...fields,
    });
  }

  /** The resource server: 401 invalid_token for the stored access token, 200 with the token's name for any other. */
  function rejectStoredToken(): void {
    api.on('GET', '/data', (request, res) => answerByToken(request, res));
    api.on('POST', '/data', (request, res) => answerByToken(request, res));
  }
  function answerByToken(request: RecordedRequest, res: ServerResponse): void {
    const token = request.headers.authorization?.replace(/^Bearer /, '');
    if (token === ACCESS_TOKEN) json(res, 401, { error: 'invalid_token' }, INVALID_TOKEN);
    else json(res, 200, { token, body: request.body });
  }

  const tokenRequests = () => provider.requestsTo('/oauth/token');
  const authorizations = (server: FakeProvider) => server.requests.map((request) => request.headers.authorization);
  const failureOf = (call: Promise<unknown>) =>
    call.then(
      () => undefined,
      (error: unknown) => error,
    );

  it("sends the stored token as the bearer token, in place of init's Authorization, and returns the answer as it is", async () => {
    api.on('GET', '/data', (_request, res) => json(res, 404, { error: 'not_found' }, { 'X-Answer': 'as-is' }));
    await connect();
    const response = await manager.fetchProtectedResource('ada', `${api.url}/data?page=2`, {
      headers: { authorization: 'Basic app-credentials', 'X-Trace': 't1' },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-answer')).toBe('as-is');
    expect(await response.json()).toEqual({ error: 'not_found' });
    const [request] = api.requests;
    expect(request!.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(request!.headers['x-trace']).toBe('t1');
    expect(request!.query.get('page')).toBe('2');
    expect(api.requests).toHaveLength(1);
    expect(tokenRequests()).toHaveLength(0);
  });

  it('refreshes expired tokens before the request', async () => {
    rejectStoredToken();
    await connect({ expiresAt: Date.now() - 1000 });
    const response = await manager.fetchProtectedResource('ada', new URL(`${api.url}/data`));
    expect(response.status).toBe(200);
    expect(tokenRequests()).toHaveLength(1);
    expect(api.requests).toHaveLength(1);
  });

  it('on a 401 invalid_token, refreshes once and retries once with the new token, the same body', async () => {
    rejectStoredToken();
    await connect();
    const response = await manager.fetchProtectedResource('ada', `${api.url}/data`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"q":1}',
    });
    expect(response.status).toBe(200);
    const stored = (await tokenStore.get('fake', 'ada'))!;
    expect(stored.accessToken).not.toBe(ACCESS_TOKEN);
    expect(await response.json()).toEqual({ token: stored.accessToken, body: '{"q":1}' });
    expect(tokenRequests()).toHaveLength(1);
    expect(tokenRequests()[0]!.params).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'refresh-stored' });
    expect(authorizations(api)).toEqual([`Bearer ${ACCESS_TOKEN}`, `Bearer ${stored.accessToken}`]);
    expect(api.requests.map((request) => request.body)).toEqual(['{"q":1}', '{"q":1}']);
  });

  it('returns a second 401 as it is: one refresh, two requests, no more', async () => {
    api.on('GET', '/data', (_request, res) => json(res, 401, { error: 'invalid_token' }, INVALID_TOKEN));
    await connect();
    const response = await manager.fetchProtectedResource('ada', `${api.url}/data`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(INVALID_TOKEN['WWW-Authenticate']);
    expect(await response.json()).toEqual({ error: 'invalid_token' });
    expect(tokenRequests()).toHaveLength(1);
    expect(api.requests).toHaveLength(2);
  });

  it.each([
    ['no WWW-Authenticate', {}],
    ['insufficient_scope', { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' }],
    ['another scheme', { 'WWW-Authenticate': 'Basic realm="api", error="invalid_token"' }],
    ['a malformed challenge', { 'WWW-Authenticate': 'Bearer error="invalid_token' }],
  ])('returns a 401 with %s as it is, without a refresh', async (_case, headers) => {
    api.on('GET', '/data', (_request, res) => json(res, 401, { error: 'no' }, headers));
    await connect();
    const response = await manager.fetchProtectedResource('ada', `${api.url}/data`);
    expect(response.status).toBe(401);
    expect(tokenRequests()).toHaveLength(0);
    expect(api.requests).toHaveLength(1);
  });

  it('returns the 401 as it is when there is no refresh token', async () => {
    rejectStoredToken();
    await connect({ refreshToken: undefined });
    const response = await manager.fetchProtectedResource('ada', `${api.url}/data`);
    expect(response.status).toBe(401);
    expect(tokenRequests()).toHaveLength(0);
    expect(api.requests).toHaveLength(1);
  });

  it('shares one refresh between concurrent calls that all get 401 invalid_token', async () => {
    rejectStoredToken();
    await connect();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => manager.fetchProtectedResource('ada', `${api.url}/data`)),
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(tokenRequests()).toHaveLength(1);
    expect(api.requests).toHaveLength(10);
    const stored = (await tokenStore.get('fake', 'ada'))!;
    expect(new Set(authorizations(api))).toEqual(new Set([`Bearer ${ACCESS_TOKEN}`, `Bearer ${stored.accessToken}`]));
  });

  it('does not retry a stream body, which cannot be sent twice: the 401 is returned, no refresh', async () => {
    rejectStoredToken();
    await connect();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const response = await manager.fetchProtectedResource('ada', `${api.url}/data`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(401);
    expect(api.requests.map((request) => request.body)).toEqual(['streamed']);
    expect(tokenRequests()).toHaveLength(0);
  });

  it('a refresh refused with invalid_grant: ReauthorizationRequiredError, the dead tokens dropped for a marker', async () => {
    rejectStoredToken();
    await connect({ refreshToken: 'revoked' });
    const error = await failureOf(manager.fetchProtectedResource('ada', `${api.url}/data`));
    expect(error).toBeInstanceOf(ReauthorizationRequiredError);
    expect(error).toMatchObject({ reason: 'refresh_rejected', error: 'invalid_grant', provider: 'fake', user: 'ada' });
    expect((await tokenStore.get('fake', 'ada'))!.accessToken).toBe('');
    expect(api.requests).toHaveLength(1);
    // The next call sends nothing: neither to the resource server nor a refresh.
    await expect(manager.fetchProtectedResource('ada', `${api.url}/data`)).rejects.toBeInstanceOf(
      ReauthorizationRequiredError,
    );
    expect(api.requests).toHaveLength(1);
  });

  it('never follows a redirect: the token does not reach its target', async () => {
    api.on('GET', '/data', (_request, res) => res.writeHead(302, { Location: `${elsewhere.url}/steal` }).end());
    api.on('GET', '/moved', (_request, res) => res.writeHead(307, { Location: `${api.url}/data` }).end());
    await connect();
    const response = await manager.fetchProtectedResource('ada', `${api.url}/data`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${elsewhere.url}/steal`);
    const sameOrigin = await manager.fetchProtectedResource('ada', `${api.url}/moved`, { redirect: 'manual' });
    expect(sameOrigin.status).toBe(307);
    expect(elsewhere.requests.filter((request) => request.headers.authorization !== undefined)).toEqual([]);
    expect(elsewhere.requests).toHaveLength(0);
    expect(api.requests.map((request) => request.path)).toEqual(['/data', '/moved']);
  });

  it('refuses a plain-http URL off loopback and a redirect mode other than manual, sending nothing', async () => {
    await connect();
    const insecure = await failureOf(manager.fetchProtectedResource('ada', 'http://api.example/data'));
    expect(insecure).toBeInstanceOf(InvalidArgumentError);
    expect(insecure).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    const follow = await failureOf(manager.fetchProtectedResource('ada', `${api.url}/data`, { redirect: 'follow' }));
    expect(follow).toMatchObject({ name: 'InvalidArgumentError', code: 'ERR_INVALID_ARG_VALUE' });
    expect(api.requests).toHaveLength(0);
  });

  it('throws NotConnectedError for a user without tokens, sending nothing', async () => {
    await connect();
    const error = await failureOf(manager.fetchProtectedResource('nobody', `${api.url}/data`));
    expect(error).toBeInstanceOf(NotConnectedError);
    expect(error).toMatchObject({ provider: 'fake', user: 'nobody' });
    expect(api.requests).toHaveLength(0);
  });

  it("gives up within httpTimeoutMs, and on the caller's own signal", async () => {
    api.on('GET', '/hang', () => undefined);
    await connect({}, 300);
    const timeout = await failureOf(manager.fetchProtectedResource('ada', `${api.url}/hang`));
    expect(timeout).toMatchObject({ name: 'TimeoutError' });
    const controller = new AbortController();
    const aborted = failureOf(manager.fetchProtectedResource('ada', `${api.url}/hang`, { signal: controller.signal }));
    controller.abort();
    expect(await aborted).toMatchObject({ name: 'AbortError' });
    expect(String(timeout)).not.toContain(ACCESS_TOKEN);
  });
});
