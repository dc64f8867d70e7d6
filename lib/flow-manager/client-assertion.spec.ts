import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { prepareClientKeys } from '../options/client-assertion-options.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import { resolveOptions } from '../options/resolve-options.util.js';
import { InMemoryStateStore } from '../stores/in-memory-state.store.js';
import { InMemoryTokenStore } from '../stores/in-memory-token.store.js';
import { CLIENT_ASSERTION_LIFETIME_SECONDS, clientJwks, signClientAssertion } from './client-assertion.js';
import { authenticateClient } from './client-authentication.js';
import { FlowManager } from './flow-manager.js';
import type { TokenEndpointClient } from './token-endpoint.client.js';

const ISSUER = 'https://idp.example';
const TOKEN_ENDPOINT = 'https://idp.example/oauth/token';
const SECRET = 'a client secret of at least thirty-two bytes, for HS256';
const base = {
  baseUri: ISSUER,
  authorizationPath: '/authorize',
  accessTokenPath: '/oauth/token',
  issuer: ISSUER,
  clientId: 'client-1',
  redirectUri: 'https://app.example/oauth/idp/callback',
};

const KEYS = {
  rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  p256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  p384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  p521: generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  ed25519: generateKeyPairSync('ed25519'),
};

async function configWith(options: Record<string, unknown>): Promise<ResolvedProviderConfig> {
  const resolved = resolveOptions({ providers: { idp: { ...base, ...options } } });
  return (await prepareClientKeys(resolved)).providers.get('idp')!;
}

async function verified(assertion: string, key: KeyObject | Uint8Array, algorithm: string) {
  return jwtVerify(assertion, key, { algorithms: [algorithm], issuer: 'client-1', subject: 'client-1' });
}

describe('signClientAssertion', () => {
  const cases: Array<[string, KeyObject, string, Record<string, unknown>]> = [
    ['RS256', KEYS.rsa.publicKey, 'RS256', { clientPrivateKey: KEYS.rsa.privateKey }],
    [
      'PS256',
      KEYS.rsa.publicKey,
      'PS256',
      { clientPrivateKey: KEYS.rsa.privateKey, clientAssertionAlgorithm: 'PS256' },
    ],
    [
      'RS512',
      KEYS.rsa.publicKey,
      'RS512',
      { clientPrivateKey: KEYS.rsa.privateKey, clientAssertionAlgorithm: 'RS512' },
    ],
    ['ES256', KEYS.p256.publicKey, 'ES256', { clientPrivateKey: KEYS.p256.privateKey.export({ format: 'jwk' }) }],
    ['ES384', KEYS.p384.publicKey, 'ES384', { clientPrivateKey: KEYS.p384.privateKey }],
    [
      'ES512',
      KEYS.p521.publicKey,
      'ES512',
      { clientPrivateKey: KEYS.p521.privateKey.export({ format: 'pem', type: 'pkcs8' }) },
    ],
    ['EdDSA', KEYS.ed25519.publicKey, 'EdDSA', { clientPrivateKey: KEYS.ed25519.privateKey }],
    [
      'Ed25519',
      KEYS.ed25519.publicKey,
      'Ed25519',
      { clientPrivateKey: KEYS.ed25519.privateKey, clientAssertionAlgorithm: 'Ed25519' },
    ],
  ];

  it.each(cases)(
    'signs %s: header alg and kid, iss = sub = client id, aud, jti, iat, exp',
    async (_, publicKey, alg, options) => {
      const config = await configWith(options);
      const now = Date.now();
      const assertion = await signClientAssertion(config, now);
      const { payload, protectedHeader } = await verified(assertion, publicKey, alg);
      expect(protectedHeader).toEqual({ alg, kid: await config.clientAssertion!.key!.keyId() });
      const iat = Math.floor(now / 1000);
      expect(payload).toEqual({
        iss: 'client-1',
        sub: 'client-1',
        aud: ISSUER,
        jti: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        iat,
        exp: iat + CLIENT_ASSERTION_LIFETIME_SECONDS,
      });
    },
  );

  it('signs client_secret_jwt with the secret (HS256, or as configured), without a kid', async () => {
    const secret = new TextEncoder().encode(SECRET);
    for (const alg of ['HS256', 'HS512']) {
      const config = await configWith({
        clientAuthMethod: 'client_secret_jwt',
        clientSecret: SECRET,
        ...(alg === 'HS256' ? {} : { clientAssertionAlgorithm: alg }),
      });
      const { protectedHeader, payload } = await verified(await signClientAssertion(config), secret, alg);
      expect(protectedHeader).toEqual({ alg });
      expect(payload.aud).toBe(ISSUER);
    }
  });

  it('names the token endpoint as aud when asked, or when no issuer is configured', async () => {
    for (const options of [{ clientAssertionAudience: 'token_endpoint' }, { issuer: undefined }]) {
      const config = await configWith({ clientPrivateKey: KEYS.p256.privateKey, ...options });
      const { payload } = await verified(await signClientAssertion(config), KEYS.p256.publicKey, 'ES256');
      expect(payload.aud).toBe(TOKEN_ENDPOINT);
    }
  });

  it('gives every assertion a fresh jti', async () => {
    const config = await configWith({ clientPrivateKey: KEYS.p256.privateKey });
    const assertions = await Promise.all(Array.from({ length: 20 }, () => signClientAssertion(config)));
    const jtis = await Promise.all(
      assertions.map(async (assertion) => (await verified(assertion, KEYS.p256.publicKey, 'ES256')).payload.jti),
    );
    expect(new Set(jtis).size).toBe(20);
  });

  it('signs with the algorithm the metadata picked', async () => {
    const config = await configWith({ clientPrivateKey: KEYS.rsa.privateKey });
    const picked = { ...config, clientAssertion: { ...config.clientAssertion!, algorithm: 'PS256' as const } };
    expect(decodeProtectedHeader(await signClientAssertion(picked)).alg).toBe('PS256');
  });
});

