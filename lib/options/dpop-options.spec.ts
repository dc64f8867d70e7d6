import { describe, expect, it } from '@jest/globals';
import { createPublicKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { resolveOptions } from './resolve-options.util.js';

const base = {
  baseUri: 'https://idp.example',
  authorizationPath: '/authorize',
  accessTokenPath: '/token',
  clientId: 'id',
  clientSecret: 'secret',
  redirectUri: 'https://app.example/oauth/idp/callback',
};

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

const KEY_PROBLEM =
  'providers.idp.dpop.privateKey must be an EC P-256 (ES256), RSA of 2048 bits or more (PS256, RS256) or Ed25519 ' +
  '(EdDSA) private key, as a JWK or a KeyObject';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecJwk = ec.privateKey.export({ format: 'jwk' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaJwk = rsa.privateKey.export({ format: 'jwk' });

describe('DPoP options', () => {
  it('is off by default; true generates a key per manager, signed with ES256', () => {
    expect(resolve({}).dpop).toBeUndefined();
    expect(resolve({ dpop: false }).dpop).toBeUndefined();
    const config = resolve({ dpop: true });
    expect(config.dpop).toEqual({ algorithm: 'ES256', bindAuthorizationCode: false, requireBoundTokens: false });
    expect(config.dpop!.privateKey).toBeUndefined();
    expect(resolve({ dpop: true, dpopBindAuthorizationCode: true, requireDpopBoundTokens: true }).dpop).toMatchObject({
      bindAuthorizationCode: true,
      requireBoundTokens: true,
    });
  });

  it.each([
    ['an EC P-256 JWK', ecJwk, 'ES256'],
    ['an EC P-256 KeyObject', ec.privateKey, 'ES256'],
    ['an RSA JWK', rsaJwk, 'PS256'],
    ['an RSA JWK that says RS256', { ...rsaJwk, alg: 'RS256' }, 'RS256'],
    ['an RSA KeyObject', rsa.privateKey, 'PS256'],
    ['an RSA-PSS KeyObject', generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey, 'PS256'],
    ['an Ed25519 KeyObject', generateKeyPairSync('ed25519').privateKey, 'EdDSA'],
    [
      'an Ed25519 JWK that says Ed25519',
      { ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), alg: 'Ed25519' },
      'EdDSA',
    ],
  ])('imports %s once, as a private KeyObject', (_case, privateKey, algorithm) => {
    const dpop = resolve({ dpop: { privateKey } }).dpop!;
    expect(dpop.algorithm).toBe(algorithm);
    expect(dpop.privateKey).toMatchObject({ type: 'private' });
  });

  it.each([
    ['an EC P-384 key', generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey],
    ['an RSA key under 2048 bits', generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey],
    ['an X25519 key', generateKeyPairSync('x25519').privateKey],
    ['a public key', ec.publicKey],
    ['a public JWK', createPublicKey(ec.privateKey).export({ format: 'jwk' })],
    ['a symmetric JWK', { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' }],
    ['a JWK whose alg does not fit the key', { ...ecJwk, alg: 'RS256' }],
    [
      'a JWK whose private part is of another key',
      { ...ecJwk, d: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }).d },
    ],
    ['a broken JWK', { ...ecJwk, x: 'AAAA' }],
    ['a PEM string', ec.privateKey.export({ format: 'pem', type: 'pkcs8' })],
    ['nothing', undefined],
  ])('refuses %s, without quoting it', (_case, privateKey) => {
    const problems = problemsOf({ dpop: { privateKey } });
    expect(problems).toEqual([KEY_PROBLEM]);
  });

  it('refuses a CryptoKey, other shapes and unknown members', async () => {
    const { privateKey } = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
    expect(problemsOf({ dpop: { privateKey } })).toEqual([KEY_PROBLEM]);
    expect(problemsOf({ dpop: 'yes' })).toEqual(['providers.idp.dpop must be true, false or { privateKey }']);
    expect(problemsOf({ dpop: { privateKey: ecJwk, alg: 'ES256' } })).toEqual([
      'providers.idp.dpop.alg is not a known option',
    ]);
  });

  it('needs dpop for its two companions, which are booleans', () => {
    expect(problemsOf({ dpopBindAuthorizationCode: true, requireDpopBoundTokens: true })).toEqual([
      'providers.idp.dpopBindAuthorizationCode needs providers.idp.dpop',
      'providers.idp.requireDpopBoundTokens needs providers.idp.dpop',
    ]);
    expect(problemsOf({ dpop: true, requireDpopBoundTokens: 'yes' })).toEqual([
      'providers.idp.requireDpopBoundTokens must be true or false',
    ]);
  });

  it('reserves the DPoP header of token requests, and the dpop_jkt authorization parameter', () => {
    expect(problemsOf({ tokenRequestHeaders: { dpop: 'x' }, authorizationParams: { dpop_jkt: 'x' } })).toEqual([
      'providers.idp.authorizationParams.dpop_jkt is set by the flow manager and cannot be configured',
      'providers.idp.tokenRequestHeaders.dpop is set by the flow manager and cannot be configured',
    ]);
  });

  it('keeps the key out of JSON.stringify of the resolved configuration, and out of spreads', () => {
    const config = resolve({ dpop: { privateKey: ecJwk } });
    const json = JSON.stringify(config);
    expect(json).not.toContain(ecJwk.d!);
    expect(json).not.toContain('privateKey');
    expect({ ...config.dpop }).not.toHaveProperty('privateKey');
    expect(config.dpop!.privateKey).toBeDefined();
  });
});
