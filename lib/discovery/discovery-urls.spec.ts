import { describe, expect, it } from '@jest/globals';
import { discoveryUrls, maxAgeSeconds } from './discovery-urls.js';

describe('discoveryUrls', () => {
  it('puts openid-configuration after the issuer, and RFC 8414 §3 inserts its segment before the path', () => {
    expect(discoveryUrls('https://h')).toEqual([
      'https://h/.well-known/openid-configuration',
      'https://h/.well-known/oauth-authorization-server',
    ]);
    expect(discoveryUrls('https://h/tenant/')).toEqual([
      'https://h/tenant/.well-known/openid-configuration',
      'https://h/.well-known/oauth-authorization-server/tenant',
    ]);
    expect(discoveryUrls('http://127.0.0.1:8080/a/b')[1]).toBe(
      'http://127.0.0.1:8080/.well-known/oauth-authorization-server/a/b',
    );
  });
});

describe('maxAgeSeconds', () => {
  it.each([
    [undefined, undefined],
    ['public', undefined],
    ['public, max-age=300', 300],
    ['max-age="60"', 60],
    ['no-store', 0],
    ['private, no-cache', 0],
    ['s-maxage=10', undefined],
  ])('%s → %s', (header, expected) => {
    expect(maxAgeSeconds(header)).toBe(expected);
  });
});
