import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { redirectTargetArbitrary, resolvedOrigin } from '../../test/support/redirect-arbitraries.js';
import {
  appendQuery,
  formEncode,
  formEncodePairs,
  isAbsoluteUrl,
  isLoopbackHost,
  isSecureHttpUrl,
  parseHttpUrl,
  resolveEndpoint,
  sameOriginPath,
  trimSlashes,
} from './url.util.js';
import { propertyRuns } from '../../test/support/property-runs.js';

describe('url utilities', () => {
  it('appends paths to the base URI as the Python auth-code-flow package does, keeping a path prefix', () => {
    expect(resolveEndpoint('https://stackoverflow.com', '/oauth/access_token/json')).toBe(
      'https://stackoverflow.com/oauth/access_token/json',
    );
    expect(resolveEndpoint('https://git.example.com/gitlab/', '/oauth/token')).toBe(
      'https://git.example.com/gitlab/oauth/token',
    );
    expect(resolveEndpoint('https://a.example', 'oauth')).toBe('https://a.example/oauth');
  });

  it('keeps an absolute endpoint URL', () => {
    expect(resolveEndpoint('https://a.example', 'https://b.example/token')).toBe('https://b.example/token');
  });

  it('adds query parameters to a URL that already has some', () => {
    const url = new URL(appendQuery('https://a.example/authorize?tenant=x', formEncodePairs([['state', 'a b&c']])));
    expect(url.searchParams.get('tenant')).toBe('x');
    expect(url.searchParams.get('state')).toBe('a b&c');
    expect(appendQuery('https://a.example/authorize', 'a=1')).toBe('https://a.example/authorize?a=1');
    expect(appendQuery('https://a.example/authorize?', 'a=1')).toBe('https://a.example/authorize?a=1');
    expect(appendQuery('https://a.example/authorize?b=2&', 'a=1')).toBe('https://a.example/authorize?b=2&a=1');
    expect(appendQuery('https://a.example/authorize', '')).toBe('https://a.example/authorize');
  });

  it('form-encodes per RFC 6749 Appendix B', () => {
    expect(formEncode('a b:+&%/')).toBe('a+b%3A%2B%26%25%2F');
  });

  it('knows loopback hosts', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('app.localhost')).toBe(true);
    expect(isLoopbackHost('example.com')).toBe(false);
  });

  it('tells absolute URLs from paths, and parses only absolute http(s) URLs', () => {
    expect(isAbsoluteUrl('https://a.example/token')).toBe(true);
    expect(isAbsoluteUrl('HTTP://a.example')).toBe(true);
    expect(isAbsoluteUrl('/oauth/token')).toBe(false);
    expect(isAbsoluteUrl('mailto:a@example.com')).toBe(false);
    expect(parseHttpUrl('https://a.example/x')?.href).toBe('https://a.example/x');
    expect(parseHttpUrl('http://localhost:3000')?.host).toBe('localhost:3000');
    expect(parseHttpUrl('ftp://a.example')).toBeUndefined();
    expect(parseHttpUrl('/relative')).toBeUndefined();
    expect(parseHttpUrl('not a url')).toBeUndefined();
  });

  it('allows plain http for secrets on loopback only, unless insecure requests are allowed', () => {
    expect(isSecureHttpUrl(new URL('https://a.example'))).toBe(true);
    expect(isSecureHttpUrl(new URL('http://127.0.0.1:8080'))).toBe(true);
    expect(isSecureHttpUrl(new URL('http://a.example'))).toBe(false);
    expect(isSecureHttpUrl(new URL('http://a.example'), true)).toBe(true);
  });

  it('trims the outer slashes of a path', () => {
    expect(trimSlashes('//api/oauth/')).toBe('api/oauth');
    expect(trimSlashes('oauth')).toBe('oauth');
    expect(trimSlashes('/')).toBe('');
  });
});

describe('form encoding', () => {
  const reference = (value: string) => new URLSearchParams([['', value]]).toString().slice(1);

  it('encodes every BMP character, and the specials, exactly as URLSearchParams does', () => {
    for (let code = 0; code <= 0xffff; code++) {
      const value = `a${String.fromCharCode(code)}z`;
      if (formEncode(value) !== reference(value))
        throw new Error(`U+${code.toString(16)}: ${formEncode(value)} != ${reference(value)}`);
    }
    for (const value of [
      '',
      ' ',
      "!'()*~-._",
      'a b+c&d=e/f?g#h%i',
      '😀 €',
      '\ud800',
      'x\udc00y',
      'https://app.example/cb?x=1&y=2',
    ]) {
      expect(formEncode(value)).toBe(reference(value));
    }
  });

  it('leaves base64url values as they are', () => {
    const value = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(formEncode(value)).toBe(value);
  });

  it('joins pairs in order, as URLSearchParams does', () => {
    const pairs: Array<[string, string]> = [
      ['grant_type', 'authorization_code'],
      ['redirect_uri', 'https://app.example/cb'],
      ['a b', 'c&d'],
      ['empty', ''],
    ];
    expect(formEncodePairs(pairs)).toBe(new URLSearchParams(pairs).toString());
    expect(formEncodePairs([])).toBe('');
  });
});

describe('sameOriginPath (configured redirects and returnTo)', () => {
  it.each(['/.//evil.example', '/%2e%2e//evil.example', '/a/..//evil.example', '/./\\evil.example'])(
    'refuses %s, which the parser would turn into a path starting with two slashes',
    (value) => {
      expect(sameOriginPath(value)).toBeUndefined();
    },
  );

  it('for any string: undefined, or a path that a browser resolves on the app origin, in its final form', () => {
    fc.assert(
      fc.property(redirectTargetArbitrary, (value) => {
        const path = sameOriginPath(value);
        if (path === undefined) return;
        expect(path).toMatch(/^\/(?![/\\])/);
        expect(resolvedOrigin(path, 'https://app.example/oauth/x/callback')).toBe('https://app.example');
        expect(sameOriginPath(path)).toBe(path);
      }),
      propertyRuns(20_000),
    );
  });
});
