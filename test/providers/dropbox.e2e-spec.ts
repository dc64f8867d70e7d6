// Dropbox OAuth guide: https://developers.dropbox.com/oauth-guide
// (token_access_type=offline for a refresh token; refresh responses carry no new refresh token)
// https://www.dropbox.com/developers/documentation/http/documentation#oauth2-token
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dropbox } from '../../lib/index.js';
import { PresetFake, REDIRECT_URI, SECRET, authorize } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

describe('dropbox preset against a Dropbox-like loopback provider', () => {
  let fake: PresetFake;
  const open = moduleOpener('dropbox');

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/oauth2/authorize',
      tokenPath: '/oauth2/token',
      clientAuth: 'client_secret_post',
      pkce: 'supported',
      tokens: ({ type, n }) =>
        type === 'authorization_code'
          ? {
              body: {
                access_token: `sl.${n}`,
                expires_in: 1,
                token_type: 'bearer',
                scope: 'account_info.read',
                account_id: 'dbid:x',
                uid: '12345',
                refresh_token: fake.refreshToken(n),
              },
            }
          : { body: { access_token: `sl.${n}`, expires_in: 14400, token_type: 'bearer' } },
    });
  });
  afterAll(() => fake.close());

  it('asks for token_access_type=offline with PKCE, and keeps the refresh token across refreshes', async () => {
    const manager = await open(
      dropbox({
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        scope: ['account_info.read'],
        baseUri: fake.url,
      }),
    );
    const { url, callback } = await authorize(manager, fake);
    expect(endpointOf(url)).toBe(`${fake.url}/oauth2/authorize`);
    expect(url.searchParams.get('token_access_type')).toBe('offline');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(fake.tokenRequests.at(-1)!.path).toBe('/oauth2/token');
    const current = await manager.getTokens('ada');
    expect(current).toMatchObject({ expiresIn: 14400, refreshToken: tokens.refreshToken });
    expect(current!.accessToken).not.toBe(tokens.accessToken);
  });
});
