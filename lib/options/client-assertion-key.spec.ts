import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { ClientAssertionKey } from './client-assertion-key.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaJwk = rsa.privateKey.export({ format: 'jwk' });

function parse(value: unknown, kid?: string): ClientAssertionKey {
  const problems: string[] = [];
  const parsed = ClientAssertionKey.parse(value, 'clientPrivateKey', kid, problems);
  expect(problems).toEqual([]);
  return parsed!.key;
}

describe('ClientAssertionKey', () => {
  it("names the key by the configured id, else the JWK's kid, else its RFC 7638 thumbprint", async () => {
    const thumbprint = await calculateJwkThumbprint(rsa.publicKey.export({ format: 'jwk' }) as JWK);
    expect(await parse(rsa.privateKey).keyId()).toBe(thumbprint);
    expect(await parse({ ...rsaJwk, kid: 'from-jwk' }).keyId()).toBe('from-jwk');
    expect(await parse({ ...rsaJwk, kid: 'from-jwk' }, 'configured').keyId()).toBe('configured');
  });

  it('imports a non-extractable CryptoKey once per algorithm', async () => {
    const key = parse(rsa.privateKey);
    const rs256 = key.signingKey('RS256');
    expect(key.signingKey('RS256')).toBe(rs256);
    const [imported, pss] = await Promise.all([rs256, key.signingKey('PS256')]);
    expect(imported).toMatchObject({ type: 'private', extractable: false, algorithm: { name: 'RSASSA-PKCS1-v1_5' } });
    expect(pss).toMatchObject({ extractable: false, algorithm: { name: 'RSA-PSS' } });
  });

  it('publishes the public members only, with kid, use and the algorithm when given', async () => {
    const key = parse(rsa.privateKey, 'k1');
    await key.ready('RS256');
    const { n, e } = rsa.publicKey.export({ format: 'jwk' });
    expect(key.publicJwk()).toEqual({ kty: 'RSA', n, e, kid: 'k1', use: 'sig' });
    expect(key.publicJwk('PS256')).toEqual({ kty: 'RSA', n, e, kid: 'k1', use: 'sig', alg: 'PS256' });
    const ed = generateKeyPairSync('ed25519');
    const edKey = parse(ed.privateKey);
    await edKey.ready('EdDSA');
    const { x } = ed.publicKey.export({ format: 'jwk' });
    expect(edKey.publicJwk()).toEqual({ kty: 'OKP', crv: 'Ed25519', x, kid: expect.any(String), use: 'sig' });
    expect(createPublicKey({ key: edKey.publicJwk()!, format: 'jwk' }).equals(ed.publicKey)).toBe(true);
  });

  it('shows only its type to JSON.stringify and util.inspect, before and after the import', async () => {
    const key = parse(rsaJwk);
    const shown = () => `${JSON.stringify({ key })}\n${inspect(key, { showHidden: true, depth: Infinity })}`;
    const before = shown();
    await key.ready('RS256');
    for (const text of [before, shown()]) {
      expect(text).toContain('RSA');
      for (const member of [rsaJwk.d!, rsaJwk.p!, rsaJwk.q!, rsaJwk.dp!, rsaJwk.n!])
        expect(text).not.toContain(member.slice(0, 12));
    }
    expect(JSON.stringify(key)).toBe('{"type":"RSA"}');
  });
});
