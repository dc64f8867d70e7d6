import { randomValue } from '../utils/random.util.js';

/** What the browser-binding cookie looks like for one provider. */
export interface BrowserBindingCookie {
  name: string;
  path: string;
  secure: boolean;
  /** Everything after the value in `Set-Cookie`, fixed per provider: `; Path=…; Max-Age=…; HttpOnly…`. */
  attributes: string;
}

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The cookie that binds a pending authorization to the browser that started it (RFC 6749 §10.12,
 * RFC 9700 §2.1). Scoped to the callback's directory (so the authorize route beside it sees it too),
 * HttpOnly, SameSite=Lax so the provider's top-level redirect carries it, and Secure (with the
 * `__Secure-` prefix) when the redirect URI is https. One value per browser serves all its tabs.
 */
export function bindingCookieFor(redirectUri: string, maxAgeSeconds: number): BrowserBindingCookie {
  const url = new URL(redirectUri);
  const secure = url.protocol === 'https:';
  const path = url.pathname.slice(0, url.pathname.lastIndexOf('/') + 1) || '/';
  const attributes = `; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  return { name: secure ? '__Secure-acf-binding' : 'acf-binding', path, secure, attributes };
}

/**
 * The binding value the browser presented, if exactly one well-formed value came. Two values under
 * our name (cookie tossing from a sibling domain) count as none.
 */
export function readBinding(cookieHeader: string | string[] | undefined, cookie: BrowserBindingCookie): string | undefined {
  const header = Array.isArray(cookieHeader) ? cookieHeader.join('; ') : cookieHeader;
  if (!header || !header.includes(cookie.name)) return undefined;
  let found: string | undefined;
  for (let start = 0; start < header.length; ) {
    let end = header.indexOf(';', start);
    if (end < 0) end = header.length;
    const separator = header.indexOf('=', start);
    if (separator >= 0 && separator < end && header.slice(start, separator).trim() === cookie.name) {
      if (found !== undefined) return undefined;
      found = header.slice(separator + 1, end).trim();
    }
    start = end + 1;
  }
  return found !== undefined && COOKIE_VALUE.test(found) ? found : undefined;
}

export function newBinding(): string {
  return randomValue();
}

export function serializeBindingCookie(cookie: BrowserBindingCookie, value: string): string {
  return `${cookie.name}=${value}${cookie.attributes}`;
}
