// Every ID token validation case (OpenID Connect Core §3.1.3.7) through the whole flow: createAuthorizationUrl,
// the fake's authorize, handleCallback, with the fake token endpoint answering an ID token built per case with
// the flow's nonce (read from the authorization URL) and signed by a loopback signing provider whose JWKS the
// module fetches. Each refusal must stop the flow with its reason before anything is kept: no tokens stored,
// no onTokens, the state spent, and nothing secret in the error (SECURITY.md 23, 25). Then two cases through
// the built-in routes on Express and Fastify. The module's clock (Date.now) only moves forward, to pass the
// JWKS refetch cooldown without waiting.
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { JWKS_REFETCH_COOLDOWN_MS } from '../../lib/auth-code-flow.constants.js';
import { ID_TOKEN_INVALID, ID_TOKEN_PROBLEM, PUBLIC_JWKS_UNAVAILABLE } from '../../lib/auth-code-flow.messages.js';
import {
  DiscoveryError,
  FlowManagerRegistry,
  IdTokenValidationError,
  InvalidStateError,
  TOKEN_STORE,
  type FlowManager,
  type FlowManagerOptions,
  type IdTokenValidationReason,
  type TokensEvent,
  type TokenSet,
  type TokenStore,
} from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { cookiesFrom, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { generateSigningKey, signJwt, SigningProvider, type SigningKey } from '../support/signing-provider.js';
import { CLIENT_SECRET, compileWith, fakeClientOptions } from '../support/testing-module.js';

const HTTP_TIMEOUT_MS = 500;
const TOKEN_PATH = '/oauth/token';
/** Providers of the module, one per JWKS cache a case needs of its own (cold, or counted). */
const PROVIDERS = ['oidc', 'hs256', 'unknownkey', 'rotation', 'hang', 'discovering', 'refresh'] as const;
type ProviderName = (typeof PROVIDERS)[number];

let fake: FakeProvider;
let signing: SigningProvider;
/** The key every ID token is signed with unless a case says otherwise; the JWKS publishes it. */
let baseKey: SigningKey;
let clockOffsetMs = 0;

/** The options of provider `name` of the fake: `openid` in the scope, the issuer, the signing provider's JWKS. */
function oidcOptions(name: string, extra: Partial<FlowManagerOptions> = {}): FlowManagerOptions {
  return fakeClientOptions(fake, name, {
    issuer: fake.url,
    jwksPath: signing.jwksUri,
    scope: ['openid', 'profile'],
    ...extra,
  });
}

/** Valid claims for provider `name`'s client and `nonce` (undefined: no nonce claim); `extra` overrides any. */
function claims(name: string, nonce: string | undefined, extra: Record<string, unknown> = {}) {
  return signing.claims({ iss: fake.url, aud: `${name}-client`, nonce, ...extra });
}

/** Makes the fake's next token response (code or refresh grant) carry fresh random tokens and `idToken`. */
function answerTokens(idToken: string | undefined): { accessToken: string; refreshToken: string } {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
  const tokens = { accessToken: `access-${suffix}`, refreshToken: `refresh-${suffix}` };
  fake.tokenExtras = {
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken,
    expires_in: 3600,
    ...(idToken === undefined ? {} : { id_token: idToken }),
  };
  return tokens;
}

/** A JWT with `alg: none` and an empty signature, built by hand (jose will not make one). */
function unsignedJwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

/** The values no error may hold: each token and every non-empty segment of a JWT. */
function secretsOf(values: Record<string, string | undefined>): Array<[string, string]> {
  const secrets: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === '') continue;
    secrets.push([name, value]);
    const segments = value.split('.');
    if (segments.length === 3)
      segments.forEach((segment, i) => segment !== '' && secrets.push([`${name} segment ${i}`, segment]));
  }
  return secrets;
}

/** Which of `secrets` appear in the error's message, its JSON, or any own property (non-enumerable ones too). */
function leaksOf(error: unknown, secrets: Array<[string, string]>): string[] {
  const record = error as Record<string, unknown>;
  const places: Array<[string, string]> = [
    ['message', String(record.message)],
    ['JSON', JSON.stringify(error)],
    ...Object.getOwnPropertyNames(error).map((key): [string, string] => [
      `property ${key}`,
      inspect(record[key], { depth: 10, showHidden: true }),
    ]),
    ['inspect', inspect(error, { depth: 10, showHidden: true })],
  ];
  return places.flatMap(([where, text]) =>
    secrets.filter(([, value]) => text.includes(value)).map(([name]) => `${name} in ${where}`),
  );
}

