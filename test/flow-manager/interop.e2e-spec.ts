import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import {
  AuthorizationError,
  FlowManagerRegistry,
  InvalidStateError,
  TokenRequestError,
  type FlowManager,
  type FlowManagerOptions,
} from '../../lib/index.js';
import {
  CookieJar,
  startLocalAuthorizationServer,
  type LocalAuthorizationServer,
  type LocalClientMetadata,
} from '../support/local-authorization-server.js';
import { compileWith } from '../support/testing-module.js';

// Interop with a real authorization server: oidc-provider 9 (sample/01-local-provider/authorization-server),
// forked once for the file. It requires PKCE (S256) from every client, sends RFC 9207 `iss`, and rejects a
// replayed code. The flow runs through FlowManager only: createAuthorizationUrl -> login -> handleCallback.

const CALLBACK = 'http://127.0.0.1:3000/oauth';
const BASIC_SECRET = 'a:b+c&d%e/f g h';

const CLIENTS: LocalClientMetadata[] = [
  // Also for the `nopkce` provider: each provider has its own redirect URI (the module refuses a shared one).
  client(
    'post-client',
    {
      client_secret: 'post-client-secret',
      token_endpoint_auth_method: 'client_secret_post',
      redirect_uris: [`${CALLBACK}/post/callback`, `${CALLBACK}/nopkce/callback`],
    },
    'post',
  ),
  client('basic-client', { client_secret: BASIC_SECRET, token_endpoint_auth_method: 'client_secret_basic' }, 'basic'),
  client('public-client', { token_endpoint_auth_method: 'none' }, 'public'),
];

