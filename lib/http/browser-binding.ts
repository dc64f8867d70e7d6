import { MAX_BINDING_VALUES } from '../auth-code-flow.constants.js';
import { randomValue } from '../utils/random.util.js';

/** What the browser-binding cookie looks like for one provider. */
export interface BrowserBindingCookie {
  /** `__Host-acf-<routes path>` when the redirect URI is https, else `acf-<routes path>`. */
  name: string;
  secure: boolean;
  /** Everything after the value in `Set-Cookie`, fixed per provider: `; Path=/; Max-Age=…; HttpOnly; SameSite=Lax…`. */
  attributes: string;
  /** The same attributes with `Max-Age=0`: what deletes the cookie. */
  expiredAttributes: string;
}

/** What the browser presented under the cookie's name. */
export interface PresentedBinding {
  /**
   * How many cookies of that name came: `none`, `one`, or `several`. Several can only come from a cookie
   * planted beside ours (another path, or a parent domain on http); they are read as no value at all.
   */
  cookies: 'none' | 'one' | 'several';
  /** The well-formed browser id of the one cookie, if it has one. */
  browserId?: string;
  /** The well-formed binding values of the one cookie, oldest first, at most {@link MAX_BINDING_VALUES}. */
  values: readonly string[];
}

const PART = /^[A-Za-z0-9_-]{43}$/;
const NO_BINDING: PresentedBinding = Object.freeze({ cookies: 'none', values: Object.freeze([]) });
const SEVERAL: PresentedBinding = Object.freeze({ cookies: 'several', values: Object.freeze([]) });

/**
 * The cookie that binds a pending authorization to the browser that started it (RFC 6749 §10.12, RFC 9700 §2.1).
 *
 * - Name: one per routes path (`oauth` → `acf-oauth`, `api/oauth` → `acf-api.oauth`), so two module
 *   registrations never share a cookie; `/` becomes `.` (a token character that no routes path holds), which
 *   keeps the mapping one-to-one: `api/oauth` and `api-oauth` get different names. Every provider of one
 *   registration shares it.
 * - On an https redirect URI: the `__Host-` prefix with `Secure`, `Path=/` and no `Domain`. A browser accepts
 *   such a cookie only from the host itself over https, so a sibling subdomain cannot plant or overwrite it
 *   (cookie tossing); `__Secure-` alone would still let `evil.example.com` set it for `example.com`.
 * - On http (loopback development): the same name without the prefix and without `Secure`, `Path=/`.
 * - Always HttpOnly, SameSite=Lax (the provider's top-level redirect back carries it), Max-Age = the state TTL.
 * - One cookie for all the browser's tabs, at most 43 + 10 × 44 characters of value (see {@link readBinding}).
 *   Each answer rewrites it from the Cookie header its request carried, so when two requests of one browser
 *   cross in flight (two tabs authorizing in the same instant) the later answer wins and the other flow's value
 *   may be lost: that flow then fails with `invalid_state`. Tabs used one after another are not affected.
 */
