// Atlassian OAuth 2.0 (3LO): https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/
// (audience=api.atlassian.com and prompt=consent required; token request as JSON; offline_access; rotating refresh tokens)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { atlassian } from '../../lib/index.js';
import { PresetFake, REDIRECT_URI, SECRET, authorize } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

describe('atlassian preset against an Atlassian-like loopback provider', () => {
  let fake: PresetFake;
  const open = moduleOpener('atlassian');

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/authorize',
      tokenPath: '/oauth/token',
      clientAuth: 'client_secret_post',
      pkce: 'rejected',
      requestBody: 'application/json',
      tokens: ({ scope, n }) => ({
        body: {
          access_token: `atl-${n}`,
          expires_in: 3600,
          scope: scope ?? 'read:me',
          token_type: 'Bearer',
          refresh_token: fake.refreshToken(n),
        },
      }),
    });
  });
  afterAll(() => fake.close());

  it('adds audience and prompt=consent, posts JSON without PKCE, and rotates the refresh token', async () => {
    const manager = await open(
      atlassian({
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        scope: ['read:jira-work', 'read:me', 'offline_access'],
        baseUri: fake.url,
      }),
    );
    const { url, callback } = await authorize(manager, fake);
    expect(endpointOf(url)).toBe(`${fake.url}/authorize`);
    expect(url.searchParams.get('audience')).toBe('api.atlassian.com');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.get('scope')).toBe('read:jira-work read:me offline_access');
    expect(url.searchParams.has('code_challenge')).toBe(false);
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
    expect(fake.tokenRequests.at(-1)!.contentType).toMatch(/^application\/json/);
    const refreshed = await manager.refreshAccessToken(tokens.refreshToken!);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
  });
});
