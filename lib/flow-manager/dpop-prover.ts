import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { INVALID_OPTIONS } from '../auth-code-flow.messages.js';
import type { ResolvedDpopOptions } from '../options/resolved-options.interface.js';
import { randomValue } from '../utils/random.util.js';
import { sha256Base64url } from '../utils/sha256.util.js';
import { DpopNonceCache } from './dpop-nonce-cache.js';
import type { DpopProofSource } from './token-endpoint.client.js';

interface DpopKey {
  privateKey: CryptoKey | KeyObject;
  /** The public key, as every proof's `jwk` header carries it. */
  publicJwk: JWK;
  /** RFC 7638 thumbprint of the public key: the `jkt` tokens are bound to. */
  thumbprint: string;
}

/** What a proof is for (RFC 9449 §4.2): the request's method and URL, and for a resource, the access token. */
export interface DpopProofTarget {
  method: string;
  url: string | URL;
  /** Present for a protected resource request: hashed into `ath` (RFC 9449 §4.2). */
  accessToken?: string;
}

/**
 * One manager's DPoP key and the proofs signed with it (RFC 9449 §4): `typ: dpop+jwt`, the key's `alg`, its
 * public `jwk`; claims `jti` (32 random bytes), `htm`, `htu`, `iat`, the server's `nonce` when one is known,
 * `ath` for a resource. The key is created once, when the manager starts: generated (ES256, non-extractable)
 * or the configured one; until it is ready, {@link whenReady} waits for it.
 */
export class DpopProver implements DpopProofSource {
  readonly nonces = new DpopNonceCache();
  private key: DpopKey | undefined;
  private readonly creating: Promise<DpopKey>;

  constructor(
    private readonly provider: string,
    private readonly options: ResolvedDpopOptions,
  ) {
    this.creating = createKey(options).then((key) => (this.key = key));
    // A failure is reported by whenReady, to each caller; it is never an unhandled rejection.
    this.creating.catch(() => undefined);
  }

  /** Whether the key is created: then {@link thumbprint} can be read and proofs are signed at once. */
  get isReady(): boolean {
    return this.key !== undefined;
  }

  /** Waits for the key; `AuthCodeFlowConfigError` when it could not be created (nothing of it is quoted). */
  async whenReady(): Promise<void> {
    try {
      await this.creating;
    } catch {
      const problem = `providers.${this.provider}.dpop: the key could not be created`;
      throw new AuthCodeFlowConfigError([problem], INVALID_OPTIONS([problem]));
    }
  }

  /** RFC 7638 thumbprint of the public key, base64url; only once {@link isReady}. */
  get thumbprint(): string {
    if (this.key === undefined) throw new Error('the DPoP key is not ready yet');
    return this.key.thumbprint;
  }

  /** A fresh proof for one request, with the last nonce the request's origin gave. */
  async proof(method: string, url: string | URL, accessToken?: string): Promise<string> {
    await this.whenReady();
    const { privateKey, publicJwk } = this.key!;
    const target = new URL(url);
    const claims: Record<string, string> = { htm: method, htu: htuOf(target) };
    const nonce = this.nonces.get(target.origin);
    if (nonce !== undefined) claims.nonce = nonce;
    if (accessToken !== undefined) claims.ath = sha256Base64url(accessToken);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: this.options.algorithm, typ: 'dpop+jwt', jwk: publicJwk })
      .setJti(randomValue())
      .setIssuedAt()
      .sign(privateKey);
  }

  rememberNonce(url: string | URL, nonce: string | undefined): boolean {
    if (nonce === undefined) return false;
    return this.nonces.set(new URL(url).origin, nonce);
  }
}

/** `htu` (RFC 9449 §4.2): the request's URL without query and fragment. */
export function htuOf(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

async function createKey(options: ResolvedDpopOptions): Promise<DpopKey> {
  let privateKey: CryptoKey | KeyObject;
  let publicJwk: JWK;
  if (options.privateKey === undefined) {
    const pair = await generateKeyPair('ES256', { extractable: false });
    privateKey = pair.privateKey;
    publicJwk = await exportJWK(pair.publicKey);
  } else {
    privateKey = options.privateKey;
    publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  }
  return { privateKey, publicJwk, thumbprint: await calculateJwkThumbprint(publicJwk, 'sha256') };
}
