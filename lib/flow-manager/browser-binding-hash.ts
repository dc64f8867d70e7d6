import { timingSafeEqual } from 'node:crypto';
import { MAX_BINDING_VALUES } from '../auth-code-flow.constants.js';
import { sha256Base64url } from '../utils/sha256.util.js';

/**
 * The presented value whose SHA-256 (`sha256Base64url`, as a pending authorization stores its binding) is
 * `storedHash`, if any. Every one of the newest {@link MAX_BINDING_VALUES} is hashed and compared in constant
 * time, with no early exit: the time depends on their count only.
 */
export function matchingBinding(
  storedHash: string | undefined,
  presented: string | readonly string[] | undefined,
): string | undefined {
  if (storedHash === undefined || presented === undefined) return undefined;
  const values = typeof presented === 'string' ? [presented] : presented.slice(-MAX_BINDING_VALUES);
  const expected = Buffer.from(storedHash);
  let match: string | undefined;
  for (const value of values) {
    if (typeof value !== 'string' || value === '') continue;
    const actual = Buffer.from(sha256Base64url(value));
    if (expected.length === actual.length && timingSafeEqual(expected, actual) && match === undefined) match = value;
  }
  return match;
}
