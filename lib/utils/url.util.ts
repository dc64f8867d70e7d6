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

/** Adds query parameters to a URL, keeping those it already has. */
export function withQuery(url: string, params: Iterable<[string, string]>): string {
  const result = new URL(url);
  for (const [name, value] of params) result.searchParams.append(name, value);
  return result.toString();
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost');
}

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B). */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}
