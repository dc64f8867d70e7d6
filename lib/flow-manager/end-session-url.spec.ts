import { describe, expect, it } from '@jest/globals';
import { EndpointNotConfiguredError, InvalidArgumentError } from '../auth-code-flow.errors.js';
import type { TokenHttpTransport } from '../interfaces/token-http-transport.interface.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import { resolveOptions } from '../options/resolve-options.util.js';
import { InMemoryTokenStore } from '../stores/in-memory-token.store.js';
import { endSessionUrl } from './end-session-url.js';
import { ProviderEndpoints } from './provider-endpoints.js';
import { TokenEndpointClient } from './token-endpoint.client.js';
import { TokenRefresher } from './token-refresh.js';
import type { UserCallContext } from './user-call-context.js';

async function contextFor(
  options: { endSessionPath?: string; tokens?: TokenSet; allowInsecureRequests?: boolean } = {},
): Promise<UserCallContext> {
  const transport: TokenHttpTransport = {
    post: async () => {
      throw new Error('no request expected');
    },
  };
  const raw = {
    baseUri: 'https://idp.example',
    authorizationPath: '/authorize',
    accessTokenPath: '/token',
    endSessionPath: 'endSessionPath' in options ? options.endSessionPath : '/logout',
    clientId: 'client id',
    redirectUri: 'https://app.example/oauth/p/callback',
    allowInsecureRequests: options.allowInsecureRequests ?? false,
  };
  const config = resolveOptions({ providers: { p: raw } }).providers.get('p')!;
  const tokenClient = new TokenEndpointClient(transport);
  const tokenStore = new InMemoryTokenStore();
  if (options.tokens) await tokenStore.set('p', 'ada', options.tokens);
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
const withIdToken: TokenSet = {
  accessToken: 'at',
  tokenType: 'Bearer',
  idToken: 'header.payload.signature',
  expiresAt: Date.now() - 60_000,
  refreshToken: 'rt',
  raw: {},
};

describe('endSessionUrl', () => {
  it('adds client_id, the redirect and the state, form-encoded, and no ID token unless asked for', async () => {
    const context = await contextFor({ tokens: withIdToken });
    const options = { postLogoutRedirectUri: 'https://app.example/signed-out?from=idp', state: 'a b&c' };
    expect(await endSessionUrl(context, 'ada', options)).toBe(
      'https://idp.example/logout?client_id=client+id' +
        '&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fsigned-out%3Ffrom%3Didp&state=a+b%26c',
    );
    expect(await endSessionUrl(context, 'ada', { ...options, idTokenHint: false })).not.toContain('id_token_hint');
    await expect(endSessionUrl(context, 'ada', { idTokenHint: 'yes' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });

  it('adds the stored ID token (expired or not: never refreshed) as id_token_hint with idTokenHint', async () => {
    const context = await contextFor({ tokens: withIdToken });
    const url = await endSessionUrl(context, 'ada', {
      postLogoutRedirectUri: 'https://app.example/signed-out?from=idp',
      state: 'a b&c',
      idTokenHint: true,
    });
    expect(url).toBe(
      'https://idp.example/logout?client_id=client+id&id_token_hint=header.payload.signature' +
        '&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fsigned-out%3Ffrom%3Didp&state=a+b%26c',
    );
  });

  it('has only client_id without an ID token, stored tokens or options', async () => {
    const { idToken: _dropped, ...withoutIdToken } = withIdToken;
    expect(await endSessionUrl(await contextFor({ tokens: withoutIdToken }), 'ada', { idTokenHint: true })).toBe(
      'https://idp.example/logout?client_id=client+id',
    );
    expect(await endSessionUrl(await contextFor(), 'ada', {})).toBe('https://idp.example/logout?client_id=client+id');
  });

  it("keeps the endpoint's own query", async () => {
    const context = await contextFor({ endSessionPath: 'https://idp.example/logout?tenant=t1' });
    expect(await endSessionUrl(context, 'ada', { state: 's' })).toBe(
      'https://idp.example/logout?tenant=t1&client_id=client+id&state=s',
    );
  });

  it('throws EndpointNotConfiguredError without an end-session endpoint', async () => {
    const error = await failureOf(endSessionUrl(await contextFor({ endSessionPath: undefined }), 'ada'));
    expect(error).toBeInstanceOf(EndpointNotConfiguredError);
    expect(error).toMatchObject({ code: 'endpoint_not_configured', provider: 'p', endpoint: 'end_session' });
  });

  it.each([
    ['a path', '/signed-out', 'ERR_INVALID_ARG_VALUE'],
    ['plain http off loopback', 'http://app.example/signed-out', 'ERR_INVALID_ARG_VALUE'],
    ['a fragment', 'https://app.example/signed-out#x', 'ERR_INVALID_ARG_VALUE'],
    ['an empty fragment', 'https://app.example/signed-out#', 'ERR_INVALID_ARG_VALUE'],
    ['credentials', 'https://u:p@app.example/signed-out', 'ERR_INVALID_ARG_VALUE'],
    ['a javascript: URL', 'javascript:alert(1)', 'ERR_INVALID_ARG_VALUE'],
    ['not a string', new URL('https://app.example/signed-out'), 'ERR_INVALID_ARG_TYPE'],
  ] as const)('refuses %s as postLogoutRedirectUri', async (_case, postLogoutRedirectUri, code) => {
    const error = await failureOf(endSessionUrl(await contextFor(), 'ada', { postLogoutRedirectUri } as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({
      code,
      message: expect.stringMatching(/^The postLogoutRedirectUri of getEndSessionUrl/),
    });
  });

  it('takes plain http on loopback, and anywhere with allowInsecureRequests', async () => {
    const url = (value: string, context: UserCallContext) =>
      endSessionUrl(context, 'ada', { postLogoutRedirectUri: value }).then((result) => new URL(result));
    const local = await url('http://localhost:3000/bye', await contextFor());
    expect(local.searchParams.get('post_logout_redirect_uri')).toBe('http://localhost:3000/bye');
    const insecure = await url('http://app.internal/bye', await contextFor({ allowInsecureRequests: true }));
    expect(insecure.searchParams.get('post_logout_redirect_uri')).toBe('http://app.internal/bye');
  });

  it('refuses a state that is not a non-empty string, options that are not an object, and a bad user', async () => {
    const context = await contextFor();
    await expect(endSessionUrl(context, 'ada', { state: '' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(endSessionUrl(context, 'ada', { state: 1 } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'The state of getEndSessionUrl must be a non-empty string.',
    });
    await expect(endSessionUrl(context, 'ada', null as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'The options of getEndSessionUrl must be an object.',
    });
    await expect(endSessionUrl(context, '')).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
