// Discord: https://discord.com/developers/docs/topics/oauth2
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvalidCallbackError, discord } from '../../lib/index.js';
import { PresetFake, REDIRECT_URI, SECRET, authorize } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

describe('discord preset against a Discord-like loopback provider', () => {
  let fake: PresetFake;
  const open = moduleOpener('discord');

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/oauth2/authorize',
      tokenPath: '/api/oauth2/token',
      clientAuth: 'client_secret_basic',
      pkce: 'supported',
      iss: 'https://discord.com',
      tokens: ({ scope, n }) => ({
        body: {
          access_token: `discord-${n}`,
          token_type: 'Bearer',
          expires_in: 604800,
          refresh_token: fake.refreshToken(n),
          scope,
        },
      }),
    });
  });
  afterAll(() => fake.close());

  const preset = () =>
    discord({
      clientId: fake.clientId,
      clientSecret: SECRET,
      redirectUri: REDIRECT_URI,
      scope: ['identify', 'email'],
      baseUri: fake.url,
    });

  it('runs the flow with PKCE, HTTP Basic client authentication and the iss Discord sends', async () => {
    const manager = await open(preset());
    const { url, callback } = await authorize(manager, fake);
    expect(endpointOf(url)).toBe(`${fake.url}/oauth2/authorize`);
    expect(url.searchParams.get('scope')).toBe('identify email');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(callback.get('iss')).toBe('https://discord.com');
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 604800, scope: 'identify email' });
    expect(fake.tokenRequests.at(-1)!.headers.authorization).toMatch(/^Basic /);
  });

  it('refuses a callback with another iss before any token request, and accepts one without iss', async () => {
    const manager = await open(preset());
    const { callback } = await authorize(manager, fake);
    callback.set('iss', 'https://evil.example');
    const before = fake.tokenRequests.length;
    const failure = await manager.handleCallback('ada', callback).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InvalidCallbackError);
    expect(failure).toMatchObject({ reason: 'issuer_mismatch' });
    expect(fake.tokenRequests.length).toBe(before);

    const second = await authorize(manager, fake);
    second.callback.delete('iss');
    await expect(manager.handleCallback('ada', second.callback)).resolves.toHaveProperty('tokens');
  });

  it('insists on iss when asked to', async () => {
    const manager = await open(
      discord({
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        baseUri: fake.url,
        requireIssuerParameter: true,
      }),
    );
    const { callback } = await authorize(manager, fake);
    callback.delete('iss');
    await expect(manager.handleCallback('ada', callback)).rejects.toMatchObject({ reason: 'issuer_missing' });
  });
});
