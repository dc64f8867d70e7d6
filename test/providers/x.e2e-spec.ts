// X OAuth 2.0 authorization code with PKCE: https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
// (PKCE required; confidential clients send a Basic Authorization header; offline.access for a refresh token)
// https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { x } from '../../lib/index.js';
import { PresetFake, REDIRECT_URI, SECRET, authorize, type PresetFakeSpec } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

describe('x preset against an X-like loopback provider', () => {
  const open = moduleOpener('x');
  const spec = (clientAuth: PresetFakeSpec['clientAuth']): PresetFakeSpec => ({
    authorizePath: '/i/oauth2/authorize',
    tokenPath: '/2/oauth2/token',
    clientAuth,
    pkce: 'required',
    tokens: ({ scope, n }) => ({
      body: {
        token_type: 'bearer',
        expires_in: 7200,
        access_token: `x-${n}`,
        scope,
        refresh_token: fake.refreshToken(n),
      },
    }),
  });
  let fake: PresetFake;
  let publicFake: PresetFake;

  beforeAll(async () => {
    fake = await PresetFake.start(spec('client_secret_basic'));
    publicFake = await PresetFake.start(spec('none'));
    publicFake.clientSecret = undefined;
  });
  afterAll(async () => {
    await fake.close();
    await publicFake.close();
  });

  it('sends the PKCE challenge X requires, uses Basic for a confidential client, and refreshes with offline.access', async () => {
    const manager = await open(
      x({
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        scope: ['tweet.read', 'users.read', 'offline.access'],
        baseUri: fake.url,
      }),
    );
    const { url, callback } = await authorize(manager, fake);
    expect(endpointOf(url)).toBe(`${fake.url}/i/oauth2/authorize`);
    expect(url.searchParams.get('scope')).toBe('tweet.read users.read offline.access');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({
      tokenType: 'bearer',
      expiresIn: 7200,
      scope: 'tweet.read users.read offline.access',
    });
    expect(fake.tokenRequests.at(-1)!.path).toBe('/2/oauth2/token');
    expect(fake.tokenRequests.at(-1)!.headers.authorization).toMatch(/^Basic /);
    await expect(manager.refreshAccessToken(tokens.refreshToken!)).resolves.toMatchObject({ tokenType: 'bearer' });
  });

  it('runs a public client: client_id in the body, no Authorization header', async () => {
    const manager = await open(
      x({ clientId: publicFake.clientId, redirectUri: REDIRECT_URI, scope: 'users.read', baseUri: publicFake.url }),
    );
    const { callback } = await authorize(manager, publicFake);
    await manager.handleCallback('ada', callback);
    const request = publicFake.tokenRequests.at(-1)!;
    expect(request.headers.authorization).toBeUndefined();
    expect(request.params.client_id).toBe(publicFake.clientId);
  });
});
