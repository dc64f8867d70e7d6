// Google: https://developers.google.com/identity/protocols/oauth2/web-server
// (offline access: "access_type=offline"; refresh responses carry no refresh_token:
//  https://developers.google.com/identity/protocols/oauth2/web-server#offline)
// RFC 9207 `iss` in authorization responses: https://developers.google.com/identity/openid-connect/reference
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvalidCallbackError, google } from '../../lib/index.js';
import { ID_TOKEN_SUBJECT, PresetFake, REDIRECT_URI, SECRET, authorize } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

describe('google preset against a Google-like loopback provider', () => {
  let fake: PresetFake;
  const open = moduleOpener('google');

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/o/oauth2/v2/auth',
      tokenPath: '/token',
      clientAuth: 'client_secret_post',
      pkce: 'supported',
      iss: 'https://accounts.google.com',
      // Google's ID tokens: issuer https://accounts.google.com, keys at /oauth2/v3/certs (moved with baseUri).
      idToken: {
        issuer: 'https://accounts.google.com',
        jwksPath: '/oauth2/v3/certs',
        claims: () => ({ email: 'ada@example.com' }),
      },
      tokens: ({ type, n }) =>
        type === 'authorization_code'
          ? // A short-lived first token, so that getTokens must refresh it (it is within the expiry skew).
            {
              body: {
                access_token: `ya29.${n}`,
                expires_in: 1,
                refresh_token: fake.refreshToken(n),
                scope: 'openid email',
                token_type: 'Bearer',
              },
            }
          : // Google's refresh response: no refresh_token.
            { body: { access_token: `ya29.${n}`, expires_in: 3599, scope: 'openid email', token_type: 'Bearer' } },
    });
  });
  afterAll(() => fake.close());

  const preset = () =>
    google({
      clientId: fake.clientId,
      clientSecret: SECRET,
      redirectUri: REDIRECT_URI,
      scope: ['openid', 'email'],
      baseUri: fake.url,
    });

  it('asks for offline access and consent, with PKCE, on the Google path; the token endpoint moves with baseUri', async () => {
    const manager = await open(preset());
    const { url, callback } = await authorize(manager, fake);
    expect(endpointOf(url)).toBe(`${fake.url}/o/oauth2/v2/auth`);
    expect(url.searchParams.get('access_type')).toBe('offline');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.get('scope')).toBe('openid email');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({
      tokenType: 'Bearer',
      idToken: expect.stringMatching(/^eyJ/),
      idTokenClaims: { iss: 'https://accounts.google.com', sub: ID_TOKEN_SUBJECT, email: 'ada@example.com' },
      refreshToken: expect.stringMatching(/^refresh-/),
    });
    expect(tokens.idTokenClaims!.nonce).toBe(url.searchParams.get('nonce'));
    expect(fake.tokenRequests.at(-1)!.path).toBe('/token');
  });

  it('keeps the old refresh token when the refresh response has none', async () => {
    const manager = await open(preset());
    const { callback } = await authorize(manager, fake);
    const { tokens } = await manager.handleCallback('ada', callback);
    const current = await manager.getTokens('ada');
    expect(current!.accessToken).not.toBe(tokens.accessToken);
    expect(current!.expiresIn).toBe(3599);
    expect(current!.refreshToken).toBe(tokens.refreshToken);
    expect(fake.tokenRequests.at(-1)!.params).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
    });
  });

  it('accepts a callback without iss, and refuses one whose iss is not Google before any token request', async () => {
    const manager = await open(preset());
    const withoutIss = await authorize(manager, fake);
    withoutIss.callback.delete('iss');
    await expect(manager.handleCallback('ada', withoutIss.callback)).resolves.toMatchObject({
      tokens: { tokenType: 'Bearer' },
    });

    const mixedUp = await authorize(manager, fake);
    mixedUp.callback.set('iss', 'https://attacker.example');
    const before = fake.tokenRequests.length;
    const failure = await manager.handleCallback('ada', mixedUp.callback).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InvalidCallbackError);
    expect(failure).toMatchObject({ reason: 'issuer_mismatch' });
    expect(fake.tokenRequests.length).toBe(before);
  });

  it('offline: false leaves access_type and prompt out', async () => {
    const manager = await open(
      google({
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        scope: 'openid',
        baseUri: fake.url,
        offline: false,
      }),
    );
    const { url } = await authorize(manager, fake);
    expect(url.searchParams.has('access_type')).toBe(false);
    expect(url.searchParams.has('prompt')).toBe(false);
  });
});
