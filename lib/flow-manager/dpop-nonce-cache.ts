/** Most origins whose nonce is kept; `fetchProtectedResource` may call any number of resource servers. */
export const MAX_DPOP_NONCE_ORIGINS = 256;
/** Longest nonce kept; RFC 9449 §8.1 sets no bound, real ones are under 100 characters. */
export const MAX_DPOP_NONCE_LENGTH = 1024;
/** `nonce = 1*NQCHAR` (RFC 9449 §8.1): visible ASCII but `"` and `\`. */
const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * The last DPoP nonce each server gave (RFC 9449 §8, §9), by origin: the next proof for that origin carries
 * it. Bounded: beyond {@link MAX_DPOP_NONCE_ORIGINS} origins the least recently set is dropped. A value that is
 * not a nonce (too long, or with characters a nonce cannot have) is not kept.
 */
export class DpopNonceCache {
  private readonly nonces = new Map<string, string>();

  get(origin: string): string | undefined {
    return this.nonces.get(origin);
  }

  /** Keeps `nonce` for `origin`, replacing the one before; returns whether it was kept. */
  set(origin: string, nonce: string | undefined): boolean {
    if (typeof nonce !== 'string' || nonce.length > MAX_DPOP_NONCE_LENGTH || !NONCE.test(nonce)) return false;
    this.nonces.delete(origin);
    this.nonces.set(origin, nonce);
    if (this.nonces.size > MAX_DPOP_NONCE_ORIGINS) this.nonces.delete(this.nonces.keys().next().value!);
    return true;
  }
}
