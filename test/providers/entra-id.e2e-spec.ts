// Microsoft Entra ID: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { entraId } from '../../lib/index.js';
import { ID_TOKEN_SUBJECT, PresetFake, REDIRECT_URI, SECRET, authorize } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('entraId preset against an Entra-like loopback provider', () => {
  let fake: PresetFake;
  const open = moduleOpener('entra');

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: `/${TENANT}/oauth2/v2.0/authorize`,
      tokenPath: `/${TENANT}/oauth2/v2.0/token`,
      clientAuth: 'client_secret_post',
      pkce: 'supported',
      idToken: {
        issuer: (url) => `${url}/${TENANT}/v2.0`,
        jwksPath: `/${TENANT}/discovery/v2.0/keys`,
        claims: () => ({ tid: TENANT }),
      },
      tokens: ({ scope, n }) => ({
        body: {
          token_type: 'Bearer',
          scope,
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: `eyJ0.${n}`,
          refresh_token: fake.refreshToken(n),
        },
      }),
    });
  });
  afterAll(() => fake.close());

  it('puts the tenant in both endpoint paths and redeems the code with PKCE and offline_access', async () => {
    const manager = await open(
      entraId({
        tenant: TENANT,
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        scope: ['openid', 'offline_access', 'User.Read'],
        baseUri: fake.url,
      }),
    );
    const { url, callback } = await authorize(manager, fake);
    expect(endpointOf(url)).toBe(`${fake.url}/${TENANT}/oauth2/v2.0/authorize`);
    expect(url.searchParams.get('scope')).toBe('openid offline_access User.Read');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 3599,
      refreshToken: expect.stringMatching(/^refresh-/),
      idTokenClaims: { iss: `${fake.url}/${TENANT}/v2.0`, sub: ID_TOKEN_SUBJECT, tid: TENANT },
    });
    expect(fake.tokenRequests.at(-1)!.path).toBe(`/${TENANT}/oauth2/v2.0/token`);
  });

  it('refuses a callback whose iss is not the tenant issuer', async () => {
    const manager = await open(
      entraId({
        tenant: TENANT,
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        scope: 'openid',
        baseUri: fake.url,
      }),
    );
    const { callback } = await authorize(manager, fake);
    callback.set('iss', `${fake.url}/another-tenant/v2.0`);
    await expect(manager.handleCallback('ada', callback)).rejects.toMatchObject({ reason: 'issuer_mismatch' });
  });
});

describe('entraId preset with a multi-tenant alias (common)', () => {
  let fake: PresetFake;
  const open = moduleOpener('entra-common');
  /** The tenant the signed ID token names in `iss`, and the one in its `tid`. */
  let signed = { issuerTenant: TENANT, tid: TENANT };

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/common/oauth2/v2.0/authorize',
      tokenPath: '/common/oauth2/v2.0/token',
      clientAuth: 'client_secret_post',
      pkce: 'supported',
      idToken: {
        issuer: (url) => `${url}/${signed.issuerTenant}/v2.0`,
        jwksPath: '/common/discovery/v2.0/keys',
        claims: () => ({ tid: signed.tid }),
      },
      tokens: ({ n }) => ({ body: { token_type: 'Bearer', expires_in: 3599, access_token: `eyJ0.${n}` } }),
    });
  });
  afterAll(() => fake.close());

  const preset = () =>
    entraId({
      tenant: 'common',
      clientId: fake.clientId,
      clientSecret: SECRET,
      redirectUri: REDIRECT_URI,
      scope: ['openid', 'profile'],
      baseUri: fake.url,
    });

  it('accepts an ID token whose iss is the {tenantid} template filled with the token’s own tid', async () => {
    signed = { issuerTenant: TENANT, tid: TENANT };
    const manager = await open(preset());
    const { callback } = await authorize(manager, fake);
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens.idTokenClaims).toMatchObject({ iss: `${fake.url}/${TENANT}/v2.0`, tid: TENANT });
  });

  it('refuses one whose iss names another tenant than its tid, and stores nothing', async () => {
    signed = { issuerTenant: '00000000-0000-0000-0000-000000000001', tid: TENANT };
    const manager = await open(preset());
    const { callback } = await authorize(manager, fake, 'grace');
    await expect(manager.handleCallback('grace', callback)).rejects.toMatchObject({
      code: 'invalid_id_token',
      reason: 'issuer_mismatch',
    });
    expect(await manager.getTokens('grace')).toBeUndefined();
  });
});
