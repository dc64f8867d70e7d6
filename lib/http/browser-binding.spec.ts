import { describe, expect, it } from '@jest/globals';
import { bindingCookieFor, readBinding, serializeBindingCookie } from './browser-binding.js';

const VALUE = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const OTHER = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('browser binding cookie', () => {
  const plain = bindingCookieFor('http://127.0.0.1:3000/oauth/github/callback', 600);
  const secure = bindingCookieFor('https://app.example/connect/oauth/github/callback', 600);

  it('is named and scoped from the redirect URI', () => {
    expect(plain).toMatchObject({ name: 'acf-binding', path: '/oauth/github/', secure: false });
    expect(secure).toMatchObject({ name: '__Secure-acf-binding', path: '/connect/oauth/github/', secure: true });
    expect(serializeBindingCookie(plain, VALUE)).toBe(`acf-binding=${VALUE}; Path=/oauth/github/; Max-Age=600; HttpOnly; SameSite=Lax`);
    expect(serializeBindingCookie(secure, VALUE)).toBe(`__Secure-acf-binding=${VALUE}; Path=/connect/oauth/github/; Max-Age=600; HttpOnly; SameSite=Lax; Secure`);
  });

  it('reads exactly one well-formed value under its own name, wherever it sits in the header', () => {
    expect(readBinding(`acf-binding=${VALUE}`, plain)).toBe(VALUE);
    expect(readBinding(`a=1; acf-binding=${VALUE}; b=2`, plain)).toBe(VALUE);
    expect(readBinding(`a=1;acf-binding = ${VALUE} ;b`, plain)).toBe(VALUE);
    expect(readBinding([`a=1`, `acf-binding=${VALUE}`], plain)).toBe(VALUE);
    expect(readBinding(`x-acf-binding=${OTHER}; acf-binding=${VALUE}; acf-binding-2=${OTHER}`, plain)).toBe(VALUE);
    expect(readBinding(`__Secure-acf-binding=${VALUE}`, secure)).toBe(VALUE);
  });

  it('reads nothing from no header, another name, a malformed value, or two values (cookie tossing)', () => {
    expect(readBinding(undefined, plain)).toBeUndefined();
    expect(readBinding('', plain)).toBeUndefined();
    expect(readBinding(`other=${VALUE}`, plain)).toBeUndefined();
    expect(readBinding(`acf-binding`, plain)).toBeUndefined();
    expect(readBinding(`acf-binding=${VALUE}x`, plain)).toBeUndefined();
    expect(readBinding(`acf-binding=${VALUE.slice(1)}!`, plain)).toBeUndefined();
    expect(readBinding(`acf-binding=${VALUE}; acf-binding=${OTHER}`, plain)).toBeUndefined();
    expect(readBinding(`acf-binding=${VALUE}; acf-binding=${VALUE}`, plain)).toBeUndefined();
    expect(readBinding([`acf-binding=${VALUE}`, `acf-binding=${OTHER}`], plain)).toBeUndefined();
    expect(readBinding(`acf-binding=${VALUE}`, secure)).toBeUndefined();
  });
});
