// Spotify: https://developer.spotify.com/documentation/web-api/tutorials/code-flow
// PKCE for public clients: https://developer.spotify.com/documentation/web-api/tutorials/code-pkce-flow
// Refresh (a new refresh token may be absent): https://developer.spotify.com/documentation/web-api/tutorials/refreshing-tokens
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spotify } from '../../lib/index.js';
import { PresetFake, REDIRECT_URI, SECRET, authorize } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

describe('spotify preset against a Spotify-like loopback provider', () => {
  const open = moduleOpener('spotify');
  const spec = (clientAuth: 'client_secret_basic' | 'none') => ({
    authorizePath: '/authorize',
    tokenPath: '/api/token',
    clientAuth,
    pkce: 'supported' as const,
    tokens: ({ scope, n, type }: { scope?: string; n: number; type: string }) => ({
      body: {
        access_token: `BQ${n}`,
        token_type: 'Bearer',
        scope: scope ?? 'user-read-email',
        expires_in: 3600,
        ...(type === 'authorization_code' ? { refresh_token: `refresh-${n}` } : {}),
      },
    }),
  });
  let confidential: PresetFake;
  let publicClient: PresetFake;

  beforeAll(async () => {
    confidential = await PresetFake.start(spec('client_secret_basic'));
    publicClient = await PresetFake.start(spec('none'));
    publicClient.clientSecret = undefined;
  });
  afterAll(async () => {
    await confidential.close();
    await publicClient.close();
  });

  it('authenticates a confidential client with HTTP Basic (id and secret form-urlencoded first)', async () => {
    const manager = await open(
      spotify({
        clientId: confidential.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        scope: ['user-read-email', 'playlist-read-private'],
        baseUri: confidential.url,
      }),
    );
    const { url, callback } = await authorize(manager, confidential);
    expect(endpointOf(url)).toBe(`${confidential.url}/authorize`);
    expect(url.searchParams.get('scope')).toBe('user-read-email playlist-read-private');
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 3600,
      refreshToken: expect.stringMatching(/^refresh-/),
    });
    const request = confidential.tokenRequests.at(-1)!;
    expect(request.headers.authorization).toMatch(/^Basic /);
    expect(request.params.client_secret).toBeUndefined();
  });

  it('runs a public client with PKCE and only client_id in the body', async () => {
    const manager = await open(
      spotify({
        clientId: publicClient.clientId,
        redirectUri: REDIRECT_URI,
        scope: 'user-read-email',
        baseUri: publicClient.url,
      }),
    );
    const { url, callback } = await authorize(manager, publicClient);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    await manager.handleCallback('ada', callback);
    const request = publicClient.tokenRequests.at(-1)!;
    expect(request.headers.authorization).toBeUndefined();
    expect(request.params).toMatchObject({ client_id: publicClient.clientId, code_verifier: expect.any(String) });
  });
});
