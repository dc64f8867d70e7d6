import { describe, expect, it } from '@jest/globals';
import { TokenEndpointError, TokenRequestError } from '../auth-code-flow.errors.js';
import { parseTokenResponseBody, toTokenSet, type RawTokenResponse } from './token-response.parser.js';

const ok = (body: unknown, contentType = 'application/json'): RawTokenResponse => ({
  status: 200,
  contentType,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('token response parsing', () => {
  it('normalises a JSON response and computes expiresAt', () => {
    const tokens = toTokenSet(ok({ access_token: 'at', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt', scope: 'a b', id_token: 'x.y.z' }), 'token', undefined, 1_000);
    expect(tokens).toEqual({
      accessToken: 'at',
      tokenType: 'Bearer',
      expiresIn: 3600,
      expiresAt: 1_000 + 3_600_000,
      refreshToken: 'rt',
      scope: 'a b',
      idToken: 'x.y.z',
      raw: { access_token: 'at', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt', scope: 'a b', id_token: 'x.y.z' },
    });
  });

  it('parses a form-encoded response (GitHub without Accept: JSON)', () => {
    const tokens = toTokenSet(ok('access_token=gho_1&scope=repo%2Cgist&token_type=bearer', 'application/x-www-form-urlencoded; charset=utf-8'), 'token', undefined);
    expect(tokens).toMatchObject({ accessToken: 'gho_1', tokenType: 'bearer', scope: 'repo,gist' });
  });

  it('accepts expires_in as a numeric string and rejects malformed values', () => {
    expect(toTokenSet(ok({ access_token: 'a', token_type: 'bearer', expires_in: '60' }), 'token', undefined).expiresIn).toBe(60);
    for (const expires_in of ['soon', -1, 1.5, '1e3', true]) {
      expect(() => toTokenSet(ok({ access_token: 'a', token_type: 'bearer', expires_in }), 'token', undefined)).toThrow(TokenEndpointError);
    }
  });

  it('turns an error body into TokenRequestError, also with HTTP 200', () => {
    const inBody = () => toTokenSet(ok({ error: 'bad_verification_code', error_description: 'The code is incorrect' }), 'token', undefined);
    expect(inBody).toThrow(TokenRequestError);
    try {
      inBody();
    } catch (error) {
      expect(error).toMatchObject({ error: 'bad_verification_code', errorDescription: 'The code is incorrect', status: 200, code: 'token_request_error' });
    }
    const status400 = { status: 400, contentType: 'application/json', body: '{"error":"invalid_grant"}' };
    expect(() => toTokenSet(status400, 'token', undefined)).toThrow('The token request was rejected with "invalid_grant" (HTTP 400).');
  });

  it.each([
    ['no access_token', { token_type: 'bearer' }],
    ['an empty access_token', { access_token: '', token_type: 'bearer' }],
    ['a numeric access_token', { access_token: 42, token_type: 'bearer' }],
    ['no token_type', { access_token: 'a' }],
    ['a MAC token', { access_token: 'a', token_type: 'mac' }],
    ['a numeric refresh_token', { access_token: 'a', token_type: 'bearer', refresh_token: 1 }],
  ])('rejects a response with %s', (_name, body) => {
    expect(() => toTokenSet(ok(body), 'token', undefined)).toThrow(TokenEndpointError);
  });

  it('rejects HTML, 5xx, redirects and non-object JSON', () => {
    const cases: Array<[RawTokenResponse, string]> = [
      [ok('<html>sign in</html>', 'text/html'), 'invalid_response'],
      [ok('[1,2]'), 'invalid_response'],
      [ok('{"broken"'), 'invalid_response'],
      [{ status: 502, contentType: 'text/html', body: '<h1>Bad gateway</h1>' }, 'http_status'],
      [{ status: 503, contentType: 'application/json', body: '{"error":"temporarily_unavailable"}' }, 'http_status'],
      [{ status: 404, contentType: 'text/html', body: 'not found' }, 'http_status'],
      [{ status: 302, contentType: 'text/html', body: '' }, 'redirect'],
    ];
    for (const [response, failure] of cases) {
      expect(() => toTokenSet(response, 'token', undefined)).toThrow(expect.objectContaining({ failure }));
    }
  });

  it('applies a provider normaliser before validating', () => {
    const tokens = toTokenSet(ok({ access_token: 'a', expires: 100 }), 'token', (body) => ({ token_type: 'bearer', expires_in: body.expires, ...body }));
    expect(tokens).toMatchObject({ accessToken: 'a', tokenType: 'bearer', expiresIn: 100 });
  });

  it('returns undefined for a form body that is not a token response', () => {
    expect(parseTokenResponseBody('text/plain', 'hello world')).toBeUndefined();
  });
});
