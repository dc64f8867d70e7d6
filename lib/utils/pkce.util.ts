import { createHash } from 'node:crypto';
import { randomValue } from './random.util.js';

/** A fresh PKCE code verifier (RFC 7636 §4.1): 43 characters of base64url. */
export function createCodeVerifier(): string {
  return randomValue();
}

/** The S256 code challenge of a verifier (RFC 7636 §4.2). `plain` is never used. */
export function codeChallengeS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
