import { randomBytes } from 'node:crypto';
import { RANDOM_VALUE_BYTES } from '../auth-code-flow.constants.js';

/** 32 bytes from the CSPRNG, base64url: 43 URL-safe characters, 256 bits. */
export function randomValue(): string {
  return randomBytes(RANDOM_VALUE_BYTES).toString('base64url');
}
