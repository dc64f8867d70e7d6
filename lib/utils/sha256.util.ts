import { hash } from 'node:crypto';

/**
 * SHA-256 of a string, base64url. `crypto.hash` (Node ≥ 20.12) is the one-shot form: for the short
 * values hashed per request (PKCE verifiers, binding secrets, store keys) it costs a third of
 * `createHash().update().digest()`, which builds a Hash object per call.
 */
export function sha256Base64url(value: string): string {
  return hash('sha256', value, 'base64url');
}
