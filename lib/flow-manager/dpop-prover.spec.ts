import { describe, expect, it } from '@jest/globals';
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import type { DpopAlgorithm, ResolvedDpopOptions } from '../options/resolved-options.interface.js';
import { DpopProver, htuOf } from './dpop-prover.js';

function options(algorithm: DpopAlgorithm = 'ES256', privateKey?: KeyObject): ResolvedDpopOptions {
  const resolved: ResolvedDpopOptions = { algorithm, bindAuthorizationCode: false, requireBoundTokens: false };
  if (privateKey) Object.defineProperty(resolved, 'privateKey', { value: privateKey, enumerable: false });
  return resolved;
}

/** The proof verified as a server would (RFC 9449 §4.3): signature by the embedded key, `typ`, the claims. */
async function verified(proof: string) {
  return jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256', 'PS256', 'RS256', 'EdDSA'] });
}

describe('DpopProver', () => {
  it('generates a non-extractable ES256 key, and signs proofs a server verifies with the embedded jwk', async () => {
    const prover = new DpopProver('p', options());
    expect(prover.isReady).toBe(false);
    await prover.whenReady();
    expect(prover.isReady).toBe(true);
    const before = Math.floor(Date.now() / 1000);
    const proof = await prover.proof('POST', 'https://idp.example/token');
    const { payload, protectedHeader } = await verified(proof);
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'dpop+jwt', jwk: expect.any(Object) });
    expect(Object.keys(protectedHeader.jwk!).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(payload).toEqual({
      htm: 'POST',
      htu: 'https://idp.example/token',
      jti: expect.any(String),
      iat: expect.any(Number),
    });
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(prover.thumbprint).toBe(await calculateJwkThumbprint(protectedHeader.jwk!));
    const key = (prover as unknown as { key: { privateKey: { extractable: boolean } } }).key.privateKey;
    expect(key.extractable).toBe(false);
  });

  it('gives two managers two keys', async () => {
    const [a, b] = [new DpopProver('p', options()), new DpopProver('p', options())];
    await Promise.all([a.whenReady(), b.whenReady()]);
    expect(a.thumbprint).not.toBe(b.thumbprint);
  });

  it.each([
    ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey],
    ['PS256', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
    ['RS256', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
    ['EdDSA', generateKeyPairSync('ed25519').privateKey],
  ] as const)(
    'signs %s proofs with a given key, whose public JWK is the header and whose thumbprint binds',
    async (alg, key) => {
      const prover = new DpopProver('p', options(alg, key));
      const { protectedHeader } = await verified(await prover.proof('GET', 'https://api.example/x'));
      const publicJwk = createPublicKey(key).export({ format: 'jwk' }) as JWK;
      expect(protectedHeader).toEqual({ alg, typ: 'dpop+jwt', jwk: publicJwk });
      expect(prover.thumbprint).toBe(await calculateJwkThumbprint(publicJwk));
      expect(JSON.stringify(protectedHeader)).not.toContain('"d"');
    },
  );

  it('adds ath, the SHA-256 of the access token, for a resource; a fresh jti each time', async () => {
    const prover = new DpopProver('p', options());
    const token = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU';
    const proofs = await Promise.all([1, 2, 3].map(() => prover.proof('GET', 'https://api.example/r', token)));
    const claims = await Promise.all(proofs.map(async (proof) => (await verified(proof)).payload));
    const ath = createHash('sha256').update(token, 'ascii').digest('base64url');
    for (const claim of claims) expect(claim.ath).toBe(ath);
    expect(new Set(claims.map((claim) => claim.jti)).size).toBe(3);
  });

  it.each([
    ['https://api.example/r?page=2#top', 'https://api.example/r'],
    ['https://API.example:443/a/../b/c', 'https://api.example/b/c'],
    ['http://127.0.0.1:8080/x?', 'http://127.0.0.1:8080/x'],
    ['https://api.example', 'https://api.example/'],
    ['https://[::1]:9443/%7Euser/a%20b', 'https://[::1]:9443/%7Euser/a%20b'],
  ])('takes htu without query and fragment: %s → %s', async (url, htu) => {
    expect(htuOf(new URL(url))).toBe(htu);
    const prover = new DpopProver('p', options());
    expect((await verified(await prover.proof('GET', url))).payload.htu).toBe(htu);
  });

  it("carries the last nonce of the URL's origin only", async () => {
    const prover = new DpopProver('p', options());
    expect(prover.rememberNonce('https://idp.example/token', 'n-1')).toBe(true);
    expect(prover.rememberNonce('https://idp.example/other', 'n-2')).toBe(true);
    expect(prover.rememberNonce('https://idp.example/token', undefined)).toBe(false);
    expect(prover.rememberNonce('https://idp.example/token', 'not a nonce')).toBe(false);
    const nonceOf = async (url: string) => (await verified(await prover.proof('POST', url))).payload.nonce;
    expect(await nonceOf('https://idp.example/token')).toBe('n-2');
    expect(await nonceOf('https://api.example/token')).toBeUndefined();
    expect(await nonceOf('https://idp.example:8443/token')).toBeUndefined();
  });

  it('waits for its key before the first proof, and shows no key in its header', async () => {
    const prover = new DpopProver('p', options());
    const proof = await prover.proof('GET', 'https://api.example/x');
    expect(decodeProtectedHeader(proof).jwk).not.toHaveProperty('d');
    expect(() => new DpopProver('p', options()).thumbprint).toThrow('the DPoP key is not ready yet');
  });
});