describe('authenticateClient with a JWT', () => {
  it('sends the client id and a signed assertion, and neither a secret nor an Authorization header', async () => {
    for (const options of [
      { clientPrivateKey: KEYS.ed25519.privateKey, clientSecret: SECRET },
      { clientAuthMethod: 'client_secret_jwt', clientSecret: SECRET },
    ]) {
      const config = await configWith(options);
      const params: Record<string, string> = { grant_type: 'refresh_token' };
      const headers: Record<string, string> = {};
      await authenticateClient(config, params, headers);
      expect(params).toEqual({
        grant_type: 'refresh_token',
        client_id: 'client-1',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      });
      expect(headers).toEqual({});
    }
  });
});

describe('getClientJwks', () => {
  const stateStores: InMemoryStateStore[] = [];
  afterAll(() => stateStores.forEach((store) => store.close()));

  function flowManager(config: ResolvedProviderConfig): FlowManager {
    const stateStore = new InMemoryStateStore();
    stateStores.push(stateStore);
    const tokenClient = { post: async () => ({ status: 500, body: '' }) } as unknown as TokenEndpointClient;
    const deps = {
      stateStore,
      tokenStore: new InMemoryTokenStore(),
      tokenClient,
      stateTtlSeconds: 60,
      httpTimeoutMs: 1000,
    };
    return new FlowManager('idp', config, deps);
  }

  it('serves the public key with the kid the assertions carry, alg only when the key signs with one', async () => {
    const rsa = await configWith({ clientPrivateKey: KEYS.rsa.privateKey, clientKeyId: 'rsa-1' });
    const { n, e } = KEYS.rsa.publicKey.export({ format: 'jwk' });
    expect(flowManager(rsa).getClientJwks()).toEqual({ keys: [{ kty: 'RSA', n, e, kid: 'rsa-1', use: 'sig' }] });
    const ec = await configWith({ clientPrivateKey: KEYS.p256.privateKey });
    const [jwk] = clientJwks(ec).keys;
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256' });
    expect(jwk!.kid).toBe(decodeProtectedHeader(await signClientAssertion(ec)).kid);
    // Copies: a caller's change is not kept.
    clientJwks(ec).keys[0]!.kid = 'changed';
    expect(clientJwks(ec).keys[0]!.kid).toBe(jwk!.kid);
  });

  it('is empty without a private key', async () => {
    expect(flowManager(await configWith({ clientSecret: SECRET })).getClientJwks()).toEqual({ keys: [] });
    const hmac = await configWith({ clientAuthMethod: 'client_secret_jwt', clientSecret: SECRET });
    expect(clientJwks(hmac)).toEqual({ keys: [] });
  });

  it('leaves the private key out of util.inspect and JSON.stringify of the FlowManager', async () => {
    const jwk = KEYS.rsa.privateKey.export({ format: 'jwk' });
    const manager = flowManager(await configWith({ clientPrivateKey: jwk }));
    await signClientAssertion((manager as unknown as { config: ResolvedProviderConfig }).config);
    const seen = new WeakSet<object>();
    const json = JSON.stringify(manager, (_key, value: unknown) => {
      if (typeof value !== 'object' || value === null) return value;
      if (seen.has(value)) return '[seen]';
      seen.add(value);
      return value;
    });
    const shown = `${json}\n${inspect(manager, { depth: Infinity, showHidden: true })}`;
    expect(shown).toContain('idp');
    for (const member of [jwk.d!, jwk.p!, jwk.q!, jwk.dp!, jwk.dq!, jwk.qi!])
      expect(shown).not.toContain(member.slice(0, 12));
  });
});
