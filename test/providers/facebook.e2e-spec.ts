// Facebook Login, manual flow: https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
// Graph API errors ({ error: { message, type, code, fbtrace_id } }): https://developers.facebook.com/docs/graph-api/guides/error-handling
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TokenRequestError, facebook } from '../../lib/index.js';
import { PresetFake, REDIRECT_URI, SECRET, authorize } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

describe('facebook preset against a Facebook-like loopback provider', () => {
  let fake: PresetFake;
  const open = moduleOpener('facebook');

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/v21.0/dialog/oauth',
      tokenPath: '/v21.0/oauth/access_token',
      clientAuth: 'client_secret_post',
      pkce: 'supported',
      tokens: ({ n }) => ({ body: { access_token: `EAAB${n}`, token_type: 'bearer', expires_in: 5183944 } }),
      error: (_kind, description) => ({
        status: 400,
        body: {
          error: {
            message: `Invalid verification code format. ${description}`,
            type: 'OAuthException',
            code: 100,
            fbtrace_id: 'AbCdEf',
          },
        },
      }),
    });
  });
  afterAll(() => fake.close());

  const preset = () =>
    facebook({
      clientId: fake.clientId,
      clientSecret: SECRET,
      redirectUri: REDIRECT_URI,
      scope: ['email', 'public_profile'],
      graphVersion: 'v21.0',
      baseUri: fake.url,
    });

  it('uses the versioned dialog and Graph token paths and comma-delimited permissions', async () => {
    const manager = await open(preset());
    const { url, callback } = await authorize(manager, fake);
    expect(endpointOf(url)).toBe(`${fake.url}/v21.0/dialog/oauth`);
    expect(url.searchParams.get('scope')).toBe('email,public_profile');
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({ tokenType: 'bearer', expiresIn: 5183944 });
    expect(fake.tokenRequests.at(-1)!.path).toBe('/v21.0/oauth/access_token');
  });

  it('turns a Graph API error object into a TokenRequestError', async () => {
    const manager = await open(preset());
    const { callback } = await authorize(manager, fake);
    callback.set('code', 'bad');
    const failure = await manager.handleCallback('ada', callback).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TokenRequestError);
    expect(failure).toMatchObject({
      error: 'OAuthException',
      status: 400,
      errorDescription: expect.stringContaining('Invalid verification code'),
    });
  });
});
