// Stack Exchange (the seed's worked example): https://api.stackexchange.com/docs/authentication
// (explicit flow: /oauth, then POST client_id, client_secret, code, redirect_uri to /oauth/access_token/json;
//  the answer has access_token and expires, and no expires with the no_expiry scope)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TokenRequestError, stackExchange } from '../../lib/index.js';
import { PresetFake, REDIRECT_URI, SECRET, authorize, type Reply } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

describe('stackExchange preset against a Stack Exchange-like loopback provider', () => {
  let fake: PresetFake;
  const open = moduleOpener('stackexchange');

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/oauth',
      tokenPath: '/oauth/access_token/json',
      clientAuth: 'client_secret_post',
      pkce: 'supported',
      tokens: ({ scope, n }): Reply => ({
        body: scope?.split(' ').includes('no_expiry')
          ? { access_token: `se-${n}` }
          : { access_token: `se-${n}`, expires: 86400 },
      }),
      error: (kind, description) => ({
        status: 400,
        body: { error: { type: kind === 'invalid_grant' ? 'invalid_request' : kind, message: description } },
      }),
    });
  });
  afterAll(() => fake.close());

  const preset = (scope: string[]) =>
    stackExchange({
      clientId: fake.clientId,
      clientSecret: SECRET,
      redirectUri: REDIRECT_URI,
      scope,
      baseUri: fake.url,
    });

  it('sends no PKCE, posts the credentials as a form, and reads "expires" without token_type', async () => {
    const manager = await open(preset(['read_inbox']));
    const { url, callback } = await authorize(manager, fake);
    expect(endpointOf(url)).toBe(`${fake.url}/oauth`);
    expect(url.searchParams.has('code_challenge')).toBe(false);
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({
      accessToken: expect.stringMatching(/^se-/),
      tokenType: 'Bearer',
      expiresIn: 86400,
      expiresAt: expect.any(Number),
    });
    const request = fake.tokenRequests.at(-1)!;
    expect(request.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request.params).toMatchObject({
      client_id: fake.clientId,
      client_secret: SECRET,
      redirect_uri: REDIRECT_URI,
    });
    expect(request.params.code_verifier).toBeUndefined();
  });

  it('reads a no_expiry token: no expiry at all', async () => {
    const manager = await open(preset(['no_expiry', 'read_inbox']));
    const { url, callback } = await authorize(manager, fake);
    expect(url.searchParams.get('scope')).toBe('no_expiry read_inbox');
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens.expiresIn).toBeUndefined();
    expect(tokens.expiresAt).toBeUndefined();
    expect(await manager.getTokens('ada')).toEqual(tokens);
  });

  it('turns an error object into a TokenRequestError', async () => {
    const manager = await open(preset(['read_inbox']));
    const { callback } = await authorize(manager, fake);
    callback.set('code', 'stale');
    const failure = await manager.handleCallback('ada', callback).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TokenRequestError);
    expect(failure).toMatchObject({ error: 'invalid_request', status: 400 });
  });
});