function client(clientId: string, auth: Partial<LocalClientMetadata>, provider: string): LocalClientMetadata {
  return {
    client_id: clientId,
    redirect_uris: [`${CALLBACK}/${provider}/callback`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid profile offline_access',
    ...auth,
  };
}

function decodeJwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('interop with a real authorization server (oidc-provider)', () => {
  let server: LocalAuthorizationServer;
  let moduleRef: TestingModule;
  let post: FlowManager;
  let basic: FlowManager;
  let publicClient: FlowManager;
  let noPkce: FlowManager;

  beforeAll(async () => {
    server = await startLocalAuthorizationServer({ clients: CLIENTS });
    const { issuer } = server;
    const common = {
      baseUri: issuer,
      authorizationPath: '/auth',
      accessTokenPath: '/token',
      jwksPath: '/jwks',
      scope: 'openid profile',
      issuer,
      requireIssuerParameter: true,
    };
    const providers: Record<string, FlowManagerOptions> = {
      post: {
        ...common,
        clientId: 'post-client',
        clientSecret: 'post-client-secret',
        redirectUri: `${CALLBACK}/post/callback`,
      },
      basic: {
        ...common,
        clientId: 'basic-client',
        clientSecret: BASIC_SECRET,
        clientAuthMethod: 'client_secret_basic',
        redirectUri: `${CALLBACK}/basic/callback`,
      },
      public: {
        ...common,
        clientId: 'public-client',
        clientAuthMethod: 'none',
        redirectUri: `${CALLBACK}/public/callback`,
      },
      nopkce: {
        ...common,
        clientId: 'post-client',
        clientSecret: 'post-client-secret',
        redirectUri: `${CALLBACK}/nopkce/callback`,
        pkce: false,
      },
    };
    moduleRef = await compileWith({ providers });
    const registry = moduleRef.get(FlowManagerRegistry);
    post = registry.get('post');
    basic = registry.get('basic');
    publicClient = registry.get('public');
    noPkce = registry.get('nopkce');
  });

  afterAll(async () => {
    await moduleRef?.close();
    await server?.close();
  });

  const userinfoStatus = async (accessToken: string) => {
    const response = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    await response.text();
    return response.status;
  };
  const tokenRequests = async () => (await server.countRequests())['POST /token'] ?? 0;

  it('runs on loopback and advertises the endpoints, S256 only and RFC 9207 iss', async () => {
    expect(server.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const metadata = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata).toMatchObject({
      issuer: server.issuer,
      authorization_endpoint: `${server.issuer}/auth`,
      token_endpoint: `${server.issuer}/token`,
      userinfo_endpoint: `${server.issuer}/me`,
      revocation_endpoint: `${server.issuer}/token/revocation`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      response_types_supported: ['code'],
    });
  });

  it('completes the flow with client_secret_post', async () => {
    const { url, state } = await post.createAuthorizationUrl('ada', { returnTo: '/after' });
    const callback = await server.login(url, { username: 'ada' });
    expect(`${callback.origin}${callback.pathname}`).toBe(`${CALLBACK}/post/callback`);
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('iss')).toBe(server.issuer);
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));

    const { tokens, returnTo } = await post.handleCallback('ada', callback.searchParams);
    expect(returnTo).toBe('/after');
    expect(tokens).toMatchObject({ tokenType: 'Bearer', scope: 'openid profile', expiresIn: 3600 });
    expect(tokens.accessToken).toEqual(expect.any(String));
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(decodeJwtPayload(tokens.idToken!)).toMatchObject({ iss: server.issuer, sub: 'ada', aud: 'post-client' });
    expect(await userinfoStatus(tokens.accessToken)).toBe(200);
    expect(await post.getTokens('ada')).toMatchObject({ accessToken: tokens.accessToken });
  });

  it('completes the flow with client_secret_basic and a secret containing ": + & % /" and spaces', async () => {
    const { url } = await basic.createAuthorizationUrl('grace');
    const callback = await server.login(url, { username: 'grace' });
    const { tokens } = await basic.handleCallback('grace', callback.searchParams);
    expect(decodeJwtPayload(tokens.idToken!)).toMatchObject({ sub: 'grace', aud: 'basic-client' });
    expect(tokens.refreshToken).toEqual(expect.any(String));
  });

  it('completes the flow for a public client, whose refresh token rotates', async () => {
    const { url } = await publicClient.createAuthorizationUrl(undefined);
    const callback = await server.login(url, { username: 'linus' });
    const { tokens } = await publicClient.handleCallback(undefined, callback.searchParams);
    expect(decodeJwtPayload(tokens.idToken!)).toMatchObject({ sub: 'linus', aud: 'public-client' });

    const refreshed = await publicClient.refreshAccessToken(tokens.refreshToken!);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toEqual(expect.any(String));
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    // The rotated-out refresh token is dead: reusing it is refused.
    await expect(publicClient.refreshAccessToken(tokens.refreshToken!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('refreshes through refreshAccessToken without offline_access', async () => {
    const { url } = await post.createAuthorizationUrl('ada');
    const { tokens } = await post.handleCallback('ada', (await server.login(url, { username: 'ada' })).searchParams);
    expect(tokens.scope).not.toContain('offline_access');

    const refreshed = await post.refreshAccessToken(tokens.refreshToken!);
    expect(refreshed).toMatchObject({ tokenType: 'Bearer', scope: 'openid profile' });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(decodeJwtPayload(refreshed.idToken!)).toMatchObject({ sub: 'ada' });
    expect(await userinfoStatus(refreshed.accessToken)).toBe(200);
    await expect(post.refreshAccessToken('made-up-refresh-token')).rejects.toBeInstanceOf(TokenRequestError);
  });

  it('turns Deny on the consent page into AuthorizationError access_denied, with iss checked', async () => {
    const { url, state } = await post.createAuthorizationUrl('ada');
    const callback = await server.login(url, { username: 'ada', consent: 'deny' });
    expect(callback.searchParams.get('code')).toBeNull();
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('iss')).toBe(server.issuer);
    const before = await tokenRequests();

    const failure = await post.handleCallback('ada', callback.searchParams).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthorizationError);
    expect(failure).toMatchObject({ error: 'access_denied', errorDescription: 'The user denied the request.' });
    expect(await tokenRequests()).toBe(before);
  });

  it('rejects a replayed callback with InvalidStateError and sends no second token request', async () => {
    const { url } = await post.createAuthorizationUrl('ada');
    const callback = await server.login(url, { username: 'ada' });
    const before = await tokenRequests();
    const { tokens } = await post.handleCallback('ada', callback.searchParams);
    expect(await tokenRequests()).toBe(before + 1);

    await expect(post.handleCallback('ada', callback.searchParams)).rejects.toMatchObject({
      reason: 'unknown_or_expired',
    });
    await expect(post.handleCallback('ada', callback.searchParams)).rejects.toBeInstanceOf(InvalidStateError);
    expect(await tokenRequests()).toBe(before + 1);
    // oidc-provider revokes the first redemption's tokens when a code is replayed: they still work.
    expect(await userinfoStatus(tokens.accessToken)).toBe(200);
  });

  it('is a real oracle: the server itself rejects a replayed code and revokes what it issued', async () => {
    // Outside the library, with our own PKCE pair, to show what a second token request would do.
    const verifier = randomBytes(32).toString('base64url');
    const authorizationUrl = new URL(`${server.issuer}/auth`);
    authorizationUrl.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'post-client',
      redirect_uri: `${CALLBACK}/post/callback`,
      scope: 'openid',
      state: 'manual',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const code = (await server.login(authorizationUrl.toString(), { username: 'ada' })).searchParams.get('code')!;
    const redeem = () =>
      fetch(`${server.issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: `${CALLBACK}/post/callback`,
          code_verifier: verifier,
          client_id: 'post-client',
          client_secret: 'post-client-secret',
        }),
      });
    const first = await redeem();
    expect(first.status).toBe(200);
    const { access_token: accessToken } = (await first.json()) as { access_token: string };
    const second = await redeem();
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await userinfoStatus(accessToken)).toBe(401);
  });

  it('with pkce: false, the server refuses the authorization request and the callback is an AuthorizationError', async () => {
    const { url, state } = await noPkce.createAuthorizationUrl('ada');
    expect(new URL(url).searchParams.has('code_challenge')).toBe(false);
    const callback = await server.login(url, { username: 'ada' });
    // Refused at once, before any login page: an error redirect to the client, with state and iss.
    expect(Object.fromEntries(callback.searchParams)).toEqual({
      error: 'invalid_request',
      error_description: 'Authorization Server policy requires PKCE to be used for this request',
      state,
      iss: server.issuer,
    });
    const before = await tokenRequests();
    await expect(noPkce.handleCallback('ada', callback.searchParams)).rejects.toMatchObject({
      code: 'authorization_error',
      error: 'invalid_request',
    });
    expect(await tokenRequests()).toBe(before);
  });

  it('signs in once per browser: a second flow with the same cookie jar skips login and consent', async () => {
    const jar = new CookieJar();
    const first = await post.createAuthorizationUrl('ada');
    await post.handleCallback('ada', (await server.login(first.url, { username: 'ada', jar })).searchParams);
    const second = await post.createAuthorizationUrl('ada');
    // A username that would fail the form proves no form was posted.
    const callback = await server.login(second.url, { username: '', jar });
    const { tokens } = await post.handleCallback('ada', callback.searchParams);
    expect(decodeJwtPayload(tokens.idToken!)).toMatchObject({ sub: 'ada' });
  });

  it('fails to start with a clear error, and no leftover process, when a client is misconfigured', async () => {
    const broken = startLocalAuthorizationServer({
      clients: [{ client_id: 'broken', client_secret: 'hidden-value', redirect_uris: ['not a url'] }],
    });
    const error = (await broken.catch((reason: unknown) => reason)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('exited (code 1) before it was ready');
    expect(error.message).toContain('client "broken" has invalid metadata: redirect_uris must only contain valid uris');
    expect(error.message).not.toContain('hidden-value');
  });

  it('serves self-contained login and consent pages with stable ids, escaping what it reflects', async () => {
    const jar = new CookieJar();
    const get = async (url: URL | string) => {
      const response = await fetch(url, { headers: { cookie: jar.header(new URL(url)) ?? '' }, redirect: 'manual' });
      jar.store(new URL(url), response.headers.getSetCookie());
      return { response, body: await response.text() };
    };
    const postForm = async (url: URL, form: Record<string, string>) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { cookie: jar.header(url) ?? '', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
        redirect: 'manual',
      });
      jar.store(url, response.headers.getSetCookie());
      return { response, body: await response.text() };
    };
    const follow = async (from: URL | string) => {
      let current = await get(from);
      let url = new URL(from);
      while (current.response.status === 303 || current.response.status === 302) {
        url = new URL(current.response.headers.get('location')!, url);
        current = await get(url);
      }
      return { ...current, url };
    };

    const login = await follow((await post.createAuthorizationUrl('ada')).url);
    expect(login.url.pathname).toMatch(/^\/interaction\/[\w-]+$/);
    expect(login.response.status).toBe(200);
    expect(login.response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(login.body).toContain('Sign in to the local authorization server');
    for (const id of ['username', 'sign-in']) expect(login.body).toContain(`id="${id}"`);
    expect(login.body).not.toMatch(/<script|src=|@import|https?:\/\/(?!127\.0\.0\.1)/i);

    const loginAction = new URL(`${login.url.pathname}/login`, login.url);
    const empty = await postForm(loginAction, { username: '   ' });
    expect(empty.response.status).toBe(400);
    expect(empty.body).toContain('Enter a user name.');

    const signedIn = await postForm(loginAction, { username: '<img src=x onerror=alert(1)>"' });
    expect(signedIn.response.status).toBe(303);
    const consent = await follow(new URL(signedIn.response.headers.get('location')!, loginAction));
    expect(consent.url.pathname).toMatch(/^\/interaction\/[\w-]+$/);
    for (const id of ['allow', 'deny']) expect(consent.body).toContain(`id="${id}"`);
    expect(consent.body).toContain('<code>openid</code>');
    expect(consent.body).toContain('<code>profile</code>');
    expect(consent.body).toContain('&#60;img src&#61;x onerror&#61;alert(1)&#62;&#34;');
    expect(consent.body).not.toContain('<img');
  });
});
