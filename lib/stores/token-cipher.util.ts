import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { isRecord } from '../utils/is-record.util.js';
import { assertValidOptions } from './store-arguments.util.js';

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

/** Encryption options checked, with their keys decoded. */
interface CipherKeys {
  keys: ReadonlyMap<string, Buffer>;
  currentKeyId: string;
}

/** Seals and opens strings with AES-256-GCM; `aad` binds each value to where it is stored. */
export class TokenCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  readonly currentKeyId: string;

  /**
   * Checks the options; invalid ones throw an `AuthCodeFlowConfigError` listing every problem, each named
   * by `owner` and the option. No message includes a key.
   */
  constructor(options: TokenEncryptionOptions, owner = 'TokenCipher') {
    const problems: string[] = [];
    const checked = checkEncryption(options, owner, problems);
    assertValidOptions(owner, problems);
    this.keys = checked!.keys;
    this.currentKeyId = checked!.currentKeyId;
  }

  /** The cipher for valid options; for invalid ones undefined, and their problems added to `problems`. */
  static fromOptions(options: unknown, owner: string, problems: string[]): TokenCipher | undefined {
    return checkEncryption(options, owner, problems)
      ? new TokenCipher(options as TokenEncryptionOptions, owner)
      : undefined;
  }

  seal(plaintext: string, aad: string): SealedValue {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      alg: 'A256GCM',
      kid: this.currentKeyId,
      iv: iv.toString('base64url'),
      data: data.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
    };
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
      const plaintext = Buffer.concat([
        decipher.update(Buffer.from(sealed.data, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
      return { ok: true, plaintext };
    } catch {
      // GCM authentication failed: the value, its IV, tag or AAD was changed, or it was sealed with another key under this id.
      return { ok: false, reason: 'tampered' };
    }
  }
}

function isSealedValue(value: unknown): value is SealedValue {
  return (
    isRecord(value) &&
    value.alg === 'A256GCM' &&
    typeof value.kid === 'string' &&
    [value.iv, value.data, value.tag].every((part) => typeof part === 'string' && BASE64URL_PATTERN.test(part))
  );
}

function checkEncryption(options: unknown, owner: string, problems: string[]): CipherKeys | undefined {
  if (!isRecord(options)) {
    problems.push(`${owner}: encryption must be an object { keys, currentKeyId }`);
    return undefined;
  }
  const before = problems.length;
  const { keys, currentKeyId } = options;
  const decoded = new Map<string, Buffer>();
  if (!isRecord(keys)) {
    problems.push(`${owner}: encryption.keys must be an object mapping key ids to 32-byte keys`);
  } else {
    for (const [id, key] of Object.entries(keys)) {
      if (!KEY_ID_PATTERN.test(id))
        problems.push(`${owner}: encryption key id "${id.slice(0, 64)}" must be 1-64 of A-Z a-z 0-9 . _ -`);
      const bytes = decodeKey(key, `${owner}: encryption.keys["${id}"]`, problems);
      if (bytes) decoded.set(id, bytes);
    }
    if (Object.keys(keys).length === 0) problems.push(`${owner}: encryption.keys must hold at least one key`);
  }
  if (typeof currentKeyId !== 'string') {
    problems.push(`${owner}: encryption.currentKeyId must be a string`);
  } else if (isRecord(keys) && !Object.hasOwn(keys, currentKeyId)) {
    problems.push(`${owner}: encryption.currentKeyId "${currentKeyId.slice(0, 64)}" is not one of encryption.keys`);
  }
  return problems.length > before ? undefined : { keys: decoded, currentKeyId: currentKeyId as string };
}

function decodeKey(key: unknown, path: string, problems: string[]): Buffer | undefined {
  const bytes = keyBytes(key);
  if (bytes === undefined) problems.push(`${path} must be 32 bytes, or a base64, base64url or hex string of 32 bytes`);
  else if (bytes.length !== KEY_BYTES) problems.push(`${path} must be exactly 32 bytes (AES-256); got ${bytes.length}`);
  else return bytes;
  return undefined;
}

/** A key's bytes: given as bytes, or as a hex, base64 or base64url string. */
function keyBytes(key: unknown): Buffer | undefined {
  if (key instanceof Uint8Array) return Buffer.from(key);
  if (typeof key !== 'string') return undefined;
  if (/^[0-9a-fA-F]{64}$/.test(key)) return Buffer.from(key, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(key))
    return Buffer.from(key, key.includes('-') || key.includes('_') ? 'base64url' : 'base64');
  return undefined;
}
