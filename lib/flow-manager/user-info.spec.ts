import { describe, expect, it } from '@jest/globals';
import {
  AuthCodeFlowConfigError,
  EndpointNotConfiguredError,
  InvalidArgumentError,
  NotConnectedError,
  TokenEndpointError,
} from '../auth-code-flow.errors.js';
import type {
  TokenHttpGetRequest,
  TokenHttpResponse,
  TokenHttpTransport,
} from '../interfaces/token-http-transport.interface.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import { resolveOptions } from '../options/resolve-options.util.js';
import { InMemoryTokenStore } from '../stores/in-memory-token.store.js';
import { TokenHttpFailure } from '../transport/token-http-failure.js';
import { UserInfoError } from '../userinfo.errors.js';
import { ProviderEndpoints } from './provider-endpoints.js';
import { TokenEndpointClient } from './token-endpoint.client.js';
import { TokenRefresher } from './token-refresh.js';
import type { UserCallContext } from './user-call-context.js';
import { fetchUserInfo, userInfoClaims } from './user-info.js';

// The UserInfo call against a scripted transport; test/flow-manager/user-info.e2e-spec.ts runs it over HTTP.

const ACCESS_TOKEN = 'at-secret-value';
const stored: TokenSet = { accessToken: ACCESS_TOKEN, tokenType: 'bearer', raw: {} };
const json = (body: unknown, status = 200, contentType = 'application/json'): TokenHttpResponse => ({
  status,
  contentType,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

async function contextFor(
  answer: (request: TokenHttpGetRequest) => Promise<TokenHttpResponse>,
  options: { userInfoPath?: string; tokens?: TokenSet; get?: boolean } = {},
): Promise<{ context: UserCallContext; requests: TokenHttpGetRequest[] }> {
  const requests: TokenHttpGetRequest[] = [];
  const transport: TokenHttpTransport = {
    post: async () => {
      throw new Error('no POST expected');
    },
  };
  if (options.get !== false) {
    transport.get = (request) => {
      requests.push(request);
      return answer(request);
    };
  }
  const raw = {
    baseUri: 'https://idp.example',
    authorizationPath: '/authorize',
    accessTokenPath: '/token',
    userInfoPath: 'userInfoPath' in options ? options.userInfoPath : '/userinfo',
    clientId: 'client',
    redirectUri: 'https://app.example/oauth/p/callback',
  };
  const config = resolveOptions({ providers: { p: raw } }).providers.get('p')!;
  const tokenClient = new TokenEndpointClient(transport);
  const tokenStore = new InMemoryTokenStore();
  if (options.tokens !== undefined) await tokenStore.set('p', 'ada', options.tokens);
  const refresher = new TokenRefresher({
    provider: 'p',
    tokenStore,
    httpTimeoutMs: 1000,
    refresh: async () => {
      throw new Error('no refresh expected');
    },
    keep: (user, tokens) => tokenStore.set('p', user, tokens),
  });
  const deps = { stateStore: undefined as never, tokenStore, tokenClient, stateTtlSeconds: 60, httpTimeoutMs: 1000 };
  const endpoints = new ProviderEndpoints(config, tokenClient, 1000);
  return { context: { provider: 'p', config, endpoints, refresher, deps }, requests };
}

const failureOf = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('fetchUserInfo', () => {
  it('GETs the userinfo endpoint with the bearer token, JSON accepted, bounded, and returns the claims', async () => {
    const { context, requests } = await contextFor(async () => json({ sub: 'ada', name: 'Ada' }), { tokens: stored });
    await expect(fetchUserInfo(context, 'ada')).resolves.toEqual({ sub: 'ada', name: 'Ada' });
    expect(requests).toEqual([
      {
        url: 'https://idp.example/userinfo',
        headers: { Accept: 'application/json', Authorization: `Bearer ${ACCESS_TOKEN}` },
        timeoutMs: 1000,
        maxResponseBytes: 1024 * 1024,
      },
    ]);
  });

  it('checks the user, then the endpoint, then the transport, then the tokens; nothing is sent', async () => {
    const answer = async () => json({ sub: 'ada' });
    const noEndpoint = await contextFor(answer, { userInfoPath: undefined, tokens: stored });
    for (const user of [undefined, 42]) {
      const error = await failureOf(fetchUserInfo(noEndpoint.context, user as never));
      expect(error).toMatchObject({ name: 'InvalidArgumentError', code: 'ERR_INVALID_ARG_TYPE' });
    }
    const empty = await failureOf(fetchUserInfo(noEndpoint.context, ''));
    expect(empty).toBeInstanceOf(InvalidArgumentError);
    expect(empty).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });

    const error = await failureOf(fetchUserInfo(noEndpoint.context, 'ada'));
    expect(error).toBeInstanceOf(EndpointNotConfiguredError);
    expect(error).toMatchObject({ code: 'endpoint_not_configured', provider: 'p', endpoint: 'userinfo' });

    const noGet = await contextFor(answer, { tokens: stored, get: false });
    const config = await failureOf(fetchUserInfo(noGet.context, 'ada'));
    expect(config).toBeInstanceOf(AuthCodeFlowConfigError);
    expect((config as AuthCodeFlowConfigError).problems).toEqual([
      'providers.p: getUserInfo needs a token transport with a get method',
    ]);

    const notConnected = await contextFor(answer);
    const missing = await failureOf(fetchUserInfo(notConnected.context, 'ada'));
    expect(missing).toBeInstanceOf(NotConnectedError);
    expect(missing).toMatchObject({ code: 'not_connected', provider: 'p', user: 'ada' });
    expect(noEndpoint.requests.length + noGet.requests.length + notConnected.requests.length).toBe(0);
  });

  it('refuses to send an access token that no header can carry, without quoting it', async () => {
    const tokens = { ...stored, accessToken: `${ACCESS_TOKEN}\r\nX-Evil: 1` };
    const { context, requests } = await contextFor(async () => json({ sub: 'ada' }), { tokens });
    const error = await failureOf(fetchUserInfo(context, 'ada'));
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ failure: 'invalid_response' });
    expect((error as Error).message).not.toContain(ACCESS_TOKEN);
    expect(requests).toEqual([]);
  });

  it.each([
    ['timeout', new TokenHttpFailure('timeout', undefined, 'no complete response within 1000 ms'), 'within 1000 ms'],
    ['response_too_large', new TokenHttpFailure('response_too_large', undefined, 'big'), '1048576 bytes'],
    ['network', new TokenHttpFailure('network', 'ECONNRESET', 'reset'), 'network error ECONNRESET'],
    ['network', new TokenHttpFailure('network', 'odd code with spaces', 'x'), 'network error without a code'],
    ['network', new Error(`custom transport failed with ${ACCESS_TOKEN}`), 'network error without a code'],
  ] as const)('turns a transport failure into UserInfoError %s (%#)', async (reason, failure, detail) => {
    const { context } = await contextFor(
      async () => {
        throw failure;
      },
      { tokens: stored },
    );
    const error = (await failureOf(fetchUserInfo(context, 'ada'))) as UserInfoError;
    expect(error).toBeInstanceOf(UserInfoError);
    expect(error).toMatchObject({ code: 'userinfo_failed', reason, status: undefined });
    expect(error.message).toContain(detail);
    expect(JSON.stringify({ ...error, message: error.message, cause: String(error.cause) })).not.toContain(
      ACCESS_TOKEN,
    );
    expect(error.cause).not.toBe(failure);
  });
});

