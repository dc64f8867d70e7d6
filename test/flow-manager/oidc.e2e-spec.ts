import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import {
  FlowManagerRegistry,
  IdTokenValidationError,
  InvalidStateError,
  TOKEN_STORE,
  type FlowManager,
  type FlowManagerOptions,
  type TokensEvent,
  type TokenStore,
} from '../../lib/index.js';
import {
  startLocalAuthorizationServer,
  type LocalAuthorizationServer,
  type LocalClientMetadata,
} from '../support/local-authorization-server.js';
import { compileWith } from '../support/testing-module.js';

// OpenID Connect against a real OpenID Provider: oidc-provider 9 (sample/01-local-provider/authorization-server),
// forked once for the file. Every provider here is configured by its issuer alone, so endpoints and keys come
// from its metadata; the ID tokens it issues (RS256, signed with the key its /jwks serves) are validated by
// the module before anything is stored.

const CALLBACK = 'http://127.0.0.1:3000/oauth';
const CLIENT_ID = 'oidc-client';
const CLIENT_SECRET = 'oidc-client-secret';
const PROVIDER_NAMES = ['oidc', 'discovery', 'rotation', 'es256'] as const;
type ProviderName = (typeof PROVIDER_NAMES)[number];

const CLIENTS: LocalClientMetadata[] = [
  {
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    token_endpoint_auth_method: 'client_secret_basic',
    // One redirect URI per provider: the module refuses two providers sharing one.
    redirect_uris: PROVIDER_NAMES.map((name) => `${CALLBACK}/${name}/callback`),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid profile',
  },
];

const NONCE = /^[A-Za-z0-9_-]{43}$/;
const METADATA = 'GET /.well-known/openid-configuration';
const JWKS = 'GET /jwks';
const TOKEN = 'POST /token';

