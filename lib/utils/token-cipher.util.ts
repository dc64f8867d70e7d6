import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption at rest of token-store values: AES-256-GCM with a random 96-bit IV per value and a
 * 128-bit tag. Keys carry an id so they can be rotated: new values are sealed with `currentKeyId`;
 * values sealed with any id still listed in `keys` can be read.
 */
export interface TokenEncryptionOptions {
  /**
   * Key id -> 256-bit key: 32 bytes (`Buffer`/`Uint8Array`), or a string of 32 bytes as base64,
   * base64url or hex (e.g. `crypto.randomBytes(32).toString('base64')`). Ids: 1-64 of `A-Z a-z 0-9 . _ -`.
   * To rotate, add the new key, make it current, and keep the old one listed until every value sealed
   * with it has been rewritten or has expired.
   */
  keys: Record<string, Uint8Array | string>;
  /** Id (a key of `keys`) of the key that seals new values. */
  currentKeyId: string;
}

/** A sealed value as stored: algorithm, key id, and base64url IV, ciphertext and tag. */
export interface SealedValue {
  alg: 'A256GCM';
  kid: string;
  iv: string;
  data: string;
  tag: string;
}

/** Why a sealed value could not be opened. */
export type UnsealFailure = 'malformed' | 'unknown_key' | 'tampered';

export type UnsealResult = { ok: true; plaintext: string } | { ok: false; reason: UnsealFailure };

const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;

/** Seals and opens strings with AES-256-GCM; `aad` binds each value to where it is stored. */
export class TokenCipher {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  /** Validates the options; `owner` names the caller in error messages. Messages never include a key. */
  constructor(options: TokenEncryptionOptions, owner = 'TokenCipher') {
    if (typeof options !== 'object' || options === null) throw new TypeError(`${owner}: encryption must be an object { keys, currentKeyId }`);
    const { keys, currentKeyId } = options;
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
      throw new TypeError(`${owner}: encryption.keys must be an object mapping key ids to 32-byte keys`);
    }
    for (const [id, key] of Object.entries(keys)) {
      if (!KEY_ID_PATTERN.test(id)) throw new RangeError(`${owner}: encryption key id "${id.slice(0, 64)}" must be 1-64 of A-Z a-z 0-9 . _ -`);
      this.keys.set(id, decodeKey(key, `${owner}: encryption.keys["${id}"]`));
    }
    if (this.keys.size === 0) throw new RangeError(`${owner}: encryption.keys must hold at least one key`);
    if (typeof currentKeyId !== 'string') throw new TypeError(`${owner}: encryption.currentKeyId must be a string`);
    if (!this.keys.has(currentKeyId)) throw new RangeError(`${owner}: encryption.currentKeyId "${currentKeyId.slice(0, 64)}" is not one of encryption.keys`);
    this.currentKeyId = currentKeyId;
  }

  seal(plaintext: string, aad: string): SealedValue {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { alg: 'A256GCM', kid: this.currentKeyId, iv: iv.toString('base64url'), data: data.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') };
  }

  open(sealed: unknown, aad: string): UnsealResult {
    if (!isSealedValue(sealed)) return { ok: false, reason: 'malformed' };
    const key = this.keys.get(sealed.kid);
    if (!key) return { ok: false, reason: 'unknown_key' };
    const iv = Buffer.from(sealed.iv, 'base64url');
    const tag = Buffer.from(sealed.tag, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return { ok: false, reason: 'malformed' };
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64url')), decipher.final()]).toString('utf8');
      return { ok: true, plaintext };
    } catch {
      // GCM authentication failed: the value, its IV, tag or AAD was changed, or it was sealed with another key under this id.
      return { ok: false, reason: 'tampered' };
    }
  }
}

function isSealedValue(value: unknown): value is SealedValue {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.alg === 'A256GCM' &&
    typeof v.kid === 'string' &&
    [v.iv, v.data, v.tag].every((part) => typeof part === 'string' && BASE64URL_PATTERN.test(part))
  );
}

function decodeKey(key: unknown, path: string): Buffer {
  let bytes: Buffer;
  if (key instanceof Uint8Array) bytes = Buffer.from(key);
  else if (typeof key === 'string') {
    if (/^[0-9a-fA-F]{64}$/.test(key)) bytes = Buffer.from(key, 'hex');
    else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(key)) bytes = Buffer.from(key, key.includes('-') || key.includes('_') ? 'base64url' : 'base64');
    else throw new TypeError(`${path} must be 32 bytes, or a base64, base64url or hex string of 32 bytes`);
  } else throw new TypeError(`${path} must be 32 bytes, or a base64, base64url or hex string of 32 bytes`);
  if (bytes.length !== KEY_BYTES) throw new RangeError(`${path} must be exactly 32 bytes (AES-256); got ${bytes.length}`);
  return bytes;
}