describe('userInfoClaims', () => {
  const claimsOf = (response: TokenHttpResponse, idTokenClaims?: Record<string, unknown>) =>
    userInfoClaims(response, { idTokenClaims }, 'p');
  const failure = (response: TokenHttpResponse, idTokenClaims?: Record<string, unknown>) => {
    try {
      claimsOf(response, idTokenClaims);
    } catch (error) {
      return error as UserInfoError;
    }
    throw new Error('expected a UserInfoError');
  };

  it("accepts an object whose sub is the ID token's, with a charset parameter", () => {
    const response = json({ sub: 'ada', email: 'ada@example.com' }, 200, 'application/json; charset=utf-8');
    expect(claimsOf(response, { sub: 'ada', iss: 'https://idp.example' })).toEqual({
      sub: 'ada',
      email: 'ada@example.com',
    });
  });

  it('drops __proto__ members, so the claims are plain data', () => {
    const claims = claimsOf(json('{"sub":"ada","__proto__":{"admin":true},"nested":{"__proto__":{"x":1}}}'));
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
    expect(Object.keys(claims)).toEqual(['sub', 'nested']);
    expect(Object.keys(claims.nested as object)).toEqual([]);
    expect((claims as { admin?: boolean }).admin).toBeUndefined();
  });

  it("refuses a sub other than the ID token's as subject_mismatch, quoting neither", () => {
    const error = failure(json({ sub: 'mallory-sub' }), { sub: 'ada-sub' });
    expect(error).toMatchObject({ reason: 'subject_mismatch', status: 200 });
    expect(error.message).not.toMatch(/mallory-sub|ada-sub/);
  });

  it.each([
    ['a 401', json({ error: 'invalid_token' }, 401), 'http_status', 401],
    ['a 500', json('oops', 500, 'text/plain'), 'http_status', 500],
    ['a redirect, which is not followed', json('', 302, ''), 'http_status', 302],
    [
      'a signed answer (application/jwt), not supported yet',
      json('eyJ.eyJ.sig', 200, 'application/jwt'),
      'invalid_response',
      200,
    ],
    ['HTML', json('<html>{"sub":"ada"}</html>', 200, 'text/html'), 'invalid_response', 200],
    ['JSON sent as text/plain', json({ sub: 'ada' }, 200, 'text/plain'), 'invalid_response', 200],
    ['unparseable JSON', json('{"sub":', 200), 'invalid_response', 200],
    ['a JSON array', json([{ sub: 'ada' }]), 'invalid_response', 200],
    ['no sub', json({ name: 'Ada' }), 'invalid_response', 200],
    ['an empty sub', json({ sub: '' }), 'invalid_response', 200],
    ['a number sub', json({ sub: 42 }), 'invalid_response', 200],
    ['JSON nested beyond the bounds', json(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`), 'invalid_response', 200],
  ] as const)('refuses %s', (_case, response, reason, status) => {
    const error = failure(response);
    expect(error).toBeInstanceOf(UserInfoError);
    expect(error).toMatchObject({ reason, status });
    expect(error.message).toMatch(/^The userinfo request to provider p failed: .+\.$/);
    expect(error.message).not.toMatch(/invalid_token|oops|html|eyJ/);
  });

  it('requires a sub without ID token claims, and the same sub with them', () => {
    expect(claimsOf(json({ sub: 'anyone' }))).toEqual({ sub: 'anyone' });
    expect(failure(json({ sub: 'ada' }), {})).toMatchObject({ reason: 'subject_mismatch' });
  });
});