beforeAll(async () => {
  [fake, signing] = await Promise.all([FakeProvider.start(), SigningProvider.start(['RS256'])]);
  baseKey = signing.published[0]!;
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + clockOffsetMs);
});

afterAll(async () => {
  jest.restoreAllMocks();
  await Promise.all([fake?.close(), signing?.close()]);
});

afterEach(() => {
  signing.mode = 'ok';
  signing.published = [baseKey];
  fake.reset();
  answerTokens(undefined);
});

/** Moves the module's clock past the JWKS refetch cooldown. */
function passRefetchCooldown(): void {
  clockOffsetMs += JWKS_REFETCH_COOLDOWN_MS + 1000;
}

describe('ID token validation through the flow (FlowManager) against a signing provider', () => {
  let moduleRef: TestingModule;
  let managers: Record<ProviderName, FlowManager>;
  let tokenStore: TokenStore;
  const events: TokensEvent[] = [];
  let userCounter = 0;

  beforeAll(async () => {
    const providers: Record<string, FlowManagerOptions> = {};
    for (const name of PROVIDERS) providers[name] = oidcOptions(name);
    providers.hs256 = oidcOptions('hs256', { idTokenSigningAlgorithms: ['HS256'] });
    // Discovery by the issuer alone, at a path of the fake whose metadata handler each case sets.
    providers.discovering = fakeClientOptions(fake, 'discovering', {
      baseUri: undefined,
      authorizationPath: undefined,
      accessTokenPath: undefined,
      issuer: `${fake.url}/discovering`,
      scope: ['openid'],
    });
    moduleRef = await compileWith({
      providers,
      httpTimeoutMs: HTTP_TIMEOUT_MS,
      onTokens: (event) => void events.push(event),
    });
    const registry = moduleRef.get(FlowManagerRegistry);
    managers = Object.fromEntries(PROVIDERS.map((name) => [name, registry.get(name)])) as typeof managers;
    tokenStore = moduleRef.get<TokenStore>(TOKEN_STORE);
  });

  afterAll(() => moduleRef?.close());

  beforeEach(() => {
    events.length = 0;
  });

  /** A user no other case has used, so that an empty token store says something. */
  const newUser = () => `user-${++userCounter}`;

  /**
   * Starts a flow for `user` at provider `name`, has the fake's token endpoint answer the ID token that
   * `idTokenFor` builds from the flow's nonce, authorizes, and runs the callback. Returns its outcome and every
   * secret of the flow.
   */
  async function runFlow(
    name: ProviderName,
    user: string,
    idTokenFor: (nonce: string) => Promise<string | undefined> | string | undefined,
  ) {
    const manager = managers[name];
    const { url } = await manager.createAuthorizationUrl(user);
    const nonce = new URL(url).searchParams.get('nonce');
    expect(nonce).toEqual(expect.any(String));
    const idToken = await idTokenFor(nonce!);
    const { accessToken, refreshToken } = answerTokens(idToken);
    const query = await fake.authorize(url);
    const code = query.get('code')!;
    const tokenRequestsBefore = fake.requestsTo(TOKEN_PATH).length;
    const outcome = await manager.handleCallback(user, query).then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    );
    const tokenRequests = fake.requestsTo(TOKEN_PATH);
    expect(tokenRequests).toHaveLength(tokenRequestsBefore + 1);
    const secrets = secretsOf({
      clientSecret: CLIENT_SECRET,
      code,
      codeVerifier: tokenRequests.at(-1)!.params.code_verifier,
      nonce: nonce!,
      accessToken,
      refreshToken,
      idToken,
    });
    return { ...outcome, manager, query, secrets };
  }

  /**
   * The flow was refused with `reason`: nothing stored for the user, no onTokens, the state spent (a replay is
   * InvalidStateError with no token request), and no secret of the flow in the error.
   */
  async function expectRefused(
    flow: Awaited<ReturnType<typeof runFlow>>,
    name: ProviderName,
    user: string,
    reason: IdTokenValidationReason,
  ): Promise<IdTokenValidationError> {
    expect(flow.error).toBeInstanceOf(IdTokenValidationError);
    const error = flow.error as IdTokenValidationError;
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'invalid_id_token', reason });
    expect(error.message).toMatch(new RegExp(`^The ID token from provider ${name} was refused: `));
    expect(leaksOf(error, flow.secrets)).toEqual([]);
    expect(await tokenStore.get(name, user)).toBeUndefined();
    expect(await flow.manager.getTokens(user)).toBeUndefined();
    expect(events).toEqual([]);
    const tokenRequests = fake.requestsTo(TOKEN_PATH).length;
    await expect(flow.manager.handleCallback(user, flow.query)).rejects.toBeInstanceOf(InvalidStateError);
    expect(fake.requestsTo(TOKEN_PATH)).toHaveLength(tokenRequests);
    return error;
  }

  /** The flow completed: the tokens and their claims stored for the user, onTokens called once. */
  async function expectAccepted(flow: Awaited<ReturnType<typeof runFlow>>, name: ProviderName, user: string) {
    expect(flow.error).toBeUndefined();
    const tokens = flow.result!.tokens;
    expect(tokens.idTokenClaims).toMatchObject({ iss: fake.url, sub: 'user-1', aud: `${name}-client` });
    expect(await tokenStore.get(name, user)).toMatchObject({
      accessToken: tokens.accessToken,
      idToken: tokens.idToken,
      idTokenClaims: tokens.idTokenClaims,
    });
    expect(events).toEqual([{ provider: name, user, tokens }]);
    return tokens;
  }

  const sign = (payload: Record<string, unknown>) => signing.sign(payload, { key: baseKey });
  const hmacKey = new TextEncoder().encode(CLIENT_SECRET);

  interface RefusalCase {
    title: string;
    provider?: ProviderName;
    reason: IdTokenValidationReason;
    idToken: (nonce: string) => Promise<string>;
  }

  const refusals: RefusalCase[] = [
    {
      title: 'another iss',
      reason: 'issuer_mismatch',
      idToken: (nonce) => sign(claims('oidc', nonce, { iss: `${fake.url}/other` })),
    },
    {
      title: 'another aud',
      reason: 'audience_mismatch',
      idToken: (nonce) => sign(claims('oidc', nonce, { aud: 'another-client' })),
    },
    {
      title: 'two audiences without azp',
      reason: 'azp_mismatch',
      idToken: (nonce) => sign(claims('oidc', nonce, { aud: ['oidc-client', 'another-client'] })),
    },
    {
      title: 'an exp past the clock tolerance',
      reason: 'expired',
      idToken: (nonce) => {
        const now = Math.floor(Date.now() / 1000);
        return sign(claims('oidc', nonce, { iat: now - 600, exp: now - 120 }));
      },
    },
    {
      title: 'an iat in the future beyond the clock tolerance (60 s)',
      reason: 'issued_in_future',
      idToken: (nonce) => {
        const now = Math.floor(Date.now() / 1000);
        return sign(claims('oidc', nonce, { iat: now + 120, exp: now + 600 }));
      },
    },
    {
      title: 'another nonce',
      reason: 'nonce_mismatch',
      idToken: (nonce) => sign(claims('oidc', `${nonce.slice(1)}x`)),
    },
    {
      title: 'no nonce',
      reason: 'nonce_missing',
      idToken: () => sign(claims('oidc', undefined)),
    },
    {
      title: 'alg none (an unsigned token)',
      reason: 'unsupported_algorithm',
      idToken: async (nonce) => unsignedJwt(claims('oidc', nonce)),
    },
    {
      title: 'HS256 signed with the client secret, which the provider does not allow',
      reason: 'unsupported_algorithm',
      idToken: (nonce) => signJwt(claims('oidc', nonce), { key: hmacKey, alg: 'HS256', kid: null }),
    },
  ];

  for (const { title, provider = 'oidc', reason, idToken } of refusals) {
    it(`refuses ${title}: ${reason}`, async () => {
      const user = newUser();
      const flow = await runFlow(provider, user, idToken);
      await expectRefused(flow, provider, user, reason);
    });
  }

  it('accepts an iat in the future within the clock tolerance', async () => {
    const user = newUser();
    const flow = await runFlow('oidc', user, (nonce) => {
      const now = Math.floor(Date.now() / 1000);
      return sign(claims('oidc', nonce, { iat: now + 30, exp: now + 600 }));
    });
    const tokens = await expectAccepted(flow, 'oidc', user);
    expect(tokens.idTokenClaims!.iat).toBeGreaterThan(Math.floor(Date.now() / 1000));
  });

  it("accepts HS256 signed with the client secret when idTokenSigningAlgorithms is ['HS256']", async () => {
    const user = newUser();
    const jwksRequests = signing.jwksRequests;
    const flow = await runFlow('hs256', user, (nonce) =>
      signJwt(claims('hs256', nonce), { key: hmacKey, alg: 'HS256', kid: null }),
    );
    await expectAccepted(flow, 'hs256', user);
    expect(signing.jwksRequests).toBe(jwksRequests);
  });

  it('refuses a token signed by a key the JWKS does not hold: unknown_key, after exactly one refetch', async () => {
    const first = newUser();
    await expectAccepted(
      await runFlow('unknownkey', first, (nonce) => sign(claims('unknownkey', nonce))),
      'unknownkey',
      first,
    );
    events.length = 0;
    passRefetchCooldown();
    const stranger = await generateSigningKey('RS256');
    const jwksRequests = signing.jwksRequests;

    const user = newUser();
    const flow = await runFlow('unknownkey', user, (nonce) =>
      signing.sign(claims('unknownkey', nonce), { key: stranger }),
    );
    await expectRefused(flow, 'unknownkey', user, 'unknown_key');
    expect(signing.jwksRequests).toBe(jwksRequests + 1);
  });

  it('accepts a kid that forces a refetch (the provider rotated its key after the first flow), with one refetch', async () => {
    const first = newUser();
    await expectAccepted(
      await runFlow('rotation', first, (nonce) => sign(claims('rotation', nonce))),
      'rotation',
      first,
    );
    events.length = 0;
    const rotated = await signing.rotate('RS256');
    passRefetchCooldown();
    const jwksRequests = signing.jwksRequests;

    const user = newUser();
    const flow = await runFlow('rotation', user, (nonce) => signing.sign(claims('rotation', nonce), { key: rotated }));
    const tokens = await expectAccepted(flow, 'rotation', user);
    expect(signing.jwksRequests).toBe(jwksRequests + 1);
    const header = JSON.parse(Buffer.from(tokens.idToken!.split('.')[0]!, 'base64url').toString('utf8')) as {
      kid: string;
    };
    expect(header.kid).toBe(rotated.kid);
  });

  it(`refuses when the JWKS hangs: jwks_unavailable, bounded by httpTimeoutMs (${HTTP_TIMEOUT_MS} ms)`, async () => {
    signing.mode = 'hang';
    const jwksRequests = signing.jwksRequests;
    const user = newUser();
    const flow = await runFlow('hang', user, (nonce) => sign(claims('hang', nonce)));
    const error = await expectRefused(flow, 'hang', user, 'jwks_unavailable');
    expect(error.message).toBe(
      ID_TOKEN_INVALID('hang', `the JWKS request got no complete answer within ${HTTP_TIMEOUT_MS} ms`),
    );
    expect(signing.jwksRequests).toBe(jwksRequests + 1);
  });

  it('refuses a token response without id_token: missing_id_token', async () => {
    const user = newUser();
    const flow = await runFlow('oidc', user, () => undefined);
    const error = await expectRefused(flow, 'oidc', user, 'missing_id_token');
    expect(error.message).toBe(ID_TOKEN_INVALID('oidc', ID_TOKEN_PROBLEM.missingIdToken));
  });

  it('refuses metadata that names another issuer: DiscoveryError issuer_mismatch, and no request to the provider', async () => {
    const issuer = `${fake.url}/discovering`;
    fake.on('GET', '/discovering/.well-known/openid-configuration', (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          issuer: `${fake.url}/elsewhere`,
          authorization_endpoint: `${fake.url}/oauth/authorize`,
          token_endpoint: `${fake.url}${TOKEN_PATH}`,
          jwks_uri: signing.jwksUri,
        }),
      );
    });
    const user = newUser();
    const jwksRequests = signing.jwksRequests;

    const error = await managers.discovering.createAuthorizationUrl(user).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ code: 'discovery_failed', reason: 'issuer_mismatch' });
    expect((error as Error).message).toContain(issuer);
    expect(leaksOf(error, secretsOf({ clientSecret: CLIENT_SECRET }))).toEqual([]);
    expect(fake.requests.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'GET /discovering/.well-known/openid-configuration',
    ]);
    expect(signing.jwksRequests).toBe(jwksRequests);
    expect(await tokenStore.get('discovering', user)).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('refuses a refresh whose ID token names another sub: subject_mismatch, the stored tokens unchanged', async () => {
    const user = newUser();
    const connected = await expectAccepted(
      await runFlow('refresh', user, (nonce) => sign(claims('refresh', nonce))),
      'refresh',
      user,
    );
    events.length = 0;
    const expired: TokenSet = { ...connected, expiresAt: Date.now() - 1000 };
    await tokenStore.set('refresh', user, expired);
    const stored = await tokenStore.get('refresh', user);
    // A refresh answer has no nonce to carry (OpenID Connect Core §12.2); only its sub differs.
    const idToken = await sign(claims('refresh', undefined, { sub: 'user-2' }));
    const { accessToken, refreshToken } = answerTokens(idToken);
    const refreshRequests = () =>
      fake.requestsTo(TOKEN_PATH).filter(({ params }) => params.grant_type === 'refresh_token');
    expect(refreshRequests()).toHaveLength(0);

    const error = await managers.refresh.getTokens(user).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(IdTokenValidationError);
    expect(error).toMatchObject({ code: 'invalid_id_token', reason: 'subject_mismatch' });
    expect((error as Error).message).toBe(ID_TOKEN_INVALID('refresh', ID_TOKEN_PROBLEM.subject));
    expect(refreshRequests()).toHaveLength(1);
    expect(refreshRequests()[0]!.params.refresh_token).toBe(connected.refreshToken);
    const secrets = secretsOf({
      clientSecret: CLIENT_SECRET,
      oldAccessToken: connected.accessToken,
      oldRefreshToken: connected.refreshToken,
      oldIdToken: connected.idToken,
      accessToken,
      refreshToken,
      idToken,
    });
    expect(leaksOf(error, secrets)).toEqual([]);
    // The old tokens remain as they were (expired, with the first ID token and its claims); onTokens not called.
    expect(await tokenStore.get('refresh', user)).toEqual(stored);
    expect(stored).toMatchObject({ accessToken: connected.accessToken, idTokenClaims: { sub: 'user-1' } });
    expect(events).toEqual([]);
  });
});

