import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { InvalidArgumentError, NotConnectedError } from '../auth-code-flow.errors.js';
import type { TokenHttpTransport } from '../interfaces/token-http-transport.interface.js';
import { resolveOptions } from '../options/resolve-options.util.js';
import { InMemoryTokenStore } from '../stores/in-memory-token.store.js';
import { fetchProtectedResource, isReplayable } from './protected-resource.js';
import { ProviderEndpoints } from './provider-endpoints.js';
import { TokenEndpointClient } from './token-endpoint.client.js';
import { TokenRefresher } from './token-refresh.js';
import type { UserCallContext } from './user-call-context.js';

// Argument checks, which fail before any token is read or request sent; the requests themselves are in
// test/flow-manager/protected-resource.e2e-spec.ts.

async function contextFor(allowInsecureRequests = false): Promise<UserCallContext> {
  const transport: TokenHttpTransport = {
    post: async () => {
      throw new Error('no request expected');
    },
  };
  const raw = {
    baseUri: 'https://idp.example',
    authorizationPath: '/authorize',
    accessTokenPath: '/token',
    clientId: 'client',
    redirectUri: 'https://app.example/oauth/p/callback',
    allowInsecureRequests,
  };
  const config = resolveOptions({ providers: { p: raw } }).providers.get('p')!;
  const tokenClient = new TokenEndpointClient(transport);
  const tokenStore = new InMemoryTokenStore();
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
  return { provider: 'p', config, endpoints: new ProviderEndpoints(config, tokenClient, 1000), refresher, deps };
}

const failureOf = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (error: unknown) => error,
  );
const URL_MESSAGE =
  'The url of fetchProtectedResource must be an absolute https URL without credentials ' +
  '(plain http only for localhost, or with allowInsecureRequests).';

describe('fetchProtectedResource arguments', () => {
  it.each([
    ['a path', '/api/me', 'ERR_INVALID_ARG_VALUE'],
    ['plain http off loopback', 'http://api.example/me', 'ERR_INVALID_ARG_VALUE'],
    ['plain http as a URL', new URL('http://api.example/me'), 'ERR_INVALID_ARG_VALUE'],
    ['another scheme', 'ftp://api.example/me', 'ERR_INVALID_ARG_VALUE'],
    ['credentials', 'https://user:pass@api.example/me', 'ERR_INVALID_ARG_VALUE'],
    ['a number', 42, 'ERR_INVALID_ARG_TYPE'],
    ['a Request', new Request('https://api.example/me'), 'ERR_INVALID_ARG_TYPE'],
  ] as const)('refuses %s as the URL, before reading any token', async (_case, url, code) => {
    const error = await failureOf(fetchProtectedResource(await contextFor(), 'ada', url as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code, message: URL_MESSAGE });
  });

  it('takes plain http on loopback, and anywhere with allowInsecureRequests, then needs the tokens', async () => {
    for (const url of ['http://localhost:1/x', 'http://127.0.0.1:1/x', 'http://[::1]:1/x', 'https://api.example/x']) {
      await expect(fetchProtectedResource(await contextFor(), 'ada', url)).rejects.toBeInstanceOf(NotConnectedError);
    }
    const insecure = await contextFor(true);
    await expect(fetchProtectedResource(insecure, 'ada', 'http://api.internal/x')).rejects.toMatchObject({
      code: 'not_connected',
      provider: 'p',
      user: 'ada',
    });
  });

  it('refuses a redirect mode other than manual, and an init that is not an object', async () => {
    const context = await contextFor();
    for (const redirect of ['follow', 'error'] as const) {
      const error = await failureOf(fetchProtectedResource(context, 'ada', 'https://api.example/x', { redirect }));
      expect(error).toMatchObject({ name: 'InvalidArgumentError', code: 'ERR_INVALID_ARG_VALUE' });
      expect((error as Error).message).toMatch(/never follows a redirect/);
    }
    const manual = fetchProtectedResource(context, 'ada', 'https://api.example/x', { redirect: 'manual' });
    await expect(manual).rejects.toBeInstanceOf(NotConnectedError);
    for (const init of [null, 'GET', ['x']]) {
      const error = await failureOf(fetchProtectedResource(context, 'ada', 'https://api.example/x', init as never));
      expect(error).toMatchObject({ name: 'InvalidArgumentError', code: 'ERR_INVALID_ARG_TYPE' });
    }
  });

  it('refuses a user that is not a non-empty string', async () => {
    const context = await contextFor();
    await expect(fetchProtectedResource(context, '', 'https://api.example/x')).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'The user of fetchProtectedResource must be a non-empty string.',
    });
    await expect(fetchProtectedResource(context, 7 as never, 'https://api.example/x')).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });
});

describe('isReplayable', () => {
  it('is true for the bodies fetch reads afresh on every call', () => {
    const form = new FormData();
    form.set('a', '1');
    for (const body of [
      undefined,
      null,
      '',
      '{"a":1}',
      new URLSearchParams('a=1'),
      new Blob(['a']),
      form,
      new ArrayBuffer(2),
      new Uint8Array([1]),
      new DataView(new ArrayBuffer(1)),
    ]) {
      expect(isReplayable(body)).toBe(true);
    }
  });

  it('is false for streams, which the first request consumes', () => {
    const web = new ReadableStream({ start: (controller) => controller.close() });
    const node = Readable.from(['a']);
    async function* chunks() {
      yield new Uint8Array([1]);
    }
    for (const body of [web, node, chunks()]) expect(isReplayable(body as never)).toBe(false);
  });
});
