import { generateKeyPairSync, generateKeySync, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { prepareClientKeys, withServerAlgorithms } from './client-assertion-options.js';
import type { ResolvedClientAssertion } from './resolved-options.interface.js';
import { resolveOptions } from './resolve-options.util.js';

const base = {
  baseUri: 'https://idp.example',
  authorizationPath: '/authorize',
  accessTokenPath: '/token',
  issuer: 'https://idp.example',
  clientId: 'id',
  redirectUri: 'https://app.example/oauth/idp/callback',
};

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ed25519 = generateKeyPairSync('ed25519');
const rsaJwk = rsa.privateKey.export({ format: 'jwk' });
const ecJwk = ec256.privateKey.export({ format: 'jwk' });
const pkcs8 = (key: KeyObject) => key.export({ format: 'pem', type: 'pkcs8' }) as string;

const resolve = (overrides: Record<string, unknown>) =>
  resolveOptions({ providers: { idp: { ...base, ...overrides } } }).providers.get('idp')!;

function problemsOf(overrides: Record<string, unknown>): readonly string[] {
  try {
    resolve(overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthCodeFlowConfigError);
    return (error as AuthCodeFlowConfigError).problems;
  }
  throw new Error('expected the options to be rejected');
}

describe('client authentication options', () => {
  it('defaults to private_key_jwt with a clientPrivateKey, and to aud = the issuer when one is set', () => {
    const config = resolve({ clientPrivateKey: rsaJwk });
    expect(config.clientAuthMethod).toBe('private_key_jwt');
    expect(config.clientAssertion).toMatchObject({
      algorithm: 'RS256',
      algorithms: ['RS256', 'PS256', 'RS384', 'PS384', 'RS512', 'PS512'],
      audience: 'issuer',
    });
    expect(config.clientAssertion?.key?.type).toBe('RSA');
    const withoutIssuer = resolve({ clientPrivateKey: rsaJwk, issuer: undefined });
    expect(withoutIssuer.clientAssertion?.audience).toBe('token_endpoint');
    expect(
      resolve({ clientPrivateKey: rsaJwk, clientAssertionAudience: 'token_endpoint' }).clientAssertion?.audience,
    ).toBe('token_endpoint');
    // The other methods carry no assertion settings.
    expect(resolve({ clientSecret: 's' })).toMatchObject({ clientAuthMethod: 'client_secret_post' });
    expect(resolve({ clientSecret: 's' }).clientAssertion).toBeUndefined();
  });

  it('takes a JWK, a PEM (PKCS#8, PKCS#1, SEC1) or a KeyObject', () => {
    const forms: Array<[unknown, string]> = [
      [rsaJwk, 'RSA'],
      [pkcs8(rsa.privateKey), 'RSA'],
      [rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }), 'RSA'],
      [rsa.privateKey, 'RSA'],
      [ecJwk, 'P-256'],
      [ec256.privateKey.export({ format: 'pem', type: 'sec1' }), 'P-256'],
      [ec384.privateKey, 'P-384'],
      [pkcs8(ed25519.privateKey), 'Ed25519'],
      [ed25519.privateKey.export({ format: 'jwk' }), 'Ed25519'],
    ];
    for (const [clientPrivateKey, type] of forms) {
      expect(resolve({ clientPrivateKey }).clientAssertion?.key?.type).toBe(type);
    }
  });

  it('picks the algorithm from the key, the JWK or the option, and refuses one that does not fit', () => {
    const algorithmOf = (overrides: Record<string, unknown>) => resolve(overrides).clientAssertion?.algorithms;
    expect(algorithmOf({ clientPrivateKey: ec256.privateKey })).toEqual(['ES256']);
    expect(algorithmOf({ clientPrivateKey: ec384.privateKey })).toEqual(['ES384']);
    expect(algorithmOf({ clientPrivateKey: ed25519.privateKey })).toEqual(['EdDSA', 'Ed25519']);
    expect(algorithmOf({ clientPrivateKey: ed25519.privateKey, clientAssertionAlgorithm: 'Ed25519' })).toEqual([
      'Ed25519',
    ]);
    expect(algorithmOf({ clientPrivateKey: rsa.privateKey, clientAssertionAlgorithm: 'PS256' })).toEqual(['PS256']);
    expect(algorithmOf({ clientPrivateKey: { ...rsaJwk, alg: 'PS384' } })).toEqual(['PS384']);
    // The option wins over the JWK's alg.
    expect(algorithmOf({ clientPrivateKey: { ...rsaJwk, alg: 'PS384' }, clientAssertionAlgorithm: 'RS512' })).toEqual([
      'RS512',
    ]);
    expect(algorithmOf({ clientAuthMethod: 'client_secret_jwt', clientSecret: 's' })).toEqual([
      'HS256',
      'HS384',
      'HS512',
    ]);
    expect(problemsOf({ clientPrivateKey: ec256.privateKey, clientAssertionAlgorithm: 'RS256' })).toEqual([
      'providers.idp.clientAssertionAlgorithm RS256 does not fit the key, which signs with ES256',
    ]);
    expect(problemsOf({ clientPrivateKey: rsa.privateKey, clientAssertionAlgorithm: 'none' })).toEqual([
      expect.stringMatching(/^providers\.idp\.clientAssertionAlgorithm must be one of RS256, PS256, .*HS512$/),
    ]);
    expect(
      problemsOf({ clientAuthMethod: 'client_secret_jwt', clientSecret: 's', clientAssertionAlgorithm: 'RS256' }),
    ).toEqual([
      'providers.idp.clientAssertionAlgorithm RS256 does not fit the key, which signs with HS256, HS384, HS512',
    ]);
    expect(problemsOf({ clientPrivateKey: { ...ecJwk, alg: 'RS256' } })).toEqual([
      'providers.idp.clientPrivateKey is a JWK whose alg is not one it signs client assertions with (ES256)',
    ]);
  });

  it('names the option, never the key, for a public, symmetric, malformed, encrypted or unusable key', () => {
    const secretKey = generateKeySync('hmac', { length: 256 });
    const problems = (clientPrivateKey: unknown) => problemsOf({ clientPrivateKey });
    const publicOnly =
      'providers.idp.clientPrivateKey is a public key: give the private key (the server registers its public half)';
    const symmetric =
      'providers.idp.clientPrivateKey is a symmetric key: client_secret_jwt signs with clientSecret instead';
    expect(problems(rsa.publicKey)).toEqual([publicOnly]);
    expect(problems(rsa.publicKey.export({ format: 'pem', type: 'spki' }))).toEqual([publicOnly]);
    expect(problems(rsa.publicKey.export({ format: 'jwk' }))).toEqual([publicOnly]);
    expect(problems(secretKey)).toEqual([symmetric]);
    expect(problems(secretKey.export({ format: 'jwk' }))).toEqual([symmetric]);
    expect(problems('-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----')).toEqual([
      'providers.idp.clientPrivateKey is not a PEM private key (PKCS#8, PKCS#1 or SEC1, unencrypted)',
    ]);
    const encrypted = rsa.privateKey.export({
      format: 'pem',
      type: 'pkcs8',
      cipher: 'aes-256-cbc',
      passphrase: 'pass',
    }) as string;
    expect(problems(encrypted)).toEqual([
      'providers.idp.clientPrivateKey is an encrypted PEM: decrypt it with createPrivateKey({ key, passphrase }) and give the KeyObject',
    ]);
    expect(problems({ kty: 'RSA', n: rsaJwk.n, e: rsaJwk.e, d: 'AAAA' })).toEqual([
      'providers.idp.clientPrivateKey is not a valid private JWK (RFC 7517, RFC 7518 §6)',
    ]);
    expect(problems({ ...ecJwk, use: 'enc' })).toEqual([
      'providers.idp.clientPrivateKey is a JWK whose use is not sig',
    ]);
    expect(problems({ ...ecJwk, key_ops: ['decrypt'] })).toEqual([
      'providers.idp.clientPrivateKey is a JWK whose key_ops do not include sign',
    ]);
    expect(problems({ ...ecJwk, kid: 7 })).toEqual(['providers.idp.clientPrivateKey.kid must be a non-empty string']);
    expect(problems(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey)).toEqual([
      'providers.idp.clientPrivateKey is an RSA key of 1024 bits: at least 2048 are needed',
    ]);
    expect(problems(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey)).toEqual([
      'providers.idp.clientPrivateKey is an EC key on a curve other than P-256, P-384 and P-521',
    ]);
    expect(problems(generateKeyPairSync('x25519').privateKey)).toEqual([
      'providers.idp.clientPrivateKey is a x25519 key: use an RSA, EC (P-256, P-384, P-521) or Ed25519 key',
    ]);
    expect(problems(42)).toEqual(['providers.idp.clientPrivateKey must be a private JWK, a PEM string or a KeyObject']);
    // No problem quotes the key material.
    const all = [
      ...problems({ kty: 'RSA', n: rsaJwk.n, e: rsaJwk.e, d: 'AAAA' }),
      ...problems({ ...rsaJwk, use: 'enc' }),
      ...problems(encrypted),
      ...problems(pkcs8(rsa.privateKey).slice(0, 200)),
    ].join('\n');
    expect(all).not.toContain(rsaJwk.n!.slice(0, 16));
    expect(all).not.toContain('AAAA');
    const error = (() => {
      try {
        return resolve({ clientPrivateKey: { ...rsaJwk, use: 'enc' } });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(AuthCodeFlowConfigError);
    const shownError = `${JSON.stringify(error)}\n${inspect(error, { showHidden: true, depth: Infinity })}`;
    expect(shownError).toContain('providers.idp.clientPrivateKey is a JWK whose use is not sig');
    for (const member of [rsaJwk.d!, rsaJwk.p!, rsaJwk.n!]) expect(shownError).not.toContain(member.slice(0, 12));
    expect(all).not.toContain(pkcs8(rsa.privateKey).split('\n')[1]!.slice(0, 16));
  });

  it('ties each method to what it signs or sends with', () => {
    expect(problemsOf({ clientAuthMethod: 'private_key_jwt', clientSecret: 's' })).toEqual([
      'providers.idp.clientPrivateKey is required with clientAuthMethod private_key_jwt',
    ]);
    expect(problemsOf({ clientAuthMethod: 'client_secret_jwt' })).toEqual([
      'providers.idp.clientSecret is required with clientAuthMethod client_secret_jwt',
    ]);
    expect(
      problemsOf({ clientAuthMethod: 'client_secret_basic', clientSecret: 's', clientPrivateKey: rsaJwk }),
    ).toEqual(['providers.idp.clientPrivateKey applies only to clientAuthMethod private_key_jwt']);
    expect(
      problemsOf({
        clientSecret: 's',
        clientKeyId: 'k',
        clientAssertionAlgorithm: 'RS256',
        clientAssertionAudience: 'issuer',
      }),
    ).toEqual([
      'providers.idp.clientKeyId applies only to clientAuthMethod private_key_jwt',
      'providers.idp.clientAssertionAlgorithm applies only to clientAuthMethod private_key_jwt or client_secret_jwt',
      'providers.idp.clientAssertionAudience applies only to clientAuthMethod private_key_jwt or client_secret_jwt',
    ]);
    expect(problemsOf({ clientPrivateKey: rsaJwk, clientAssertionAudience: 'token' })).toEqual([
      'providers.idp.clientAssertionAudience must be one of issuer, token_endpoint',
    ]);
    expect(problemsOf({ clientPrivateKey: rsaJwk, issuer: undefined, clientAssertionAudience: 'issuer' })).toEqual([
      'providers.idp.clientAssertionAudience issuer needs providers.idp.issuer',
    ]);
    expect(problemsOf({ clientPrivateKey: rsaJwk, clientKeyId: '' })).toEqual([
      'providers.idp.clientKeyId is required',
    ]);
    // A secret may come along (HS256 ID tokens are verified with it); private_key_jwt never sends it.
    expect(resolve({ clientPrivateKey: rsaJwk, clientSecret: 's' }).clientAuthMethod).toBe('private_key_jwt');
  });

  it('shows nothing of the key in JSON.stringify or util.inspect of the resolved options', async () => {
    const options = resolveOptions({
      providers: {
        jwk: { ...base, clientPrivateKey: rsaJwk },
        pem: {
          ...base,
          redirectUri: 'https://app.example/oauth/pem/callback',
          clientPrivateKey: pkcs8(ec256.privateKey),
        },
        object: {
          ...base,
          redirectUri: 'https://app.example/oauth/object/callback',
          clientPrivateKey: ed25519.privateKey,
        },
      },
    });
    await prepareClientKeys(options);
    const shown = [
      JSON.stringify([...options.providers.values()]),
      inspect(options, { depth: Infinity, showHidden: true }),
    ].join('\n');
    for (const secret of [rsaJwk.d!, rsaJwk.p!, ecJwk.d!, ed25519.privateKey.export({ format: 'jwk' }).d!]) {
      expect(shown).not.toContain(secret.slice(0, 12));
    }
    expect(shown).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(options.providers.get('jwk')!.clientAssertion)).toBe(
      '{"algorithm":"RS256","algorithms":["RS256","PS256","RS384","PS384","RS512","PS512"],"audience":"issuer","key":{"type":"RSA"}}',
    );
  });
});

describe('withServerAlgorithms', () => {
  const assertion = (algorithms: ResolvedClientAssertion['algorithms']): ResolvedClientAssertion => ({
    algorithm: algorithms[0]!,
    algorithms,
    audience: 'issuer',
  });

  it('picks the first fitting algorithm the metadata lists, unless one is configured or none fits', () => {
    const rsaAlgorithms = assertion(['RS256', 'PS256', 'RS384']);
    expect(withServerAlgorithms(rsaAlgorithms, ['ES256', 'PS256', 'RS384'])?.algorithm).toBe('PS256');
    expect(withServerAlgorithms(rsaAlgorithms, ['RS256', 'PS256'])).toBe(rsaAlgorithms);
    expect(withServerAlgorithms(rsaAlgorithms, ['ES256'])).toBe(rsaAlgorithms);
    expect(withServerAlgorithms(rsaAlgorithms, undefined)).toBe(rsaAlgorithms);
    expect(withServerAlgorithms(assertion(['EdDSA', 'Ed25519']), ['Ed25519'])?.algorithm).toBe('Ed25519');
    const configured = assertion(['RS256']);
    expect(withServerAlgorithms(configured, ['PS256'])).toBe(configured);
    expect(withServerAlgorithms(undefined, ['PS256'])).toBeUndefined();
  });
});

describe('prepareClientKeys', () => {
  it('imports every key and settles its key id at start-up, or fails naming the option', async () => {
    const options = resolveOptions({ providers: { idp: { ...base, clientPrivateKey: ec256.privateKey } } });
    const key = options.providers.get('idp')!.clientAssertion!.key!;
    expect(key.publicJwk()).toBeUndefined();
    await expect(prepareClientKeys(options)).resolves.toBe(options);
    expect(key.publicJwk()).toMatchObject({ kty: 'EC', crv: 'P-256', kid: expect.any(String), use: 'sig' });

    // Node's parser takes a JWK whose d belongs to another key; the probe at start-up does not.
    const otherD = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }).d;
    const mismatched = { ...ecJwk, d: otherD };
    const broken = resolveOptions({ providers: { idp: { ...base, clientPrivateKey: mismatched } } });
    const error = await prepareClientKeys(broken).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthCodeFlowConfigError);
    expect((error as AuthCodeFlowConfigError).problems).toEqual([
      'providers.idp.clientPrivateKey is not a usable ES256 key: WebCrypto refused it, or its private part does not belong to its public part',
    ]);
    expect(JSON.stringify(error) + inspect(error)).not.toContain(otherD!.slice(0, 12));
  });
});
