import { webcrypto } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ASYMMETRIC_ID_TOKEN_ALGORITHMS, HMAC_ID_TOKEN_ALGORITHMS } from '../options/id-token-options.js';
import { accessTokenHash, atHashAlgorithm } from './access-token-hash.js';

const EXPECTED_HASH: Record<string, 'SHA-256' | 'SHA-384' | 'SHA-512'> = {
  RS256: 'SHA-256',
  PS256: 'SHA-256',
  ES256: 'SHA-256',
  HS256: 'SHA-256',
  RS384: 'SHA-384',
  PS384: 'SHA-384',
  ES384: 'SHA-384',
  HS384: 'SHA-384',
  RS512: 'SHA-512',
  PS512: 'SHA-512',
  ES512: 'SHA-512',
  HS512: 'SHA-512',
  EdDSA: 'SHA-512',
  Ed25519: 'SHA-512',
};

describe('accessTokenHash', () => {
  it('knows the hash of every algorithm an ID token may use', () => {
    const all = [...ASYMMETRIC_ID_TOKEN_ALGORITHMS, ...HMAC_ID_TOKEN_ALGORITHMS].sort();
    expect(all).toEqual(Object.keys(EXPECTED_HASH).sort());
  });

  it.each(Object.entries(EXPECTED_HASH))('hashes for %s with %s, the left half, base64url', async (alg, hash) => {
    const accessToken = 'ya29.a0-Access_Token~value';
    const digest = new Uint8Array(await webcrypto.subtle.digest(hash, new TextEncoder().encode(accessToken)));
    expect(accessTokenHash(accessToken, alg)).toBe(
      Buffer.from(digest.slice(0, digest.length / 2)).toString('base64url'),
    );
    expect(atHashAlgorithm(alg)).toBe(hash.replace('-', '').toLowerCase());
  });

  it('has no hash for another algorithm', () => {
    for (const alg of ['none', 'RS1', 'ES256K', 'rs256', 'ML-DSA-44', 'HS256 ']) {
      expect(atHashAlgorithm(alg)).toBeUndefined();
      expect(accessTokenHash('token', alg)).toBeUndefined();
    }
  });
});
