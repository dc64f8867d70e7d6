// Slack OAuth v2: https://docs.slack.dev/authentication/installing-with-oauth
// oauth.v2.access response and errors (ok/error envelope in HTTP 200, authed_user, basic auth preferred):
// https://docs.slack.dev/reference/methods/oauth.v2.access
// Sign in with Slack: https://docs.slack.dev/authentication/sign-in-with-slack
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TokenRequestError, slack, slackOpenId } from '../../lib/index.js';
import { PresetFake, REDIRECT_URI, SECRET, authorize, type Reply } from './support/preset-fake.js';
import { endpointOf, moduleOpener } from './support/suite.js';

const slackError = (kind: string): Reply => ({
  status: 200,
  body: {
    ok: false,
    error: kind === 'invalid_grant' ? 'invalid_code' : kind === 'invalid_client' ? 'bad_client_secret' : kind,
  },
});

describe('slack preset (OAuth v2) against a Slack-like loopback provider', () => {
  let fake: PresetFake;
  let reply: (n: number) => Reply;
  const open = moduleOpener('slack');

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/oauth/v2/authorize',
      tokenPath: '/api/oauth.v2.access',
      clientAuth: 'client_secret_basic',
      pkce: 'supported',
      tokens: ({ n }) => reply(n),
      error: slackError,
    });
  });
  afterAll(() => fake.close());

  it('asks for comma-delimited bot scopes and user scopes; turns a bot token (token_type "bot") into a bearer TokenSet', async () => {
    reply = (n) => ({
      body: {
        ok: true,
        access_token: `xoxb-${n}`,
        token_type: 'bot',
        scope: 'commands,incoming-webhook',
        bot_user_id: 'U0KRQLJ9H',
        app_id: 'A0KRD7HC3',
        team: { name: 'Slack Softball Team', id: 'T9TK3CUKW' },
        authed_user: { id: 'U1234', scope: 'chat:write', access_token: `xoxp-${n}`, token_type: 'user' },
      },
    });
    const manager = await open(
      slack({
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        scope: ['commands', 'incoming-webhook'],
        userScope: ['chat:write'],
        baseUri: fake.url,
      }),
    );
    const { url, callback } = await authorize(manager, fake);
    expect(endpointOf(url)).toBe(`${fake.url}/oauth/v2/authorize`);
    expect(url.searchParams.get('scope')).toBe('commands,incoming-webhook');
    expect(url.searchParams.get('user_scope')).toBe('chat:write');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({
      accessToken: expect.stringMatching(/^xoxb-/),
      tokenType: 'Bearer',
      scope: 'commands incoming-webhook',
    });
    expect(tokens.raw.authed_user).toMatchObject({ access_token: expect.stringMatching(/^xoxp-/) });
    expect(fake.tokenRequests.at(-1)!.headers.authorization).toMatch(/^Basic /);
  });

  it('takes the user token from authed_user when only user scopes were asked for', async () => {
    reply = (n) => ({
      body: {
        ok: true,
        app_id: 'A0KRD7HC3',
        authed_user: {
          id: 'U1234',
          scope: 'search:read,users:read',
          access_token: `xoxe.xoxp-${n}`,
          token_type: 'user',
          refresh_token: fake.refreshToken(n),
          expires_in: 43200,
        },
        team: { id: 'T9TK3CUKW' },
      },
    });
    const manager = await open(
      slack({
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        userScope: 'search:read,users:read',
        baseUri: fake.url,
      }),
    );
    const { url, callback } = await authorize(manager, fake);
    expect(url.searchParams.has('scope')).toBe(false);
    expect(url.searchParams.get('user_scope')).toBe('search:read,users:read');
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({
      accessToken: expect.stringMatching(/^xoxe\.xoxp-/),
      tokenType: 'Bearer',
      scope: 'search:read users:read',
      expiresIn: 43200,
    });
    expect(tokens.refreshToken).toMatch(/^refresh-/);
  });

  it('turns { ok: false, error } in HTTP 200 into a TokenRequestError and stores nothing', async () => {
    const manager = await open(
      slack({
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        scope: 'commands',
        baseUri: fake.url,
      }),
    );
    const { callback } = await authorize(manager, fake);
    callback.set('code', 'expired-code');
    const failure = await manager.handleCallback('ada', callback).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TokenRequestError);
    expect(failure).toMatchObject({ error: 'invalid_code', status: 200 });
    expect(await manager.getTokens('ada')).toBeUndefined();
  });
});

describe('slackOpenId preset (Sign in with Slack) against a Slack-like loopback provider', () => {
  let fake: PresetFake;
  const open = moduleOpener('slack-oidc');

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/openid/connect/authorize',
      tokenPath: '/api/openid.connect.token',
      clientAuth: 'client_secret_post',
      pkce: 'supported',
      idToken: { issuer: 'https://slack.com', jwksPath: '/openid/connect/keys' },
      tokens: ({ n }) => ({
        body: { ok: true, access_token: `xoxp-${n}`, token_type: 'Bearer' },
      }),
      error: slackError,
    });
  });
  afterAll(() => fake.close());

  it('asks for openid email profile by default and reads the ID token', async () => {
    const manager = await open(
      slackOpenId({ clientId: fake.clientId, clientSecret: SECRET, redirectUri: REDIRECT_URI, baseUri: fake.url }),
    );
    const { url, callback } = await authorize(manager, fake);
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({
      tokenType: 'Bearer',
      idToken: expect.stringMatching(/^eyJ/),
      idTokenClaims: { iss: 'https://slack.com', aud: fake.clientId },
    });
  });

  it('turns { ok: false } into a TokenRequestError', async () => {
    const manager = await open(
      slackOpenId({ clientId: fake.clientId, clientSecret: SECRET, redirectUri: REDIRECT_URI, baseUri: fake.url }),
    );
    const { callback } = await authorize(manager, fake);
    callback.set('code', 'bogus');
    await expect(manager.handleCallback('ada', callback)).rejects.toMatchObject({ error: 'invalid_code', status: 200 });
  });
});
