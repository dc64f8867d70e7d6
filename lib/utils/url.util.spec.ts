import { describe, expect, it } from '@jest/globals';
import { formEncode, isLoopbackHost, resolveEndpoint, withQuery } from './url.util.js';

describe('url utilities', () => {
  it('appends paths to the base URI as the seed does, keeping a path prefix', () => {
    expect(resolveEndpoint('https://stackoverflow.com', '/oauth/access_token/json')).toBe('https://stackoverflow.com/oauth/access_token/json');
    expect(resolveEndpoint('https://git.example.com/gitlab/', '/oauth/token')).toBe('https://git.example.com/gitlab/oauth/token');
    expect(resolveEndpoint('https://a.example', 'oauth')).toBe('https://a.example/oauth');
  });

  it('keeps an absolute endpoint URL', () => {
    expect(resolveEndpoint('https://a.example', 'https://b.example/token')).toBe('https://b.example/token');
  });

  it('adds query parameters to a URL that already has some', () => {
    const url = new URL(withQuery('https://a.example/authorize?tenant=x', [['state', 'a b&c']]));
    expect(url.searchParams.get('tenant')).toBe('x');
    expect(url.searchParams.get('state')).toBe('a b&c');
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
});
