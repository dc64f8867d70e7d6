// Twitch authorization code grant: https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#authorization-code-grant-flow
// (the response's scope is a JSON array) and refresh: https://dev.twitch.tv/docs/authentication/refresh-tokens/
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { twitch } from '../../lib/index.js';
import { PresetFake, REDIRECT_URI, SECRET, authorize } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

describe('twitch preset against a Twitch-like loopback provider', () => {
  let fake: PresetFake;
  let withTokenType = true;
  const open = moduleOpener('twitch');

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/oauth2/authorize',
      tokenPath: '/oauth2/token',
      clientAuth: 'client_secret_post',
      pkce: 'rejected',
      tokens: ({ scope, n }) => ({
        body: {
          access_token: `twitch-${n}`,
          expires_in: 14124,
          refresh_token: fake.refreshToken(n),
          scope: (scope ?? '').split(' '),
          ...(withTokenType ? { token_type: 'bearer' } : {}),
        },
      }),
    });
  });
  afterAll(() => fake.close());

  const preset = () =>
    twitch({
      clientId: fake.clientId,
      clientSecret: SECRET,
      redirectUri: REDIRECT_URI,
      scope: ['channel:manage:polls', 'user:read:email'],
      baseUri: fake.url,
    });

  it('reads the scope array as a space-delimited string, without PKCE', async () => {
    const manager = await open(preset());
    const { url, callback } = await authorize(manager, fake);
    expect(endpointOf(url)).toBe(`${fake.url}/oauth2/authorize`);
    expect(url.searchParams.get('scope')).toBe('channel:manage:polls user:read:email');
    expect(url.searchParams.has('code_challenge')).toBe(false);
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({
      tokenType: 'bearer',
      scope: 'channel:manage:polls user:read:email',
      expiresIn: 14124,
    });
  });

  it('treats a response without token_type (as older Twitch responses were) as bearer', async () => {
    withTokenType = false;
    try {
      const manager = await open(preset());
      const { callback } = await authorize(manager, fake);
      const { tokens } = await manager.handleCallback('ada', callback);
      expect(tokens.tokenType).toBe('Bearer');
      expect(tokens.scope).toBe('channel:manage:polls user:read:email');
    } finally {
      withTokenType = true;
    }
  });
});
