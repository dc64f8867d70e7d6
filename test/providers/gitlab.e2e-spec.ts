// GitLab as an OAuth 2.0 provider: https://docs.gitlab.com/api/oauth2/
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gitlab } from '../../lib/index.js';
import { PresetFake, REDIRECT_URI, SECRET, authorize } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

describe('gitlab preset against a self-managed GitLab under a path prefix', () => {
  let fake: PresetFake;
  const open = moduleOpener('gitlab');

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/gitlab/oauth/authorize',
      tokenPath: '/gitlab/oauth/token',
      clientAuth: 'client_secret_post',
      pkce: 'supported',
      idToken: { issuer: (url) => `${url}/gitlab`, jwksPath: '/gitlab/oauth/discovery/keys', onRefresh: true },
      // Every exchange and refresh returns a new refresh token (rotation), and created_at.
      tokens: ({ scope, n }) => ({
        body: {
          access_token: `glpat-${n}`,
          token_type: 'Bearer',
          expires_in: 7200,
          refresh_token: fake.refreshToken(n),
          scope: scope ?? 'read_user',
          created_at: 1607635748,
        },
      }),
    });
  });
  afterAll(() => fake.close());

  it('keeps the instance path prefix, uses PKCE, and rotates the refresh token', async () => {
    const manager = await open(
      gitlab({
        baseUri: `${fake.url}/gitlab/`,
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        scope: ['read_user', 'openid'],
      }),
    );
    const { url, callback } = await authorize(manager, fake);
    expect(endpointOf(url)).toBe(`${fake.url}/gitlab/oauth/authorize`);
    expect(url.searchParams.get('scope')).toBe('read_user openid');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 7200, scope: 'read_user openid' });
    expect(tokens.idTokenClaims).toMatchObject({ iss: `${fake.url}/gitlab`, aud: fake.clientId });
    const refreshed = await manager.refreshAccessToken(tokens.refreshToken!);
    expect(refreshed.idTokenClaims).toMatchObject({ iss: `${fake.url}/gitlab`, sub: tokens.idTokenClaims!.sub });
    expect(refreshed.refreshToken).toBeDefined();
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
  });

  it('checks iss against the instance URL', async () => {
    const manager = await open(
      gitlab({
        baseUri: `${fake.url}/gitlab`,
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
      }),
    );
    const { callback } = await authorize(manager, fake);
    callback.set('iss', 'https://gitlab.com');
    await expect(manager.handleCallback('ada', callback)).rejects.toMatchObject({ reason: 'issuer_mismatch' });
  });
});
