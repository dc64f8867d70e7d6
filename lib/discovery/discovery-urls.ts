/**
 * Where an issuer's metadata is looked for, in order: OpenID Connect Discovery 1.0 §4
 * (`{issuer}/.well-known/openid-configuration`), then RFC 8414 §3, whose well-known segment goes between the
 * host and the issuer's path (`https://h/tenant` → `https://h/.well-known/oauth-authorization-server/tenant`).
 */
export function discoveryUrls(issuer: string): [string, string] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  const origin = url.origin;
  return [
    `${origin}${path}/.well-known/openid-configuration`,
    `${origin}/.well-known/oauth-authorization-server${path}`,
  ];
}

/** `max-age` of a `Cache-Control` header, in seconds; `0` for `no-store`/`no-cache`; undefined when absent. */
export function maxAgeSeconds(cacheControl: string | undefined): number | undefined {
  if (cacheControl === undefined) return undefined;
  if (/(?:^|,)\s*no-(?:store|cache)\s*(?:,|$)/i.test(cacheControl)) return 0;
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})"?\s*(?:,|$)/i.exec(cacheControl);
  return match ? Number(match[1]) : undefined;
}
