import { describe, expect, it } from '@jest/globals';
import { hasChallengeError, isInvalidBearerToken, parseWwwAuthenticate } from './www-authenticate.util.js';

const asObjects = (value: string) =>
  parseWwwAuthenticate(value).map(({ scheme, params }) => ({ scheme, params: Object.fromEntries(params) }));

describe('parseWwwAuthenticate', () => {
  it('reads a Bearer challenge with quoted and token values (RFC 6750 §3)', () => {
    expect(
      asObjects('Bearer realm="example", error=invalid_token, error_description="The access token expired"'),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'example', error: 'invalid_token', error_description: 'The access token expired' },
      },
    ]);
  });

  it('lower-cases schemes and parameter names, not values', () => {
    expect(asObjects('BEARER Error="Invalid_Token"')).toEqual([
      { scheme: 'bearer', params: { error: 'Invalid_Token' } },
    ]);
  });

  it('splits several challenges, as Headers.get joins several header lines', () => {
    expect(
      asObjects('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple", Bearer'),
    ).toEqual([
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
      { scheme: 'bearer', params: {} },
    ]);
  });

  it('takes a token68 for the parameters of its challenge', () => {
    expect(asObjects('Negotiate a87421000492aa874209af8bc028==, Bearer error="invalid_token"')).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'bearer', params: { error: 'invalid_token' } },
    ]);
  });

  it('allows whitespace around "=" and empty list elements', () => {
    expect(asObjects(' , Bearer  realm = "a" ,, error =invalid_token , ')).toEqual([
      { scheme: 'bearer', params: { realm: 'a', error: 'invalid_token' } },
    ]);
  });

  it.each([
    ['an unterminated quoted string', 'Bearer error="invalid_token'],
    ['a dangling escape', 'Bearer error="invalid_token\\'],
    ['a missing comma between parameters', 'Bearer realm="a" error="invalid_token"'],
    ['a parameter without a value', 'Bearer error=, realm="a"'],
    ['a parameter named twice (RFC 6750 §3)', 'Bearer error="insufficient_scope", error="invalid_token"'],
    ['no scheme', '="invalid_token"'],
  ])('yields no challenge at all for %s', (_case, value) => {
    expect(parseWwwAuthenticate(value)).toEqual([]);
  });
});

describe('isInvalidBearerToken', () => {
  it.each([
    'Bearer error="invalid_token"',
    'bearer error=invalid_token',
    'Basic realm="x", Bearer realm="api", error="invalid_token", error_description="expired"',
    'Bearer realm="a\\"b", ERROR="invalid_token"',
  ])('is true for %s', (value) => {
    expect(isInvalidBearerToken(value)).toBe(true);
  });

  it.each([
    [null],
    [''],
    ['Bearer'],
    ['Bearer realm="api"'],
    ['Bearer error="insufficient_scope"'],
    ['Bearer error="invalid_request"'],
    ['Basic error="invalid_token"'],
    ['Bearer realm="error=invalid_token"'],
    ['Bearer error="invalid_token", error="invalid_token"'],
    ['Bearer error="invalid_token'],
    ['BearerX error="invalid_token"'],
  ])('is false for %j', (value) => {
    expect(isInvalidBearerToken(value)).toBe(false);
  });
});

describe('hasChallengeError', () => {
  it('finds the DPoP challenges of RFC 9449 §7.1 and §9, beside a Bearer one', () => {
    const value = 'Bearer realm="api", DPoP algs="ES256 EdDSA", error="use_dpop_nonce", error_description="nonce"';
    expect(hasChallengeError(value, 'dpop', 'use_dpop_nonce')).toBe(true);
    expect(hasChallengeError('dpop ERROR=invalid_token', 'dpop', 'invalid_token')).toBe(true);
  });

  it.each([
    [null, 'dpop', 'use_dpop_nonce'],
    ['Bearer error="use_dpop_nonce"', 'dpop', 'use_dpop_nonce'],
    ['DPoP error="invalid_dpop_proof"', 'dpop', 'use_dpop_nonce'],
    ['DPoP realm="error=use_dpop_nonce"', 'dpop', 'use_dpop_nonce'],
    ['DPoP error="use_dpop_nonce', 'dpop', 'use_dpop_nonce'],
  ])('is false for %j (%s %s)', (value, scheme, error) => {
    expect(hasChallengeError(value, scheme, error)).toBe(false);
  });
});
