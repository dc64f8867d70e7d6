import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, compactVerify, importJWK, type CryptoKey, type JWK } from 'jose';
import { isRecord } from '../utils/is-record.util.js';

/** What a client's private key is, as far as the JWS algorithms it can sign with go. */
export type ClientKeyType = 'RSA' | 'P-256' | 'P-384' | 'P-521' | 'Ed25519';

/** Node's names of the EC curves that JWS signs with (RFC 7518 §3.4). */
const CURVES: Readonly<Record<string, ClientKeyType>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};
/** RFC 7518 §3.3 and §3.5; jose refuses a shorter modulus. */
const MIN_RSA_BITS = 2048;
/** What {@link ClientAssertionKey.ready} signs and verifies, to prove the private and public parts belong together. */
const PROBE = new TextEncoder().encode('client assertion key probe');

/** A parsed `clientPrivateKey`, with what its JWK said of itself. */
export interface ParsedClientKey {
  key: ClientAssertionKey;
  /** The JWK's `alg`, when it names one. */
  jwkAlgorithm?: string;
}

/**
 * The private key of `private_key_jwt` (RFC 7523 §2.2). The key lives in private fields only, so that
 * `JSON.stringify` and `util.inspect` of the resolved options, and of anything that holds them, show nothing of
 * it. It is checked synchronously when the options are resolved, then imported (a non-extractable `CryptoKey`
 * per algorithm) and its key id computed at start-up by {@link ready}.
 */
export class ClientAssertionKey {
  readonly #key: KeyObject;
  readonly #publicJwk: JWK;
  readonly #imports = new Map<string, Promise<CryptoKey>>();
  #kid: string | undefined;
  #thumbprint: Promise<string> | undefined;

  private constructor(
    readonly type: ClientKeyType,
    key: KeyObject,
    kid: string | undefined,
  ) {
    this.#key = key;
    const { kty, n, e, crv, x, y } = createPublicKey(key).export({ format: 'jwk' });
    this.#publicJwk = JSON.parse(JSON.stringify({ kty, n, e, crv, x, y })) as JWK;
    this.#kid = kid;
  }

  /**
   * Checks `value` (a private JWK, a PEM string or a `KeyObject`) and pushes a problem named by `path` when it is
   * not a private signing key this module can use. Problems name the option and the kind of key, never its material.
   */
  static parse(value: unknown, path: string, kid: string | undefined, problems: string[]): ParsedClientKey | undefined {
    const parsed = privateKeyObject(value, path, problems);
    if (parsed === undefined) return undefined;
    const type = keyTypeOf(parsed.key, path, problems);
    if (type === undefined) return undefined;
    const key = new ClientAssertionKey(type, parsed.key, kid ?? parsed.kid);
    return parsed.alg === undefined ? { key } : { key, jwkAlgorithm: parsed.alg };
  }

