import { MAX_RETURN_TO_LENGTH } from '../auth-code-flow.constants.js';
import { sameOriginPath } from './url.util.js';

/** Backslashes (browsers read them as slashes) and control characters (the URL parser drops tabs and newlines). */
const UNSAFE_CHARACTERS = /[\\\u0000-\u001f\u007f]/;

/**
 * Returns `value` when it is a same-origin relative path, otherwise `undefined` (RFC 9700 §4.11): it must
 * start with `/`, hold no backslash or control character, and, once normalised by the URL parser (dot
 * segments collapsed, percent-encoded where a `Location` header needs it), still be a path on the app's
 * origin (see {@link sameOriginPath}) of at most `MAX_RETURN_TO_LENGTH` characters. The normalised form
 * is what is returned, stored and sent.
 */
export function sanitizeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length === 0 || value.length > MAX_RETURN_TO_LENGTH) return undefined;
  if (!value.startsWith('/') || UNSAFE_CHARACTERS.test(value)) return undefined;
  const path = sameOriginPath(value);
  // Bounded after encoding too: a query's `+` arrives as a space, which is stored as `%20`.
  return path !== undefined && path.length <= MAX_RETURN_TO_LENGTH ? path : undefined;
}