export function bindingCookieFor(redirectUri: string, routesPath: string, maxAgeSeconds: number): BrowserBindingCookie {
  const secure = new URL(redirectUri).protocol === 'https:';
  const name = `${secure ? '__Host-' : ''}${bindingCookieName(routesPath)}`;
  const flags = `; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  return {
    name,
    secure,
    attributes: `; Path=/; Max-Age=${maxAgeSeconds}${flags}`,
    expiredAttributes: `; Path=/; Max-Age=0${flags}`,
  };
}

/**
 * `acf-` and the routes path, as a cookie-name token (RFC 6265 §4.1.1): letters, digits, `-` and `_` are kept,
 * `/` becomes `.`, anything else (which the options' validation already refuses) becomes `~` and four hex digits.
 */
export function bindingCookieName(routesPath: string): string {
  let name = 'acf-';
  for (const char of routesPath.replace(/^\/+|\/+$/g, '')) {
    if (/^[A-Za-z0-9_-]$/.test(char)) name += char;
    else if (char === '/') name += '.';
    else name += `~${char.codePointAt(0)!.toString(16).padStart(4, '0')}`;
  }
  return name;
}

/** The string operations the cookie parser uses; a string is one (tests count the work through another). */
export type CookieText = Pick<string, 'length' | 'indexOf' | 'includes' | 'charCodeAt' | 'slice'>;

/**
 * Reads the binding cookie from a Cookie header. Its value is `<browserId>.<v1>.<v2>…<vk>`: every part is 43
 * base64url characters; `browserId` is a stable id of the browser (only the owner of its pending authorizations'
 * quota, never a binding) and `v1…vk` are the binding values of its pending flows, newest last.
 *
 * - Two or more cookies under our name count as none (`cookies: 'several'`).
 * - A malformed part is skipped on its own: the other parts still count; a malformed first part means no id.
 *   Of the values only the newest {@link MAX_BINDING_VALUES} are kept, each once.
 * - Names and values are trimmed of spaces and tabs only (RFC 6265's whitespace): a name that other whitespace
 *   precedes is another cookie, so `\u00a0__Host-acf-oauth`, which the prefix rules do not protect and a sibling
 *   domain may set, cannot pose as ours.
 * - Linear in the header's length: each `;`, `=` and `.` is looked for once, `=` only inside the current segment.
 */
export function readBinding(
  cookieHeader: string | string[] | undefined,
  cookie: BrowserBindingCookie,
): PresentedBinding {
  const header = Array.isArray(cookieHeader) ? cookieHeader.join('; ') : cookieHeader;
  return header ? scanBindingCookie(header, cookie.name) : NO_BINDING;
}

/** {@link readBinding} on any {@link CookieText}. */
export function scanBindingCookie(header: CookieText, name: string): PresentedBinding {
  if (header.length === 0 || !header.includes(name)) return NO_BINDING;
  let valueStart = -1;
  let valueEnd = -1;
  // The first '=' at or after the current segment's start; searched for again only once the segments pass it.
  let equals = -2;
  for (let start = 0; start < header.length;) {
    let end = header.indexOf(';', start);
    if (end < 0) end = header.length;
    if (equals !== -1 && equals < start) equals = header.indexOf('=', start);
    if (equals >= 0 && equals < end && sameText(header, start, equals, name)) {
      if (valueStart >= 0) return SEVERAL;
      valueStart = equals + 1;
      valueEnd = end;
    }
    start = end + 1;
  }
  return valueStart < 0 ? NO_BINDING : parseBindingValue(header, valueStart, valueEnd);
}

/** The well-formed parts of the cookie value `text[start, end)` (see {@link readBinding}). */
export function parseBindingValue(text: CookieText, start = 0, end = text.length): PresentedBinding {
  [start, end] = trimmed(text, start, end);
  const values: string[] = [];
  let browserId: string | undefined;
  for (let index = 0; start <= end; index++) {
    let dot = text.indexOf('.', start);
    if (dot < 0 || dot > end) dot = end;
    if (dot - start === 43) {
      const part = text.slice(start, dot);
      if (PART.test(part)) {
        if (index === 0) browserId = part;
        else {
          const seen = values.indexOf(part);
          if (seen >= 0) values.splice(seen, 1);
          values.push(part);
          if (values.length > MAX_BINDING_VALUES) values.shift();
        }
      }
    }
    start = dot + 1;
  }
  return browserId === undefined ? { cookies: 'one', values } : { cookies: 'one', browserId, values };
}

/** A fresh value from the CSPRNG (32 bytes, base64url): a binding value or a browser id. */
export function newBinding(): string {
  return randomValue();
}

/**
 * `Set-Cookie` for the browser id and binding values, keeping the newest {@link MAX_BINDING_VALUES}; with no
 * value left, the cookie is deleted (the id bounds pending flows only, and there are none left to bound).
 */
export function serializeBindingCookie(
  cookie: BrowserBindingCookie,
  browserId: string,
  values: readonly string[],
): string {
  if (values.length === 0) return `${cookie.name}=${cookie.expiredAttributes}`;
  const kept = values.length > MAX_BINDING_VALUES ? values.slice(-MAX_BINDING_VALUES) : values;
  return `${cookie.name}=${browserId}.${kept.join('.')}${cookie.attributes}`;
}

/**
 * `Set-Cookie` after authorize: `browserId` (the presented one, or a fresh one when none came) and the presented
 * values with the one minted for the new flow appended. A presented value is kept for the other tabs' flows but
 * never bound to a new flow: each flow's binding is minted for it.
 */
export function bindingCookieAfterAuthorize(
  cookie: BrowserBindingCookie,
  presented: PresentedBinding,
  browserId: string,
  minted: string,
): string {
  return serializeBindingCookie(cookie, browserId, [...presented.values, minted]);
}

/**
 * `Set-Cookie` after a callback spent the flow whose binding value was `spent`: the other values stay (under a
 * fresh browser id if the cookie had none well-formed); with none left, the cookie is deleted.
 */
export function bindingCookieAfterCallback(
  cookie: BrowserBindingCookie,
  presented: PresentedBinding,
  spent: string,
): string {
  const rest = presented.values.filter((value) => value !== spent);
  return serializeBindingCookie(cookie, rest.length === 0 ? '' : (presented.browserId ?? newBinding()), rest);
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** `[start, end)` without leading and trailing spaces and tabs. */
function trimmed(text: CookieText, start: number, end: number): [number, number] {
  while (start < end && isWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  return [start, end];
}

/** `text[start, end)`, trimmed, equals `name`. */
function sameText(text: CookieText, start: number, end: number, name: string): boolean {
  [start, end] = trimmed(text, start, end);
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (text.charCodeAt(start + i) !== name.charCodeAt(i)) return false;
  return true;
}
