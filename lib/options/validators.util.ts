import { isRecord } from '../utils/is-record.util.js';
import { isSecureHttpUrl, parseHttpUrl, sameOriginPath } from '../utils/url.util.js';

// Each validator checks one value, pushes a problem named by `path` when it is wrong, and returns the value
// as the resolved options keep it (undefined, or the fallback, when it is wrong).

/** Every key of `T` set to true; `never` for a `T` without keys, which is what `T` is when not given. */
type KeyRecord<T> = [keyof T] extends [never] ? never : Record<keyof T, true>;

/**
 * The option names of `T`, from an object with every one of them: a key added to `T` and not here, or one
 * here that `T` does not have, fails the type check. `T` must be given (it is never inferred from `keys`).
 */
export function knownKeys<T extends object>(keys: KeyRecord<NoInfer<T>>): ReadonlySet<string> {
  return new Set(Object.keys(keys));
}

export function unknownKeys(
  value: Record<string, unknown>,
  known: ReadonlySet<string>,
  prefix: string,
  problems: string[],
): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) problems.push(`${prefix}${key.slice(0, 64)} is not a known option${suggestion(key, known)}`);
  }
}

/** ` (did you mean clientId?)` for a key that differs from a known one only in case, `-` or `_`. */
export function suggestion(key: string, known: ReadonlySet<string>): string {
  const folded = foldKey(key);
  for (const candidate of known) if (foldKey(candidate) === folded) return ` (did you mean ${candidate}?)`;
  return '';
}

function foldKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

export function requiredString(value: unknown, path: string, problems: string[]): string | undefined {
  if (value === undefined || value === null || value === '') {
    problems.push(`${path} is required`);
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push(`${path} must be a non-empty string`);
    return undefined;
  }
  return value;
}

export function optionalString(value: unknown, path: string, problems: string[]): string | undefined {
  return value === undefined ? undefined : requiredString(value, path, problems);
}

export function optionalBoolean(value: unknown, path: string, problems: string[]): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  problems.push(`${path} must be true or false`);
  return undefined;
}

export function optionalFunction(value: unknown, path: string, problems: string[]): void {
  if (value !== undefined && typeof value !== 'function') problems.push(`${path} must be a function`);
}

export function positiveInteger(value: unknown, path: string, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  problems.push(`${path} must be a positive integer`);
  return fallback;
}

/** An optional object with the given methods, such as a store. */
export function objectWithMethods(value: unknown, path: string, methods: readonly string[], problems: string[]): void {
  if (value === undefined) return;
  const missing = isRecord(value) ? methods.filter((method) => typeof value[method] !== 'function') : methods;
  if (missing.length > 0)
    problems.push(`${path} must implement ${methods.join(', ')} (missing: ${missing.join(', ')})`);
}

/** An optional object of strings; `problemOf` names what is wrong with one entry, if anything. */
export function stringRecord(
  value: unknown,
  path: string,
  problems: string[],
  problemOf: (key: string, value: unknown) => string | undefined,
): Readonly<Record<string, string>> {
  const result: Record<string, string> = {};
  if (value === undefined) return result;
  if (!isRecord(value)) {
    problems.push(`${path} must be an object of strings`);
    return result;
  }
  for (const [key, entry] of Object.entries(value)) {
    const problem = problemOf(key, entry);
    if (problem) problems.push(`${path}.${key.slice(0, 64)} ${problem}`);
    else result[key] = entry as string;
  }
  return Object.freeze(result);
}

/** What a kind of URL adds to the end of two of {@link secureHttpUrl}'s problems. */
interface UrlProblemNotes {
  insecure?: string;
  fragment?: string;
}

/** A required absolute http(s) URL without a fragment: https, or http on loopback unless insecure requests are allowed. */
function secureHttpUrl(
  value: unknown,
  path: string,
  allowInsecure: boolean,
  problems: string[],
  notes: UrlProblemNotes = {},
): { text: string; url: URL } | undefined {
  const text = requiredString(value, path, problems);
  if (text === undefined) return undefined;
  const url = parseHttpUrl(text);
  if (!url) {
    problems.push(`${path} must be an absolute http(s) URL`);
    return undefined;
  }
  if (!isSecureHttpUrl(url, allowInsecure)) {
    const insecure = `${path} must use https (plain http is allowed for localhost only, or with allowInsecureRequests)`;
    problems.push(`${insecure}${notes.insecure ?? ''}`);
    return undefined;
  }
  if (url.hash || text.includes('#')) {
    problems.push(`${path} must not contain a fragment${notes.fragment ?? ''}`);
    return undefined;
  }
  return { text, url };
}

/** An endpoint the client sends secrets to, normalised by the URL parser. */
export function endpointUrl(
  value: unknown,
  path: string,
  allowInsecure: boolean,
  problems: string[],
): string | undefined {
  return secureHttpUrl(value, path, allowInsecure, problems)?.url.href;
}

/**
 * The redirect URI, kept as given: the provider compares it exactly (RFC 9700 §4.1.3). No fragment; and
 * https off loopback, since the code travels in it (RFC 6749 §3.1.2.1, RFC 9700 §4.1.1).
 */
export function redirectUrl(
  value: unknown,
  path: string,
  allowInsecure: boolean,
  problems: string[],
): string | undefined {
  const notes = { insecure: ': the code would travel in clear text', fragment: ' (RFC 6749 §3.1.2)' };
  return secureHttpUrl(value, path, allowInsecure, problems, notes)?.text;
}

/** An optional relative path (`/…`) or absolute http(s) URL to send the browser to. */
export function redirectTarget(value: unknown, path: string, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  // Kept in the URL parser's form: spaces and non-ASCII percent-encoded, as a Location header needs them.
  if (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')) {
    const sameOrigin = sameOriginPath(value);
    if (sameOrigin !== undefined) return sameOrigin;
  } else if (typeof value === 'string') {
    const url = parseHttpUrl(value);
    if (url) return url.href;
  }
  problems.push(`${path} must be a same-origin path starting with "/" or an absolute http(s) URL`);
  return undefined;
}
