/**
 * Resolves an endpoint the way the seed does: an absolute URL is kept, a path is appended to the base
 * URI (so a base with a path prefix, e.g. a self-managed GitLab under /gitlab, keeps its prefix).
 */
export function resolveEndpoint(baseUri: string, pathOrUrl: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pathOrUrl)) return pathOrUrl;
  const base = baseUri.replace(/\/+$/, '');
  const path = pathOrUrl.replace(/^\/+/, '');
  return path ? `${base}/${path}` : base;
}

/**
 * Appends query parameters to an absolute URL without a fragment (endpoints are validated and normalised
 * at start-up), keeping the query it already has. The parameters are serialised as
 * `application/x-www-form-urlencoded`, as `URL.searchParams` would.
 */
export function withQuery(url: string, params: Iterable<[string, string]>): string {
  const query = new URLSearchParams(params as Iterable<[string, string]>).toString();
  if (query === '') return url;
  if (!url.includes('?')) return `${url}?${query}`;
  return url.endsWith('?') || url.endsWith('&') ? `${url}${query}` : `${url}&${query}`;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost');
}

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B). */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}