  /**
   * Imports the key for `algorithm`, computes its key id, and signs and verifies a probe: a JWK whose `d` does not
   * belong to its public members passes Node's parser, and would sign what no server verifies. Start-up awaits it,
   * so that a bad key fails there and the first request does not wait for the import. Throws without detail.
   */
  async ready(algorithm: string): Promise<void> {
    const [signingKey] = await Promise.all([this.signingKey(algorithm), this.keyId()]);
    const probe = await new CompactSign(PROBE).setProtectedHeader({ alg: algorithm }).sign(signingKey);
    await compactVerify(probe, createPublicKey(this.#key), { algorithms: [algorithm] });
  }

  /** The key as a non-extractable `CryptoKey` for `algorithm`, imported once. */
  signingKey(algorithm: string): Promise<CryptoKey> {
    let imported = this.#imports.get(algorithm);
    if (imported === undefined) {
      const jwk = this.#key.export({ format: 'jwk' }) as JWK;
      imported = importJWK(jwk, algorithm, { extractable: false }) as Promise<CryptoKey>;
      this.#imports.set(algorithm, imported);
    }
    return imported;
  }

  /** The configured key id, else the JWK's `kid`, else the RFC 7638 thumbprint of the public key. */
  async keyId(): Promise<string> {
    if (this.#kid !== undefined) return this.#kid;
    this.#thumbprint ??= calculateJwkThumbprint(this.#publicJwk, 'sha256');
    return (this.#kid = await this.#thumbprint);
  }

  /**
   * The public key as a JWK with its `kid` and `use: 'sig'` (and `alg`, when given), for the app's JWK Set.
   * Undefined until {@link ready} or {@link keyId} has settled the key id (start-up does).
   */
  publicJwk(algorithm?: string): JsonWebKey | undefined {
    if (this.#kid === undefined) return undefined;
    return { ...this.#publicJwk, kid: this.#kid, use: 'sig', ...(algorithm === undefined ? {} : { alg: algorithm }) };
  }

  toJSON(): Record<string, string> {
    return { type: this.type };
  }
}

function isKeyObject(value: unknown): value is KeyObject {
  return (value as { [Symbol.toStringTag]?: unknown } | null)?.[Symbol.toStringTag] === 'KeyObject';
}

/** The private `KeyObject` of a JWK, PEM or `KeyObject`, with the JWK's `kid` and `alg`; else a problem. */
function privateKeyObject(
  value: unknown,
  path: string,
  problems: string[],
): { key: KeyObject; kid?: string; alg?: string } | undefined {
  const publicOnly = `${path} is a public key: give the private key (the server registers its public half)`;
  const symmetric = `${path} is a symmetric key: client_secret_jwt signs with clientSecret instead`;
  if (isKeyObject(value)) {
    if (value.type === 'private') return { key: value };
    problems.push(value.type === 'public' ? publicOnly : symmetric);
    return undefined;
  }
  if (typeof value === 'string') {
    try {
      return { key: createPrivateKey({ key: value, format: 'pem' }) };
    } catch {
      problems.push(pemProblem(value, path, publicOnly));
      return undefined;
    }
  }
  if (!isRecord(value)) {
    problems.push(`${path} must be a private JWK, a PEM string or a KeyObject`);
    return undefined;
  }
  const before = problems.length;
  if (value.kty === 'oct') problems.push(symmetric);
  else if (value.d === undefined) problems.push(publicOnly);
  if (value.use !== undefined && value.use !== 'sig') problems.push(`${path} is a JWK whose use is not sig`);
  if (value.key_ops !== undefined && !(Array.isArray(value.key_ops) && value.key_ops.includes('sign')))
    problems.push(`${path} is a JWK whose key_ops do not include sign`);
  for (const member of ['kid', 'alg'] as const) {
    if (value[member] !== undefined && (typeof value[member] !== 'string' || value[member] === ''))
      problems.push(`${path}.${member} must be a non-empty string`);
  }
  if (problems.length > before) return undefined;
  try {
    const key = createPrivateKey({ key: value as JsonWebKey, format: 'jwk' });
    return { key, kid: value.kid as string | undefined, alg: value.alg as string | undefined };
  } catch {
    problems.push(`${path} is not a valid private JWK (RFC 7517, RFC 7518 §6)`);
    return undefined;
  }
}

/** PKCS#8 `ENCRYPTED PRIVATE KEY` and OpenSSL's legacy `Proc-Type: 4,ENCRYPTED` header. */
const ENCRYPTED_PEM = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/;

/** Why a PEM string is no private key; Node's own message is not used (it varies, and names nothing useful). */
function pemProblem(value: string, path: string, publicOnly: string): string {
  if (ENCRYPTED_PEM.test(value))
    return `${path} is an encrypted PEM: decrypt it with createPrivateKey({ key, passphrase }) and give the KeyObject`;
  try {
    createPublicKey(value);
    return publicOnly;
  } catch {
    return `${path} is not a PEM private key (PKCS#8, PKCS#1 or SEC1, unencrypted)`;
  }
}

function keyTypeOf(key: KeyObject, path: string, problems: string[]): ClientKeyType | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits >= MIN_RSA_BITS) return 'RSA';
      problems.push(`${path} is an RSA key of ${bits} bits: at least ${MIN_RSA_BITS} are needed`);
      return undefined;
    }
    case 'ec': {
      const type = CURVES[details.namedCurve ?? ''];
      if (type === undefined) problems.push(`${path} is an EC key on a curve other than P-256, P-384 and P-521`);
      return type;
    }
    case 'ed25519':
      return 'Ed25519';
    default:
      problems.push(
        `${path} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key: use an RSA, EC (P-256, P-384, P-521) or Ed25519 key`,
      );
      return undefined;
  }
}
