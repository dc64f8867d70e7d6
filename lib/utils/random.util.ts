import { randomFillSync } from 'node:crypto';
import { RANDOM_VALUE_BYTES } from '../auth-code-flow.constants.js';

/** How many values one refill of the pool serves. */
const POOL_VALUES = 128;
const pool = Buffer.alloc(RANDOM_VALUE_BYTES * POOL_VALUES);
let offset = pool.length;

/**
 * 32 bytes from the CSPRNG, base64url: 43 URL-safe characters, 256 bits.
 *
 * The bytes are drawn from the CSPRNG in batches (one `randomFillSync` per 128 values, as Node does for
 * `randomUUID`) and each byte is handed out once, then overwritten, so every value stays independent.
 */
export function randomValue(): string {
  if (offset >= pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += RANDOM_VALUE_BYTES;
  const value = pool.toString('base64url', start, offset);
  pool.fill(0, start, offset);
  return value;
}
