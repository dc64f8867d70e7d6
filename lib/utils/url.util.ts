/** Whether `pathOrUrl` starts with a scheme and `//` (`https://…`), rather than being a path. */
export function isAbsoluteUrl(pathOrUrl: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(pathOrUrl);
}

/** `value` parsed, when it is an absolute http or https URL. */
export function parseHttpUrl(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
}

/** Whether secrets may travel to `url`: https, or plain http on a loopback host or when `allowInsecure`. */
export function isSecureHttpUrl(url: URL, allowInsecure = false): boolean {
  return url.protocol === 'https:' || allowInsecure || isLoopbackHost(url.hostname);
}

/** A path without its leading and trailing slashes. */
export function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/**
 * An endpoint from the base URI: an absolute URL is kept, a path is appended to the base URI (so a base
 * with a path prefix, e.g. a self-managed GitLab under /gitlab, keeps its prefix).
 */
export function resolveEndpoint(baseUri: string, pathOrUrl: string): string {
  if (isAbsoluteUrl(pathOrUrl)) return pathOrUrl;
  const base = baseUri.replace(/\/+$/, '');
  const path = pathOrUrl.replace(/^\/+/, '');
  return path ? `${base}/${path}` : base;
}

/**
 * Appends an encoded query (see {@link formEncodePairs}) to an absolute URL without a fragment (endpoints
 * are validated and normalised at start-up), keeping the query it already has.
 */
export function appendQuery(url: string, query: string): string {
  if (query === '') return url;
  if (!url.includes('?')) return `${url}?${query}`;
  return url.endsWith('?') || url.endsWith('&') ? `${url}${query}` : `${url}&${query}`;
}

/** The placeholder origin relative redirect targets are resolved against. */
const RELATIVE_BASE = 'http://relative.invalid';

/** A redirect target, absolute or a path, parsed (paths against a placeholder origin); undefined if it does not parse. */
export function parseRedirectTarget(value: string): URL | undefined {
  try {
    return new URL(value, RELATIVE_BASE);
  } catch {
    return undefined;
  }
}

/**
 * A target from {@link parseRedirectTarget}, written as a `Location`: path, query and fragment if it is on
 * the placeholder origin, the whole URL otherwise; in the URL parser's form, percent-encoded where needed.
 */
export function redirectLocation(url: URL): string {
  return url.origin === RELATIVE_BASE ? `${url.pathname}${url.search}${url.hash}` : url.href;
}

/**
 * `value` as a same-origin path in the URL parser's form, or undefined if it leaves the origin or does not parse.
 *
 * Every check runs on the value that goes into `Location`, after the parser has collapsed dot segments
 * (`/.//evil.example` and `/%2e%2e//evil.example` become `//evil.example`, a network-path reference to
 * another host) and turned backslashes into slashes: it must start with one `/` that no slash or
 * backslash follows, in any spelling, and a browser resolving it must stay on the origin and read the same path.
 */
export function sameOriginPath(value: string): string | undefined {
  const url = parseRedirectTarget(value);
  if (!url || url.origin !== RELATIVE_BASE) return undefined;
  const location = redirectLocation(url);
  return isLocalPath(location) ? location : undefined;
}

/** A slash, a backslash or a percent-encoded one (`%2f`, `%5c`), right after the leading slash. */
const SECOND_SLASH = /^\/(?:[/\\]|%2f|%5c)/i;

function isLocalPath(location: string): boolean {
  if (!location.startsWith('/') || SECOND_SLASH.test(location)) return false;
  const reparsed = parseRedirectTarget(location);
  return reparsed !== undefined && reparsed.origin === RELATIVE_BASE && redirectLocation(reparsed) === location;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost');
}

/** What the `application/x-www-form-urlencoded` serializer leaves as it is (WHATWG URL §5.2). */
const FORM_SAFE = /^[A-Za-z0-9*._-]*$/;
/** What `encodeURIComponent` leaves as it is and the form serializer escapes. */
const FORM_EXTRA = /[!'()~]/g;

/**
 * `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B), exactly as
 * `URLSearchParams` serialises it, lone surrogates included (as U+FFFD). The values sent per request
 * (states, codes, verifiers, URLs) are mostly safe as they are, so that case costs one regular-expression test.
 */
export function formEncode(value: string): string {
  if (FORM_SAFE.test(value)) return value;
  // `toWellFormed` (Node ≥ 20) is ES2024, past this package's `lib` setting.
  return encodeURIComponent((value as string & { toWellFormed(): string }).toWellFormed())
    .replace(/%20/g, '+')
    .replace(FORM_EXTRA, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Form-encodes name/value pairs: `a=1&b=2`, in the order given. */
export function formEncodePairs(pairs: Iterable<[string, string]>): string {
  let encoded = '';
  for (const [name, value] of pairs) encoded += `${encoded === '' ? '' : '&'}${formEncode(name)}=${formEncode(value)}`;
  return encoded;
}
