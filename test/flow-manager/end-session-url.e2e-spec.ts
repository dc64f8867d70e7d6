import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import {
  FlowManagerRegistry,
  InvalidArgumentError,
  TOKEN_STORE,
  type FlowManager,
  type FlowManagerOptions,
  type TokenStore,
} from '../../lib/index.js';
import { EndpointNotConfiguredError } from '../../lib/auth-code-flow.errors.js';
import { FakeProvider, json } from '../support/fake-provider.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';

// getEndSessionUrl through the module (OpenID Connect RP-Initiated Logout 1.0 §2). It builds a URL and sends
// nothing; the stored tokens stay.

const ID_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.signature';

describe('getEndSessionUrl', () => {
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

  async function managerFor(overrides: Partial<FlowManagerOptions> = {}): Promise<FlowManager> {
    const options = fakeClientOptions(provider, 'fake', { endSessionPath: '/logout', ...overrides });
    moduleRef = await compileWith({ providers: { fake: options } });
    tokenStore = moduleRef.get(TOKEN_STORE);
    return moduleRef.get(FlowManagerRegistry).get('fake');
  }

  async function storeTokens(idToken?: string): Promise<void> {
    await tokenStore.set('fake', 'ada', {
      accessToken: 'access-stored',
      tokenType: 'Bearer',
      refreshToken: 'refresh-stored',
      // Expired: the hint is read as stored, and no refresh is made for it.
      expiresAt: Date.now() - 1000,
      ...(idToken === undefined ? {} : { idToken, idTokenClaims: { sub: 'ada' } }),
      raw: {},
    });
  }

  it('carries client_id, the post-logout redirect and the state, and no ID token by default', async () => {
    const manager = await managerFor();
    await storeTokens(ID_TOKEN);
    const url = new URL(
      await manager.getEndSessionUrl('ada', { postLogoutRedirectUri: 'https://app.example/signed-out', state: 's' }),
    );
    expect([...url.searchParams]).toEqual([
      ['client_id', 'fake-client'],
      ['post_logout_redirect_uri', 'https://app.example/signed-out'],
      ['state', 's'],
    ]);
  });

  it('with idTokenHint, carries the stored ID token too; nothing is sent or forgotten', async () => {
    const manager = await managerFor();
    await storeTokens(ID_TOKEN);
    const url = new URL(
      await manager.getEndSessionUrl('ada', {
        postLogoutRedirectUri: 'https://app.example/signed-out',
        state: 'logout-state',
        idTokenHint: true,
      }),
    );
    expect(`${url.origin}${url.pathname}`).toBe(`${provider.url}/logout`);
    expect([...url.searchParams]).toEqual([
      ['client_id', 'fake-client'],
      ['id_token_hint', ID_TOKEN],
      ['post_logout_redirect_uri', 'https://app.example/signed-out'],
      ['state', 'logout-state'],
    ]);
    expect(provider.requests).toHaveLength(0);
    expect(await tokenStore.get('fake', 'ada')).toMatchObject({ accessToken: 'access-stored', idToken: ID_TOKEN });
  });

  it('leaves id_token_hint out when the user has no ID token, or no tokens at all', async () => {
    const manager = await managerFor();
    await storeTokens();
    expect(await manager.getEndSessionUrl('ada', { idTokenHint: true })).toBe(
      `${provider.url}/logout?client_id=fake-client`,
    );
    expect(await manager.getEndSessionUrl('nobody', { state: 's', idTokenHint: true })).toBe(
      `${provider.url}/logout?client_id=fake-client&state=s`,
    );
  });

  it("keeps the endpoint's own query", async () => {
    const manager = await managerFor({ endSessionPath: `${provider.url}/oidc/logout?tenant=t1&ui=compact` });
    await storeTokens(ID_TOKEN);
    expect(await manager.getEndSessionUrl('ada', { idTokenHint: true })).toBe(
      `${provider.url}/oidc/logout?tenant=t1&ui=compact&client_id=fake-client&id_token_hint=${ID_TOKEN}`,
    );
  });

  it('takes the end-session endpoint from the provider metadata with discovery', async () => {
    const issuer = provider.url;
    provider.on('GET', '/.well-known/openid-configuration', (_request, res) =>
      json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/oauth/authorize`,
        token_endpoint: `${issuer}/oauth/token`,
        end_session_endpoint: `${issuer}/session/end`,
        response_types_supported: ['code'],
      }),
    );
    const options = fakeClientOptions(provider, 'fake', { issuer });
    delete options.authorizationPath;
    delete options.accessTokenPath;
    delete options.baseUri;
    moduleRef = await compileWith({ providers: { fake: options } });
    const manager = moduleRef.get(FlowManagerRegistry).get('fake');
    expect(await manager.getEndSessionUrl('ada')).toBe(`${issuer}/session/end?client_id=fake-client`);
  });

  it.each([
    ['a relative path', '/signed-out'],
    ['plain http off loopback', 'http://app.example/signed-out'],
    ['a fragment', 'https://app.example/signed-out#top'],
    ['another scheme', 'javascript:alert(1)'],
  ])('refuses %s as postLogoutRedirectUri with InvalidArgumentError', async (_case, postLogoutRedirectUri) => {
    const manager = await managerFor();
    const error = await manager.getEndSessionUrl('ada', { postLogoutRedirectUri }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('accepts a plain-http postLogoutRedirectUri on loopback', async () => {
    const manager = await managerFor();
    const url = new URL(await manager.getEndSessionUrl('ada', { postLogoutRedirectUri: 'http://127.0.0.1:3000/bye' }));
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe('http://127.0.0.1:3000/bye');
  });

  it('throws EndpointNotConfiguredError without an end-session endpoint', async () => {
    const manager = await managerFor({ endSessionPath: undefined });
    await storeTokens(ID_TOKEN);
    const error = await manager.getEndSessionUrl('ada').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EndpointNotConfiguredError);
    expect(error).toMatchObject({ code: 'endpoint_not_configured', provider: 'fake', endpoint: 'end_session' });
    expect((error as Error).message).not.toContain(ID_TOKEN);
  });
});
