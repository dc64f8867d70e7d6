// GitHub: https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
// Expiring user tokens: https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { TokenRequestError, github, type FlowManager, type FlowManagerOptions } from '../../lib/index.js';
import { PresetFake, REDIRECT_URI, SECRET, authorize, moduleWith } from './support/preset-fake.js';

const FORM = 'application/x-www-form-urlencoded; charset=utf-8';

describe('github preset against a GitHub-like loopback provider', () => {
  let fake: PresetFake;
  let moduleRef: TestingModule | undefined;
  let expiring = false;

  beforeAll(async () => {
    fake = await PresetFake.start({
      authorizePath: '/login/oauth/authorize',
      tokenPath: '/login/oauth/access_token',
      clientAuth: 'client_secret_post',
      pkce: 'supported',
      // GitHub's default body is form-encoded, and it lists the granted scopes with commas.
      tokens: ({ scope, n }) => {
        const fields: Record<string, string> = {
          access_token: `gho_${n}`,
          scope: (scope ?? '').split(' ').join(','),
          token_type: 'bearer',
        };
        // GitHub apps with expiring user tokens add these, as strings in the form body.
        if (expiring)
          Object.assign(fields, {
            expires_in: '28800',
            refresh_token: fake.refreshToken(n),
            refresh_token_expires_in: '15811200',
          });
        return { contentType: FORM, body: new URLSearchParams(fields).toString() };
      },
      // Errors come with HTTP 200: e.g. error=bad_verification_code.
      error: (kind, description) => ({
        status: 200,
        contentType: FORM,
        body: new URLSearchParams({
          error: kind === 'invalid_grant' ? 'bad_verification_code' : kind,
          error_description: description,
          error_uri:
            'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code',
        }).toString(),
      }),
    });
  });
  afterAll(() => fake.close());
  afterEach(async () => {
    expiring = false;
    await moduleRef?.close();
    moduleRef = undefined;
  });

  async function open(options: FlowManagerOptions): Promise<FlowManager> {
    const opened = await moduleWith('github', options);
    moduleRef = opened.moduleRef;
    return opened.manager;
  }
  const preset = () =>
    github({
      clientId: fake.clientId,
      clientSecret: SECRET,
      redirectUri: REDIRECT_URI,
      scope: ['read:user', 'user:email'],
      baseUri: fake.url,
    });

  it('has no issuer: a callback carrying iss is refused before any token request, unless the app opted out', async () => {
    const manager = await open(preset());
    const { callback } = await authorize(manager, fake);
    callback.set('iss', 'https://github.com');
    const before = fake.tokenRequests.length;
    await expect(manager.handleCallback('ada', callback)).rejects.toMatchObject({
      code: 'invalid_callback',
      reason: 'issuer_unexpected',
    });
    expect(fake.tokenRequests.length).toBe(before);
    await moduleRef?.close();

    const optedOut = await open(
      github({
        clientId: fake.clientId,
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        baseUri: fake.url,
        allowUnverifiedIssuer: true,
      }),
    );
    const second = await authorize(optedOut, fake);
    second.callback.set('iss', 'https://github.com');
    await expect(optedOut.handleCallback('ada', second.callback)).resolves.toHaveProperty('tokens.tokenType', 'bearer');
  });

  it('builds the authorization URL: GitHub path, space-delimited scope, S256 challenge', async () => {
    const manager = await open(preset());
    const { url } = await authorize(manager, fake);
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/login/oauth/authorize`);
    expect(url.searchParams.get('scope')).toBe('read:user user:email');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('reads the form-encoded token response and turns the comma scope list into a space-delimited one', async () => {
    const manager = await open(preset());
    const { callback } = await authorize(manager, fake);
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({
      accessToken: expect.stringMatching(/^gho_/),
      tokenType: 'bearer',
      scope: 'read:user user:email',
    });
    expect(tokens.expiresIn).toBeUndefined();
    const request = fake.tokenRequests.at(-1)!;
    expect(request.path).toBe('/login/oauth/access_token');
    expect(request.params).toMatchObject({
      client_id: fake.clientId,
      client_secret: SECRET,
      grant_type: 'authorization_code',
    });
    expect(request.params.code_verifier).toBeDefined();
  });

  it('turns an error sent with HTTP 200 (bad_verification_code) into a TokenRequestError and stores nothing', async () => {
    const manager = await open(preset());
    const { callback } = await authorize(manager, fake);
    callback.set('code', 'not-the-code');
    const failure = await manager.handleCallback('ada', callback).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TokenRequestError);
    expect(failure).toMatchObject({ error: 'bad_verification_code', status: 200 });
    expect(await manager.getTokens('ada')).toBeUndefined();
  });

  it('reads expiring user tokens (string expires_in in a form body) and refreshes them', async () => {
    expiring = true;
    const manager = await open(preset());
    const { callback } = await authorize(manager, fake);
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens.expiresIn).toBe(28800);
    expect(tokens.refreshToken).toMatch(/^refresh-/);
    const refreshed = await manager.refreshAccessToken(tokens.refreshToken!);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(fake.tokenRequests.at(-1)!.params).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
    });
  });
});