describe.each(PLATFORMS)('ID token refusals through the built-in routes on %s', (platform) => {
  let running: RunningApp;
  let tokenStore: TokenStore;
  const events: TokensEvent[] = [];

  beforeAll(async () => {
    running = await startHttpApp(platform, {
      providers: { oidc: oidcOptions('oidc'), hang: oidcOptions('hang') },
      httpTimeoutMs: HTTP_TIMEOUT_MS,
      onTokens: (event) => void events.push(event),
    });
    tokenStore = running.app.get<TokenStore>(TOKEN_STORE);
  });
  afterAll(() => running?.close());
  beforeEach(() => {
    events.length = 0;
  });

  const get = (path: string, headers: Record<string, string>) =>
    fetch(`${running.url}${path}`, { redirect: 'manual', headers });

  /** authorize at the app as `user`, the fake's token endpoint set to answer `idTokenFor(nonce)`, then the callback. */
  async function flow(name: string, user: string, idTokenFor: (nonce: string) => Promise<string>) {
    const authorize = await get(`/oauth/${name}/authorize`, { 'x-user': user });
    expect(authorize.status).toBe(302);
    const authorizationUrl = authorize.headers.get('location')!;
    const nonce = new URL(authorizationUrl).searchParams.get('nonce')!;
    const idToken = await idTokenFor(nonce);
    const { accessToken, refreshToken } = answerTokens(idToken);
    const query = await fake.authorize(authorizationUrl);
    const callback = await get(`/oauth/${name}/callback?${query}`, { 'x-user': user, cookie: cookiesFrom(authorize) });
    const body = await callback.text();
    const headers = [...callback.headers].map(([header, value]) => `${header}: ${value}`).join('\n');
    const secrets = secretsOf({
      clientSecret: CLIENT_SECRET,
      code: query.get('code')!,
      codeVerifier: fake.requestsTo(TOKEN_PATH).at(-1)?.params.code_verifier,
      nonce,
      accessToken,
      refreshToken,
      idToken,
    });
    const leaks = secrets.flatMap(([secret, value]) => [
      ...(body.includes(value) ? [`${secret} in the body`] : []),
      ...(headers.includes(value) ? [`${secret} in the headers`] : []),
    ]);
    return { status: callback.status, location: callback.headers.get('location'), body, leaks };
  }

  it('answers another nonce with 502 invalid_id_token, no token, nonce or code in the body or headers', async () => {
    const answer = await flow('oidc', 'ada', (nonce) =>
      signing.sign(claims('oidc', `${nonce.slice(1)}x`), { key: baseKey }),
    );
    expect(answer.status).toBe(502);
    expect(answer.location).toBeNull();
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 502,
      error: 'invalid_id_token',
      message: ID_TOKEN_INVALID('oidc', ID_TOKEN_PROBLEM.nonce),
    });
    expect(answer.leaks).toEqual([]);
    expect(await tokenStore.get('oidc', 'ada')).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('answers a hanging JWKS with 503 and a fixed message', async () => {
    signing.mode = 'hang';
    const answer = await flow('hang', 'grace', (nonce) => signing.sign(claims('hang', nonce), { key: baseKey }));
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 503,
      error: 'invalid_id_token',
      message: PUBLIC_JWKS_UNAVAILABLE,
    });
    expect(answer.leaks).toEqual([]);
    expect(await tokenStore.get('hang', 'grace')).toBeUndefined();
    expect(events).toEqual([]);
  });
});
