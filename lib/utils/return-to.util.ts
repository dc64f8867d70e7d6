import { MAX_RETURN_TO_LENGTH } from '../auth-code-flow.constants.js';
import { sameOriginPath } from './url.util.js';

/**
 * Returns `value` when it is a same-origin relative path, otherwise `undefined` (RFC 9700 §4.11):
 * must start with a single `/`, not `//` or `/\`, no scheme, no control characters or backslashes,
 * bounded length. The path comes back normalised by the URL parser (percent-encoded where needed).
 */
export function sanitizeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length === 0 || value.length > MAX_RETURN_TO_LENGTH) return undefined;
  if (!value.startsWith('/') || value.startsWith('//')) return undefined;
  // Backslashes are read as slashes by browsers ("/\evil.example"); control characters can smuggle either.
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return undefined;
  // Percent-encoded slashes or backslashes at the start would become "//" after a decode somewhere downstream.
  if (/^\/(%2f|%5c)/i.test(value)) return undefined;
  // The URL parser's form: spaces and non-ASCII percent-encoded, so it is a valid Location header value.
  return sameOriginPath(value);
}
