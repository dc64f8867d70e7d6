import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  bindingCookieAfterAuthorize,
  bindingCookieAfterCallback,
  bindingCookieFor,
  bindingCookieName,
  readBinding,
  scanBindingCookie,
  serializeBindingCookie,
  type CookieText,
  type PresentedBinding,
} from './browser-binding.js';
import { MAX_BINDING_VALUES } from '../auth-code-flow.constants.js';
import { propertyRuns } from '../../test/support/property-runs.js';

const ID = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const V1 = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const V2 = 'Bq2Tnb6Y0PQAqO1BRc8j5ywB_qXn2Hxw0fTUmHZDs2c';
const V3 = 'x_HEeu8tnqUUh4XdeOlbcOrl3uvZoIE4NbtNIVLfBZ4';
const PART = /^[A-Za-z0-9_-]{43}$/;

describe('browser binding cookie', () => {
  const plain = bindingCookieFor('http://127.0.0.1:3000/oauth/github/callback', 'oauth', 600);
  const secure = bindingCookieFor('https://app.example/connect/oauth/github/callback', 'connect/oauth', 600);

  it('is __Host- prefixed, Secure, Path=/ and without Domain on https; the same name unprefixed on http', () => {
    expect(plain).toMatchObject({ name: 'acf-oauth', secure: false });
    expect(secure).toMatchObject({ name: '__Host-acf-connect.oauth', secure: true });
    expect(serializeBindingCookie(plain, ID, [V1])).toBe(
      `acf-oauth=${ID}.${V1}; Path=/; Max-Age=600; HttpOnly; SameSite=Lax`,
    );
    expect(serializeBindingCookie(secure, ID, [V1, V2])).toBe(
      `__Host-acf-connect.oauth=${ID}.${V1}.${V2}; Path=/; Max-Age=600; HttpOnly; SameSite=Lax; Secure`,
    );
    expect(serializeBindingCookie(secure, ID, [])).toBe(
      '__Host-acf-connect.oauth=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure',
    );
    expect(secure.attributes).not.toMatch(/domain/i);
  });

  it('is named per routes path, one-to-one, as a valid cookie-name token', () => {
    expect(bindingCookieName('oauth')).toBe('acf-oauth');
    expect(bindingCookieName('/api/oauth/')).toBe('acf-api.oauth');
    expect(bindingCookieName('api-oauth')).toBe('acf-api-oauth');
    const routesPath = fc
      .array(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), { minLength: 1, maxLength: 4 })
      .map((segments) => segments.join('/'));
    fc.assert(
      fc.property(routesPath, routesPath, (a, b) => {
        // RFC 6265 §4.1.1: a cookie-name is an RFC 2616 token.
        expect(bindingCookieName(a)).toMatch(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
        expect(bindingCookieName(a) === bindingCookieName(b)).toBe(a === b);
      }),
      propertyRuns(500),
    );
    expect(bindingCookieName('odd path/ü')).toMatch(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
  });

  it('reads exactly one cookie under its own name, wherever it sits in the header', () => {
    expect(readBinding(`acf-oauth=${ID}.${V1}`, plain)).toEqual({ cookies: 'one', browserId: ID, values: [V1] });
    expect(readBinding(`a=1; acf-oauth=${ID}.${V1}.${V2}; b=2`, plain)).toEqual({
      cookies: 'one',
      browserId: ID,
      values: [V1, V2],
    });
    expect(readBinding(`a=1;acf-oauth = ${ID}.${V1} ;b`, plain)).toEqual({
      cookies: 'one',
      browserId: ID,
      values: [V1],
    });
    expect(readBinding(['a=1', `acf-oauth=${ID}`], plain)).toEqual({ cookies: 'one', browserId: ID, values: [] });
    expect(
      readBinding(`x-acf-oauth=${ID}.${V2}; acf-oauth=${ID}.${V1}; acf-oauth-2=${ID}.${V2}`, plain).values,
    ).toEqual([V1]);
    expect(readBinding(`__Host-acf-connect.oauth=${ID}.${V1}`, secure).values).toEqual([V1]);
    // The http name is part of the https one, and the reverse is another cookie.
    expect(readBinding(`__Host-acf-oauth=${ID}.${V1}`, plain).cookies).toBe('none');
    expect(readBinding(`acf-connect.oauth=${ID}.${V1}`, secure).cookies).toBe('none');
  });

  it('reads no cookie from no header or other names, and none from two cookies under its name (cookie tossing)', () => {
    expect(readBinding(undefined, plain)).toEqual({ cookies: 'none', values: [] });
    expect(readBinding('', plain).cookies).toBe('none');
    expect(readBinding(`other=${ID}.${V1}`, plain).cookies).toBe('none');
    expect(readBinding('acf-oauth', plain).cookies).toBe('none');
    expect(readBinding(`\u00a0acf-oauth=${ID}.${V1}`, plain).cookies).toBe('none');
    expect(readBinding(`acf-oauth=${ID}.${V1}; acf-oauth=${ID}.${V2}`, plain)).toEqual({
      cookies: 'several',
      values: [],
    });
    expect(readBinding(`acf-oauth=${ID}.${V1}; acf-oauth=${ID}.${V1}`, plain).cookies).toBe('several');
    expect(readBinding([`acf-oauth=${ID}.${V1}`, `acf-oauth=${ID}`], plain).cookies).toBe('several');
    expect(readBinding(`acf-oauth=${ID}.${V1}`, secure).cookies).toBe('none');
  });

  it('skips each malformed part on its own, keeps each value once, and only the newest ten', () => {
    expect(readBinding(`acf-oauth=${ID}x.${V1}`, plain)).toEqual({ cookies: 'one', values: [V1] });
    expect(readBinding(`acf-oauth=.${V1}..${V2}!.${V2.slice(1)}.${V3}`, plain)).toEqual({
      cookies: 'one',
      values: [V1, V3],
    });
    expect(readBinding(`acf-oauth=${ID}.${V1}.${V2}.${V1}`, plain).values).toEqual([V2, V1]);
    expect(readBinding('acf-oauth=', plain)).toEqual({ cookies: 'one', values: [] });
    expect(readBinding(`acf-oauth="${ID}.${V1}"`, plain)).toEqual({ cookies: 'one', values: [] });
    const many = Array.from({ length: 14 }, (_, i) => `${'v'.repeat(41)}${String(i).padStart(2, '0')}`);
    expect(readBinding(`acf-oauth=${ID}.${many.join('.')}`, plain).values).toEqual(many.slice(-MAX_BINDING_VALUES));
  });

  it('appends a minted value after authorize, and drops the spent one after a callback', () => {
    const presented = readBinding(`acf-oauth=${ID}.${V1}.${V2}`, plain);
    const flags = 'HttpOnly; SameSite=Lax';
    expect(bindingCookieAfterAuthorize(plain, presented, ID, V3)).toBe(
      `acf-oauth=${ID}.${V1}.${V2}.${V3}; Path=/; Max-Age=600; ${flags}`,
    );
    expect(bindingCookieAfterCallback(plain, presented, V1)).toBe(
      `acf-oauth=${ID}.${V2}; Path=/; Max-Age=600; ${flags}`,
    );
    const last = readBinding(`acf-oauth=${ID}.${V1}`, plain);
    expect(bindingCookieAfterCallback(plain, last, V1)).toBe(`acf-oauth=; Path=/; Max-Age=0; ${flags}`);
    const full = readBinding(
      `acf-oauth=${ID}.${Array.from({ length: 10 }, (_, i) => `${'w'.repeat(42)}${i}`).join('.')}`,
      plain,
    );
    const after = readBinding(bindingCookieAfterAuthorize(plain, full, ID, V3).split(';')[0], plain);
    expect(after.values).toHaveLength(MAX_BINDING_VALUES);
    expect(after.values[0]).toBe(`${'w'.repeat(42)}1`);
    expect(after.values.at(-1)).toBe(V3);
    // A cookie without a well-formed id keeps its other values under a fresh id.
    const withoutId = bindingCookieAfterCallback(plain, readBinding(`acf-oauth=bad.${V1}.${V2}`, plain), V1).split(
      ';',
    )[0];
    expect(readBinding(withoutId, plain)).toEqual({
      cookies: 'one',
      browserId: expect.stringMatching(PART),
      values: [V2],
    });
  });

  it('reads back what it writes: the browser id and the newest ten distinct values, in order', () => {
    const part = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);
    fc.assert(
      fc.property(part, fc.uniqueArray(part, { minLength: 1, maxLength: 14 }), (id, values) => {
        for (const cookie of [plain, secure]) {
          const written = serializeBindingCookie(cookie, id, values).split(';')[0]!;
          const expected = { cookies: 'one', browserId: id, values: values.slice(-MAX_BINDING_VALUES) };
          expect(readBinding(`a=b; ${written}; c=d`, cookie)).toEqual(expected);
        }
      }),
      propertyRuns(300),
    );
  });

  /** The parser's reading, written the plain (quadratic, splitting) way: the oracle of the property tests. */
  function reference(header: string, name: string): PresentedBinding {
    const trim = (text: string) => text.replace(/^[ \t]+|[ \t]+$/g, '');
    const ours = header
      .split(';')
      .filter((segment) => segment.includes('=') && trim(segment.slice(0, segment.indexOf('='))) === name)
      .map((segment) => trim(segment.slice(segment.indexOf('=') + 1)));
    if (ours.length === 0) return { cookies: 'none', values: [] };
    if (ours.length > 1) return { cookies: 'several', values: [] };
    const parts = ours[0]!.split('.');
    const wellFormed = (part: string) => /^[A-Za-z0-9_-]{43}$/.test(part);
    const values: string[] = [];
    for (const part of parts.slice(1).filter(wellFormed)) {
      if (values.includes(part)) values.splice(values.indexOf(part), 1);
      values.push(part);
    }
    const result: PresentedBinding = { cookies: 'one', values: values.slice(-MAX_BINDING_VALUES) };
    return wellFormed(parts[0]!) ? { ...result, browserId: parts[0] } : result;
  }

  const part = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    fc.stringMatching(/^[A-Za-z0-9_-]{40,45}$/),
    fc.string({ maxLength: 50 }),
    fc.constantFrom('', ' ', '=', ';', '.', '"'),
  );
  const ourCookie = (name: string) =>
    fc
      .tuple(
        fc.constantFrom('', ' ', '\t', '  ', '\u00a0'),
        fc.constantFrom('', ' ', '\t'),
        fc.array(part, { maxLength: 14 }),
      )
      .map(([before, around, parts]) => `${before}${name}${around}=${around}${parts.join('.')}`);
  const otherCookie = (name: string) =>
    fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom(
        `x-${name}=1`,
        `${name}-2=1`,
        `${name}`,
        `${name.toUpperCase()}=1`,
        '=',
        '',
        `__Host-${name}=1`,
        `${name}.x=1`,
      ),
      fc.tuple(fc.stringMatching(/^[a-z-]{1,8}$/), fc.string({ maxLength: 30 })).map(([k, v]) => `${k}=${v}`),
    );
  const header = (name: string) =>
    fc
      .array(fc.oneof({ weight: 1, arbitrary: ourCookie(name) }, { weight: 3, arbitrary: otherCookie(name) }), {
        maxLength: 8,
      })
      .chain((segments) => fc.constantFrom(';', '; ', ' ;').map((separator) => segments.join(separator)));

  it('reads any Cookie header as the plain reading does, never throws, and returns only well-formed parts', () => {
    for (const cookie of [plain, secure]) {
      fc.assert(
        fc.property(
          fc.oneof(header(cookie.name), fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })),
          (text) => {
            const read = readBinding(text, cookie);
            expect(read).toEqual(reference(text, cookie.name));
            for (const value of [...read.values, ...(read.browserId === undefined ? [] : [read.browserId])]) {
              expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
            }
            expect(read.values.length).toBeLessThanOrEqual(MAX_BINDING_VALUES);
            // Our cookie is found exactly when it is present once.
            const named = (segment: string) =>
              segment.includes('=') && segment.split('=')[0]!.replace(/^[ \t]+|[ \t]+$/g, '') === cookie.name;
            const count = text.split(';').filter(named).length;
            expect(read.cookies).toBe(count === 0 ? 'none' : count === 1 ? 'one' : 'several');
          },
        ),
        propertyRuns(2000),
      );
    }
  });

  /** A Cookie header that counts the characters the parser's string operations visit. */
  class CountingText implements CookieText {
    visited = 0;
    constructor(private readonly text: string) {}
    get length() {
      return this.text.length;
    }
    indexOf(search: string, position = 0): number {
      const found = this.text.indexOf(search, position);
      this.visited += (found < 0 ? this.text.length : found + search.length) - Math.min(position, this.text.length);
      return found;
    }
    includes(search: string, position = 0): boolean {
      const found = this.text.indexOf(search, position);
      this.visited += (found < 0 ? this.text.length : found + search.length) - Math.min(position, this.text.length);
      return found >= 0;
    }
    charCodeAt(index: number): number {
      this.visited += 1;
      return this.text.charCodeAt(index);
    }
    slice(start?: number, end?: number): string {
      const sliced = this.text.slice(start, end);
      this.visited += sliced.length;
      return sliced;
    }
  }

  const work = (text: string, name = plain.name) => {
    const counted = new CountingText(text);
    const read = scanBindingCookie(counted, name);
    expect(read).toEqual(reference(text, name));
    return counted.visited;
  };

  it('is linear in the Cookie header: twice the header, at most about twice the work, whatever its shape', () => {
    const ours = `acf-oauth=${ID}.${V1}`;
    const shapes: Array<(n: number) => string> = [
      (n) => `${';'.repeat(n)}${ours}`,
      (n) => `${'='.repeat(n)}; ${ours}`,
      (n) => `${'a;'.repeat(n / 2)}${ours}`,
      (n) => `${' '.repeat(n)}${ours}`,
      (n) => `${ours}${'.'.repeat(n)}`,
      (n) => `acf-oauth=${`${V1}.`.repeat(n / 44)}`,
      (n) => `${'acf-oauth;'.repeat(n / 10)}${ours}`,
      (n) => `${'x=acf-oauth;'.repeat(n / 12)}${ours}`,
    ];
    for (const shape of shapes) {
      const small = work(shape(64 * 1024));
      const large = work(shape(128 * 1024));
      expect(small).toBeLessThanOrEqual(8 * shape(64 * 1024).length);
      expect(large).toBeLessThanOrEqual(2.1 * small);
    }
  });

  it('does work bounded by a small multiple of the header length for any header', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(header(plain.name), fc.constantFrom(';', '=', ' ', '.', 'acf-oauth')), { maxLength: 40 }),
        (chunks) => {
          const text = chunks.join('');
          expect(work(text)).toBeLessThanOrEqual(8 * text.length + 16);
        },
      ),
      propertyRuns(500),
    );
  });
});
