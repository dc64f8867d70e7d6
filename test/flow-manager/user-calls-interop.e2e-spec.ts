import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { FlowManagerRegistry, TOKEN_STORE, type FlowManager, type TokenStore } from '../../lib/index.js';
import {
  CookieJar,
  startLocalAuthorizationServer,
  type LocalAuthorizationServer,
} from '../support/local-authorization-server.js';
import { compileWith } from '../support/testing-module.js';

// getUserInfo, fetchProtectedResource and getEndSessionUrl against a real OpenID provider: oidc-provider 9
// (sample/01-local-provider/authorization-server), found by its issuer alone (discovery: /me, /session/end).

const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/local/callback';
const SIGNED_OUT = 'http://127.0.0.1:3000/signed-out';

function decodeJwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('calls for a connected user, against a real OpenID provider (oidc-provider)', () => {
  let server: LocalAuthorizationServer;
  let moduleRef: TestingModule;
  let manager: FlowManager;
  let tokenStore: TokenStore;

  beforeAll(async () => {
    server = await startLocalAuthorizationServer({
      clients: [
        {
          client_id: 'local-client',
          client_secret: 'local-client-secret',
          token_endpoint_auth_method: 'client_secret_post',
          redirect_uris: [REDIRECT_URI],
          post_logout_redirect_uris: [SIGNED_OUT],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: 'openid profile',
        },
      ],
    });
    moduleRef = await compileWith({
      providers: {
        local: {
          issuer: server.issuer,
          clientId: 'local-client',
          clientSecret: 'local-client-secret',
          redirectUri: REDIRECT_URI,
          scope: 'openid profile',
        },
      },
    });
    manager = moduleRef.get(FlowManagerRegistry).get('local');
    tokenStore = moduleRef.get(TOKEN_STORE);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await server?.close();
  });

  async function connect(user: string) {
    const { url } = await manager.createAuthorizationUrl(user);
    const callback = await server.login(url, { username: user });
    return (await manager.handleCallback(user, callback.searchParams)).tokens;
  }

  it("getUserInfo returns the provider's claims, whose sub is the ID token's", async () => {
    const tokens = await connect('ada');
    const before = (await server.countRequests())['GET /me'] ?? 0;
    const claims = await manager.getUserInfo('ada');
    expect(claims).toEqual({ sub: 'ada', name: 'ada', preferred_username: 'ada' });
    // Decoded here, not validated: the check against the stored claims is getUserInfo's own.
    expect(claims.sub).toBe(decodeJwtPayload(tokens.idToken!).sub);
    expect((await server.countRequests())['GET /me']).toBe(before + 1);
  });

  it('fetchProtectedResource refreshes and retries once on the real 401 invalid_token of a dead access token', async () => {
    const tokens = await connect('grace');
    await tokenStore.set('local', 'grace', { ...tokens, accessToken: 'not-a-token-the-provider-issued' });
    const before = await server.countRequests();
    const response = await manager.fetchProtectedResource('grace', `${server.issuer}/me`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sub: 'grace' });
    const after = await server.countRequests();
    expect((after['POST /token'] ?? 0) - (before['POST /token'] ?? 0)).toBe(1);
    expect((after['GET /me'] ?? 0) - (before['GET /me'] ?? 0)).toBe(2);
    expect((await tokenStore.get('local', 'grace'))!.accessToken).not.toBe('not-a-token-the-provider-issued');
  });

  /** Plays the browser at the logout URL: loads it, submits the form it answers with; returns where it sends the browser. */
  async function logOut(url: string): Promise<{ status: number; location: string | null }> {
    const jar = new CookieJar();
    const page = await fetch(url, { redirect: 'manual' });
    jar.store(new URL(url), page.headers.getSetCookie());
    const html = await page.text();
    if (page.status !== 200) return { status: page.status, location: null };
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    const fields = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)];
    const confirm = new URL(action!);
    const cookie = jar.header(confirm);
    const answer = await fetch(confirm, {
      method: 'POST',
      redirect: 'manual',
      headers: cookie === undefined ? {} : { cookie },
      body: new URLSearchParams(fields.map(([, name, value]): [string, string] => [name!, value!])),
    });
    await answer.text();
    return { status: answer.status, location: answer.headers.get('location') };
  }

  it('getEndSessionUrl gives a logout URL the provider acts on: it signs out and returns to the registered redirect', async () => {
    await connect('linus');
    // By client_id alone (no token in the URL), then with the ID token as a hint.
    const plain = await manager.getEndSessionUrl('linus', { postLogoutRedirectUri: SIGNED_OUT, state: 'bye' });
    expect(plain).toBe(
      `${server.issuer}/session/end?client_id=local-client&post_logout_redirect_uri=${encodeURIComponent(SIGNED_OUT)}&state=bye`,
    );
    expect(await logOut(plain)).toEqual({ status: 303, location: `${SIGNED_OUT}?state=bye` });
    await connect('linus');
    const options = { postLogoutRedirectUri: SIGNED_OUT, state: 'bye', idTokenHint: true };
    const url = await manager.getEndSessionUrl('linus', options);
    expect(url.startsWith(`${server.issuer}/session/end?client_id=local-client&id_token_hint=`)).toBe(true);
    expect(await logOut(url)).toEqual({ status: 303, location: `${SIGNED_OUT}?state=bye` });
    // The oracle refuses what it should: a redirect it does not know, a hint it did not sign.
    const unknownRedirect = await manager.getEndSessionUrl('linus', {
      ...options,
      postLogoutRedirectUri: `${SIGNED_OUT}/x`,
    });
    expect(await logOut(unknownRedirect)).toMatchObject({ status: 400 });
    const forged = new URL(url);
    forged.searchParams.set('id_token_hint', `${forged.searchParams.get('id_token_hint')!.slice(0, -4)}AAAA`);
    expect(await logOut(forged.href)).toMatchObject({ status: 400 });
  });
});
