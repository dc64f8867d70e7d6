// LinkedIn authorization code flow: https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
// (PKCE only for approved native apps: https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow-native;
//  the web flow answers 401 invalid_client when a code_verifier is sent)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { linkedin } from '../../lib/index.js';
import { PresetFake, REDIRECT_URI, SECRET, authorize } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

describe('linkedin preset against a LinkedIn-like loopback provider', () => {
  let fake: PresetFake;
  const open = moduleOpener('linkedin');

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/oauth/v2/authorization',
      tokenPath: '/oauth/v2/accessToken',
      clientAuth: 'client_secret_post',
      pkce: 'rejected',
      idToken: { issuer: 'https://www.linkedin.com/oauth', jwksPath: '/oauth/openid/jwks' },
      // The classic response: no token_type.
      tokens: ({ n }) => ({ body: { access_token: `AQV${n}`, expires_in: 5183999 } }),
    });
  });
  afterAll(() => fake.close());

  it('sends no PKCE (LinkedIn refuses a code_verifier) and reads a response without token_type', async () => {
    const manager = await open(
      linkedin({
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        scope: ['openid', 'profile', 'email'],
        baseUri: fake.url,
      }),
    );
    const { url, callback } = await authorize(manager, fake);
    expect(endpointOf(url)).toBe(`${fake.url}/oauth/v2/authorization`);
    expect(url.searchParams.get('scope')).toBe('openid profile email');
    expect(url.searchParams.has('code_challenge')).toBe(false);
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({
      accessToken: expect.stringMatching(/^AQV/),
      tokenType: 'Bearer',
      expiresIn: 5183999,
      idTokenClaims: { iss: 'https://www.linkedin.com/oauth', aud: fake.clientId },
    });
    expect(fake.tokenRequests.at(-1)!.params.code_verifier).toBeUndefined();
  });
});
