import { randomValue } from './random.util.js';
import { sha256Base64url } from './sha256.util.js';

/** A fresh PKCE code verifier (RFC 7636 §4.1): 43 characters of base64url. */
export function createCodeVerifier(): string {
  return randomValue();
}

/** The S256 code challenge of a verifier (RFC 7636 §4.2). `plain` is never used. */
export function codeChallengeS256(verifier: string): string {
  return sha256Base64url(verifier);
}