function decodeJwtPart(jwt: string, part: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[part] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('OpenID Connect against a real OpenID Provider (oidc-provider)', () => {
  let server: LocalAuthorizationServer;
  let moduleRef: TestingModule;
  let oidc: FlowManager;
  let es256: FlowManager;
  let tokenStore: TokenStore;
  const events: TokensEvent[] = [];

  /** The issuer alone, a confidential client, `openid profile`. */
  const options = (name: ProviderName, extra: Partial<FlowManagerOptions> = {}): FlowManagerOptions => ({
    issuer: server.issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    clientAuthMethod: 'client_secret_basic',
    redirectUri: `${CALLBACK}/${name}/callback`,
    scope: ['openid', 'profile'],
    ...extra,
  });

  beforeAll(async () => {
    server = await startLocalAuthorizationServer({ clients: CLIENTS });
    moduleRef = await compileWith({
      providers: {
        oidc: options('oidc'),
        // The server signs RS256 only: an allow-list without it refuses every ID token it issues.
        es256: options('es256', { idTokenSigningAlgorithms: ['ES256'] }),
      },
      onTokens: (event) => void events.push(event),
    });
    const registry = moduleRef.get(FlowManagerRegistry);
    oidc = registry.get('oidc');
    es256 = registry.get('es256');
    tokenStore = moduleRef.get<TokenStore>(TOKEN_STORE);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await server?.close();
  });

  afterEach(() => {
    events.length = 0;
  });

  const count = async (request: string) => (await server.countRequests())[request] ?? 0;

  /** One whole flow for `user`: the authorization URL, the login at the server, the callback. */
  async function connect(manager: FlowManager, user: string) {
    const { url } = await manager.createAuthorizationUrl(user);
    const callback = await server.login(url, { username: user });
    const { tokens } = await manager.handleCallback(user, callback.searchParams);
    return { tokens, nonce: new URL(url).searchParams.get('nonce') };
  }

  it('discovers everything from the issuer alone, with one metadata request and one JWKS request for several flows', async () => {
    const before = { metadata: await count(METADATA), jwks: await count(JWKS) };
    const discoveryModule = await compileWith({ providers: { discovery: options('discovery') } });
    try {
      const manager = discoveryModule.get(FlowManagerRegistry).get('discovery');
      const { url } = await manager.createAuthorizationUrl('ada');
      expect(`${new URL(url).origin}${new URL(url).pathname}`).toBe(`${server.issuer}/auth`);
      for (const user of ['ada', 'grace', 'linus']) {
        const { tokens } = await connect(manager, user);
        expect(tokens.idTokenClaims).toMatchObject({ sub: user, iss: server.issuer });
      }
      expect(await count(METADATA)).toBe(before.metadata + 1);
      expect(await count(JWKS)).toBe(before.jwks + 1);
    } finally {
      await discoveryModule.close();
    }
  });

  it('sends a fresh nonce per flow, and the ID token the server issued carries it', async () => {
    const first = new URL((await oidc.createAuthorizationUrl('ada')).url);
    const { url } = await oidc.createAuthorizationUrl('ada');
    const second = new URL(url);
    for (const authorizationUrl of [first, second]) {
      expect(authorizationUrl.searchParams.getAll('nonce')).toHaveLength(1);
      expect(authorizationUrl.searchParams.get('nonce')).toMatch(NONCE);
    }
    expect(second.searchParams.get('nonce')).not.toBe(first.searchParams.get('nonce'));

    const callback = await server.login(url, { username: 'ada' });
    const { tokens } = await oidc.handleCallback('ada', callback.searchParams);
    expect(decodeJwtPart(tokens.idToken!, 1).nonce).toBe(second.searchParams.get('nonce'));
  });

  it('holds the validated claims in tokens.idTokenClaims, and stores them with the tokens', async () => {
    const { tokens, nonce } = await connect(oidc, 'grace');
    const claims = tokens.idTokenClaims!;
    expect(claims).toMatchObject({ sub: 'grace', iss: server.issuer, nonce });
    expect([claims.aud].flat()).toContain(CLIENT_ID);
    expect(claims).toEqual(decodeJwtPart(tokens.idToken!, 1));
    expect((await tokenStore.get('oidc', 'grace'))?.idTokenClaims).toEqual(claims);
    expect((await oidc.getTokens('grace'))?.idTokenClaims).toEqual(claims);
    expect(events).toEqual([{ provider: 'oidc', user: 'grace', tokens }]);
  });

  it('refreshes expired tokens with a new validated ID token for the same subject, and through refreshAccessToken', async () => {
    const { tokens } = await connect(oidc, 'linus');
    await tokenStore.set('oidc', 'linus', { ...tokens, expiresAt: Date.now() - 1000 });
    const before = await count(TOKEN);

    const refreshed = (await oidc.getTokens('linus'))!;
    expect(await count(TOKEN)).toBe(before + 1);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    // The refresh response carried its own ID token (RS256 is deterministic and oidc-provider puts no at_hash in
    // it, so one issued within the same second can equal the old one byte for byte: the response shows it is new).
    expect(refreshed.raw.id_token).toEqual(expect.any(String));
    expect(refreshed.idToken).toBe(refreshed.raw.id_token);
    expect(refreshed.idTokenClaims).toEqual(decodeJwtPart(refreshed.idToken!, 1));
    expect(refreshed.idTokenClaims).toMatchObject({ sub: 'linus', iss: server.issuer });
    expect(await tokenStore.get('oidc', 'linus')).toMatchObject({
      idToken: refreshed.idToken,
      idTokenClaims: refreshed.idTokenClaims,
    });

    const again = await oidc.refreshAccessToken(refreshed.refreshToken!);
    expect(await count(TOKEN)).toBe(before + 2);
    expect(again.raw.id_token).toEqual(expect.any(String));
    expect(again.idToken).toBe(again.raw.id_token);
    expect(again.idTokenClaims).toEqual(decodeJwtPart(again.idToken!, 1));
    expect(again.idTokenClaims).toMatchObject({ sub: 'linus', iss: server.issuer });
  });

  it('stores nothing and calls no onTokens when the ID token is refused (its algorithm is not allowed)', async () => {
    const { url } = await es256.createAuthorizationUrl('ada');
    const callback = await server.login(url, { username: 'ada' });
    const before = await count(TOKEN);

    const failure = await es256.handleCallback('ada', callback.searchParams).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(IdTokenValidationError);
    expect(failure).toMatchObject({ code: 'invalid_id_token', reason: 'unsupported_algorithm' });
    expect((failure as Error).message).not.toContain(callback.searchParams.get('code')!);
    // The code was redeemed (the server issued tokens), and the module kept none of them.
    expect(await count(TOKEN)).toBe(before + 1);
    expect(await tokenStore.get('es256', 'ada')).toBeUndefined();
    expect(await es256.getTokens('ada')).toBeUndefined();
    expect(events).toEqual([]);
    // The state was spent before the code was redeemed: the same callback cannot be tried again.
    await expect(es256.handleCallback('ada', callback.searchParams)).rejects.toBeInstanceOf(InvalidStateError);
    expect(await count(TOKEN)).toBe(before + 1);
  });

  describe('a signing key rotated between two flows', () => {
    let rotationModule: TestingModule | undefined;
    let clockOffsetMs = 0;

    afterEach(async () => {
      await rotationModule?.close();
      jest.restoreAllMocks();
    });

    it('fetches the JWKS once more for the new kid, past the refetch cooldown, and completes the next flow', async () => {
      // The module fetches a JWKS again for an unknown kid at most once per 30 s cooldown. Its clock (Date.now,
      // read by its caches and its validator) is moved 31 s on instead of the test waiting: forward only, and
      // well within the ID tokens' lifetime of an hour.
      const realNow = Date.now.bind(Date);
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() + clockOffsetMs);
      rotationModule = await compileWith({ providers: { rotation: options('rotation') } });
      const manager = rotationModule.get(FlowManagerRegistry).get('rotation');
      const before = await count(JWKS);

      const first = await connect(manager, 'ada');
      expect(first.tokens.idTokenClaims).toMatchObject({ sub: 'ada', nonce: first.nonce });
      expect(await count(JWKS)).toBe(before + 1);

      await server.rotateKeys();
      // Within the cooldown the keys fetched for the first flow are all the module has: they do not verify.
      const refused = await connect(manager, 'ada').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(IdTokenValidationError);
      expect(refused).toMatchObject({ reason: 'unknown_key' });
      expect(await count(JWKS)).toBe(before + 1);

      clockOffsetMs = 31_000;
      const second = await connect(manager, 'ada');
      expect(second.tokens.idTokenClaims).toMatchObject({ sub: 'ada', nonce: second.nonce });
      expect(await count(JWKS)).toBe(before + 2);
      const firstKid = decodeJwtPart(first.tokens.idToken!, 0).kid;
      const secondKid = decodeJwtPart(second.tokens.idToken!, 0).kid;
      expect(secondKid).toEqual(expect.any(String));
      expect(secondKid).not.toBe(firstKid);

      // The refresh token issued before the rotation still works; its new ID token is signed with the new key.
      const refreshed = await manager.refreshAccessToken(first.tokens.refreshToken!);
      expect(decodeJwtPart(refreshed.idToken!, 0).kid).toBe(secondKid);
      expect(refreshed.idTokenClaims).toMatchObject({ sub: 'ada' });
      expect(await count(JWKS)).toBe(before + 2);
      const served = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> };
      expect(served.keys.map(({ kid }) => kid)).toEqual([secondKid]);
    });
  });
});
