import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { TokenCipher, type SealedValue } from './token-cipher.util.js';

const key1 = randomBytes(32);
const key2 = randomBytes(32);
const plaintext = JSON.stringify({ accessToken: 'access-secret', refreshToken: 'refresh-secret' });

function flip(base64url: string): string {
  const bytes = Buffer.from(base64url, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  return bytes.toString('base64url');
}

describe('TokenCipher', () => {
  it('opens what it sealed, with the same additional data; the sealed form holds nothing of the plaintext', () => {
    const cipher = new TokenCipher({ keys: { k1: key1 }, currentKeyId: 'k1' });
    const sealed = cipher.seal(plaintext, 'aad');
    expect(sealed).toMatchObject({ alg: 'A256GCM', kid: 'k1' });
    expect(Buffer.from(sealed.iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(sealed.tag, 'base64url')).toHaveLength(16);
    expect(JSON.stringify(sealed)).not.toMatch(/secret/);
    expect(cipher.open(sealed, 'aad')).toEqual({ ok: true, plaintext });
  });

  it('uses a fresh IV each time', () => {
    const cipher = new TokenCipher({ keys: { k1: key1 }, currentKeyId: 'k1' });
    const [a, b] = [cipher.seal(plaintext, 'aad'), cipher.seal(plaintext, 'aad')];
    expect(a.iv).not.toBe(b.iv);
    expect(a.data).not.toBe(b.data);
  });

  it('rotates: seals with the current id, opens with any listed id, and not with a dropped one', () => {
    const old = new TokenCipher({ keys: { k1: key1 }, currentKeyId: 'k1' });
    const rotated = new TokenCipher({ keys: { k1: key1, k2: key2 }, currentKeyId: 'k2' });
    const retired = new TokenCipher({ keys: { k2: key2 }, currentKeyId: 'k2' });
    const sealedOld = old.seal(plaintext, 'aad');
    const sealedNew = rotated.seal(plaintext, 'aad');
    expect(sealedNew.kid).toBe('k2');
    expect(rotated.open(sealedOld, 'aad')).toEqual({ ok: true, plaintext });
    expect(retired.open(sealedNew, 'aad')).toEqual({ ok: true, plaintext });
    expect(retired.open(sealedOld, 'aad')).toEqual({ ok: false, reason: 'unknown_key' });
    expect(old.open(sealedNew, 'aad')).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('detects any change: data, IV, tag, additional data, key id, or another key under the same id', () => {
    const cipher = new TokenCipher({ keys: { k1: key1, k2: key2 }, currentKeyId: 'k1' });
    const sealed = cipher.seal(plaintext, 'aad');
    const changed: SealedValue[] = [
      { ...sealed, data: flip(sealed.data) },
      { ...sealed, iv: flip(sealed.iv) },
      { ...sealed, tag: flip(sealed.tag) },
      { ...sealed, kid: 'k2' },
    ];
    for (const value of changed) expect(cipher.open(value, 'aad')).toEqual({ ok: false, reason: 'tampered' });
    expect(cipher.open(sealed, 'other aad')).toEqual({ ok: false, reason: 'tampered' });
    const wrongKey = new TokenCipher({ keys: { k1: randomBytes(32) }, currentKeyId: 'k1' });
    expect(wrongKey.open(sealed, 'aad')).toEqual({ ok: false, reason: 'tampered' });
  });

  it.each([
    ['null', null],
    ['a string', 'sealed'],
    [
      'another algorithm',
      { alg: 'A128GCM', kid: 'k1', iv: 'AAAAAAAAAAAAAAAA', data: '', tag: 'AAAAAAAAAAAAAAAAAAAAAA' },
    ],
    ['a short IV', { alg: 'A256GCM', kid: 'k1', iv: 'AAAA', data: '', tag: 'AAAAAAAAAAAAAAAAAAAAAA' }],
    ['a short tag', { alg: 'A256GCM', kid: 'k1', iv: 'AAAAAAAAAAAAAAAA', data: '', tag: 'AAAA' }],
    [
      'non-base64url parts',
      { alg: 'A256GCM', kid: 'k1', iv: 'AAAA+AAAAAAAAAAA', data: '', tag: 'AAAAAAAAAAAAAAAAAAAAAA' },
    ],
  ])('reads %s as malformed', (_label, value) => {
    const cipher = new TokenCipher({ keys: { k1: key1 }, currentKeyId: 'k1' });
    expect(cipher.open(value, 'aad')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('takes keys as bytes, base64, base64url or hex', () => {
    const raw = randomBytes(32);
    const forms = [raw, new Uint8Array(raw), raw.toString('base64'), raw.toString('base64url'), raw.toString('hex')];
    const sealed = new TokenCipher({ keys: { k: raw }, currentKeyId: 'k' }).seal(plaintext, 'aad');
    for (const form of forms) {
      expect(new TokenCipher({ keys: { k: form }, currentKeyId: 'k' }).open(sealed, 'aad')).toEqual({
        ok: true,
        plaintext,
      });
    }
  });

  it.each([
    ['no options', undefined, AuthCodeFlowConfigError, 'Store: encryption must be an object { keys, currentKeyId }'],
    [
      'keys not an object',
      { keys: 'k', currentKeyId: 'k' },
      AuthCodeFlowConfigError,
      'Store: encryption.keys must be an object mapping key ids to 32-byte keys',
    ],
    [
      'no keys',
      { keys: {}, currentKeyId: 'k' },
      AuthCodeFlowConfigError,
      'Store: encryption.keys must hold at least one key',
    ],
    [
      'a 16-byte key',
      { keys: { k: randomBytes(16) }, currentKeyId: 'k' },
      AuthCodeFlowConfigError,
      'Store: encryption.keys["k"] must be exactly 32 bytes (AES-256); got 16',
    ],
    [
      'a passphrase',
      { keys: { k: 'correct horse battery staple' }, currentKeyId: 'k' },
      AuthCodeFlowConfigError,
      'Store: encryption.keys["k"] must be 32 bytes, or a base64, base64url or hex string of 32 bytes',
    ],
    ['a number key', { keys: { k: 42 }, currentKeyId: 'k' }, AuthCodeFlowConfigError, 'must be 32 bytes'],
    [
      'a bad key id',
      { keys: { 'a b': randomBytes(32) }, currentKeyId: 'a b' },
      AuthCodeFlowConfigError,
      'Store: encryption key id "a b" must be 1-64 of A-Z a-z 0-9 . _ -',
    ],
    [
      'an unknown current id',
      { keys: { k: randomBytes(32) }, currentKeyId: 'x' },
      AuthCodeFlowConfigError,
      'Store: encryption.currentKeyId "x" is not one of encryption.keys',
    ],
    [
      'a missing current id',
      { keys: { k: randomBytes(32) } },
      AuthCodeFlowConfigError,
      'Store: encryption.currentKeyId must be a string',
    ],
  ])('rejects %s', (_label, options, type, message) => {
    expect(() => new TokenCipher(options as never, 'Store')).toThrow(type);
    expect(() => new TokenCipher(options as never, 'Store')).toThrow(message);
  });

  it('names every problem of the options at once', () => {
    const options = { keys: { short: randomBytes(16), 'bad id': randomBytes(32) }, currentKeyId: 'missing' };
    expect(() => new TokenCipher(options, 'Store')).toThrow(
      expect.objectContaining({
        problems: [
          'Store: encryption.keys["short"] must be exactly 32 bytes (AES-256); got 16',
          'Store: encryption key id "bad id" must be 1-64 of A-Z a-z 0-9 . _ -',
          'Store: encryption.currentKeyId "missing" is not one of encryption.keys',
        ],
      }),
    );
  });

  it('never puts a key in an error message', () => {
    const short = randomBytes(31).toString('base64');
    const error = (() => {
      try {
        new TokenCipher({ keys: { k: short }, currentKeyId: 'k' });
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AuthCodeFlowConfigError);
    expect(error!.message).not.toContain(short);
  });
});
