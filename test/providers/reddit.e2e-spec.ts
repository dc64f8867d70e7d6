// Reddit OAuth2: https://github.com/reddit-archive/reddit/wiki/OAuth2
// (duration=permanent for a refresh token; HTTP Basic with the client id and secret; errors such as
//  invalid_grant may come in HTTP 200)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TokenRequestError, reddit } from '../../lib/index.js';
import { PresetFake, REDIRECT_URI, SECRET, authorize } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

describe('reddit preset against a Reddit-like loopback provider', () => {
  let fake: PresetFake;
  const open = moduleOpener('reddit');

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/api/v1/authorize',
      tokenPath: '/api/v1/access_token',
      clientAuth: 'client_secret_basic',
      pkce: 'rejected',
      tokens: ({ scope, n }) => ({
        body: {
          access_token: `reddit-${n}`,
          token_type: 'bearer',
          expires_in: 86400,
          scope: scope ?? 'identity',
          refresh_token: fake.refreshToken(n),
        },
      }),
      error: (kind) => ({ status: kind === 'invalid_client' ? 401 : 200, body: { error: kind } }),
    });
  });
  afterAll(() => fake.close());

  const preset = () =>
    reddit({
      clientId: fake.clientId,
      clientSecret: SECRET,
      redirectUri: REDIRECT_URI,
      scope: ['identity', 'read'],
      baseUri: fake.url,
    });

  it('asks for duration=permanent, authenticates with Basic, sends no PKCE, and gets a refresh token', async () => {
    const manager = await open(preset());
    const { url, callback } = await authorize(manager, fake);
    expect(endpointOf(url)).toBe(`${fake.url}/api/v1/authorize`);
    expect(url.searchParams.get('duration')).toBe('permanent');
    expect(url.searchParams.get('scope')).toBe('identity read');
    expect(url.searchParams.has('code_challenge')).toBe(false);
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({ tokenType: 'bearer', refreshToken: expect.stringMatching(/^refresh-/) });
    expect(fake.tokenRequests.at(-1)!.headers.authorization).toMatch(/^Basic /);
    // https://github.com/reddit-archive/reddit/wiki/API: every client sends a unique User-Agent.
    expect(fake.tokenRequests.at(-1)!.headers['user-agent']).toBe(`web:nestjs-auth-code-flow:${fake.clientId}`);
  });

  it('sends the User-Agent it is given with token and refresh requests', async () => {
    const manager = await open(
      reddit({
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        baseUri: fake.url,
        userAgent: 'web:com.example.app:v1 (by /u/ada)',
      }),
    );
    const { callback } = await authorize(manager, fake);
    const { tokens } = await manager.handleCallback('ada', callback);
    await manager.refreshAccessToken(tokens.refreshToken!);
    for (const request of fake.tokenRequests.slice(-2))
      expect(request.headers['user-agent']).toBe('web:com.example.app:v1 (by /u/ada)');
  });

  it('turns {"error": "invalid_grant"} in HTTP 200 into a TokenRequestError', async () => {
    const manager = await open(preset());
    const { callback } = await authorize(manager, fake);
    callback.set('code', 'used');
    const failure = await manager.handleCallback('ada', callback).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TokenRequestError);
    expect(failure).toMatchObject({ error: 'invalid_grant', status: 200 });
  });
});
