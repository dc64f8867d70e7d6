import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import {
  FlowManagerRegistry,
  ReauthorizationRequiredError,
  TOKEN_STORE,
  type FlowManager,
  type TokenStore,
} from '../../lib/index.js';
import { startLocalAuthorizationServer, type LocalAuthorizationServer } from '../support/local-authorization-server.js';
import { compileWith } from '../support/testing-module.js';

// The refresh failure lifecycle against a real authorization server: oidc-provider 9 revokes the grant (the user
// removed the app), and the next refresh is refused with invalid_grant.

const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/local/callback';
const CLIENT = { clientId: 'lifecycle-client', clientSecret: 'lifecycle-client-secret' };

describe('a connection whose grant the provider revoked (oidc-provider)', () => {
  let server: LocalAuthorizationServer;
  let moduleRef: TestingModule;
  let manager: FlowManager;
  let tokenStore: TokenStore;

  beforeAll(async () => {
    server = await startLocalAuthorizationServer({
      clients: [
        {
          client_id: CLIENT.clientId,
          client_secret: CLIENT.clientSecret,
          token_endpoint_auth_method: 'client_secret_post',
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: 'openid profile',
        },
      ],
    });
    moduleRef = await compileWith({
      providers: { local: { issuer: server.issuer, ...CLIENT, redirectUri: REDIRECT_URI, scope: 'openid profile' } },
    });
    manager = moduleRef.get(FlowManagerRegistry).get('local');
    tokenStore = moduleRef.get(TOKEN_STORE);
  });
  afterAll(async () => {
    await moduleRef?.close();
    await server?.close();
  });

  const tokenPosts = async () => (await server.countRequests())['POST /token'] ?? 0;

  async function connect(user: string) {
    const { url } = await manager.createAuthorizationUrl(user);
    const callback = await server.login(url, { username: user });
    return (await manager.handleCallback(user, callback.searchParams)).tokens;
  }

  /** Revokes the refresh token at the server, as the provider does when the user removes the app. */
  async function revokeAtServer(refreshToken: string): Promise<void> {
    const response = await fetch(`${server.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: refreshToken,
        token_type_hint: 'refresh_token',
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
      }),
    });
    expect(response.status).toBe(200);
  }

  it('sends one refused refresh, then asks for re-authorization without contacting the provider again', async () => {
    const tokens = await connect('ada');
    await revokeAtServer(tokens.refreshToken!);
    await tokenStore.set('local', 'ada', { ...tokens, expiresAt: Date.now() - 1000 });

    const before = await tokenPosts();
    const first = await manager.getTokens('ada').catch((error: unknown) => error);
    expect(first).toBeInstanceOf(ReauthorizationRequiredError);
    expect(first).toMatchObject({
      code: 'reauthorization_required',
      reason: 'refresh_rejected',
      error: 'invalid_grant',
      provider: 'local',
      user: 'ada',
    });
    expect(JSON.stringify(first)).not.toContain(tokens.refreshToken!);
    expect(await tokenPosts()).toBe(before + 1);

    // The dead tokens are gone; every later use is refused at once.
    await expect(manager.getTokens('ada')).rejects.toBeInstanceOf(ReauthorizationRequiredError);
    await expect(manager.fetchProtectedResource('ada', `${server.issuer}/me`)).rejects.toBeInstanceOf(
      ReauthorizationRequiredError,
    );
    expect(await tokenPosts()).toBe(before + 1);
    expect(JSON.stringify(await tokenStore.get('local', 'ada'))).not.toContain(tokens.accessToken);

    // Connecting again replaces the marker.
    const fresh = await connect('ada');
    await expect(manager.getTokens('ada')).resolves.toMatchObject({ accessToken: fresh.accessToken });
  });
});
