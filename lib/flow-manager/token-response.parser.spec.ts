import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  MAX_ERROR_DESCRIPTION_LENGTH,
  MAX_EXPIRES_IN_SECONDS,
  MAX_TOKEN_RESPONSE_DEPTH,
  MAX_TOKEN_RESPONSE_KEY_LENGTH,
  MAX_TOKEN_RESPONSE_VALUES,
  SAFE_ERROR_CODE,
} from '../auth-code-flow.constants.js';
import { TokenEndpointError, TokenRequestError } from '../auth-code-flow.errors.js';
import { InMemoryTokenStore } from '../stores/in-memory-token.store.js';
import type { TokenHttpResponse } from '../interfaces/token-http-transport.interface.js';
import { parseTokenResponseBody } from './token-response-body.parser.js';
import { parseTokenResponse } from './token-response.parser.js';
import { allowedTokenResponseMessages } from '../../test/support/token-response-messages.js';
import { propertyRuns } from '../../test/support/property-runs.js';

const ok = (body: unknown, contentType = 'application/json'): TokenHttpResponse => ({
  status: 200,
  contentType,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** What `fn` threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('token response parsing', () => {
  it('normalises a JSON response and computes expiresAt', () => {
    const tokens = parseTokenResponse(
      ok({
        access_token: 'at',
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: 'rt',
        scope: 'a b',
        id_token: 'x.y.z',
      }),
      'token',
      undefined,
      1_000,
    );
    expect(tokens).toEqual({
      accessToken: 'at',
      tokenType: 'Bearer',
      expiresIn: 3600,
      expiresAt: 1_000 + 3_600_000,
      refreshToken: 'rt',
      scope: 'a b',
      idToken: 'x.y.z',
      raw: {
        access_token: 'at',
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: 'rt',
        scope: 'a b',
        id_token: 'x.y.z',
      },
    });
  });

  it('parses a form-encoded response (GitHub without Accept: JSON)', () => {
    const tokens = parseTokenResponse(
      ok('access_token=gho_1&scope=repo%2Cgist&token_type=bearer', 'application/x-www-form-urlencoded; charset=utf-8'),
      'token',
      undefined,
    );
    expect(tokens).toMatchObject({ accessToken: 'gho_1', tokenType: 'bearer', scope: 'repo,gist' });
  });

  it('accepts expires_in as a numeric string and rejects malformed values', () => {
    expect(
      parseTokenResponse(ok({ access_token: 'a', token_type: 'bearer', expires_in: '60' }), 'token', undefined)
        .expiresIn,
    ).toBe(60);
    for (const expires_in of ['soon', -1, 1.5, '1e3', true]) {
      expect(() =>
        parseTokenResponse(ok({ access_token: 'a', token_type: 'bearer', expires_in }), 'token', undefined),
      ).toThrow(TokenEndpointError);
    }
  });

  it('turns an error body into TokenRequestError, also with HTTP 200, and its message quotes nothing of it', () => {
    const inBody = () =>
      parseTokenResponse(
        ok({ error: 'bad_verification_code', error_description: 'The code is incorrect' }),
        'token',
        undefined,
      );
    expect(thrown(inBody)).toBeInstanceOf(TokenRequestError);
    expect(thrown(inBody)).toMatchObject({
      error: 'bad_verification_code',
      errorDescription: 'The code is incorrect',
      status: 200,
      code: 'token_request_error',
      message: 'The token request was rejected by the provider (HTTP 200).',
    });
    const status400 = { status: 400, contentType: 'application/json', body: '{"error":"invalid_grant"}' };
    expect(() => parseTokenResponse(status400, 'token', undefined)).toThrow(
      new TokenRequestError(
        'invalid_grant',
        undefined,
        400,
        'The token request was rejected by the provider (HTTP 400).',
      ),
    );
  });

  it.each([
    ['no access_token', { token_type: 'bearer' }],
    ['an empty access_token', { access_token: '', token_type: 'bearer' }],
    ['a numeric access_token', { access_token: 42, token_type: 'bearer' }],
    ['a MAC token', { access_token: 'a', token_type: 'mac' }],
    ['a numeric token_type', { access_token: 'a', token_type: 1 }],
    ['a numeric refresh_token', { access_token: 'a', token_type: 'bearer', refresh_token: 1 }],
  ])('rejects a response with %s', (_name, body) => {
    expect(() => parseTokenResponse(ok(body), 'token', undefined)).toThrow(TokenEndpointError);
  });

  it('rejects HTML, 5xx, redirects and non-object JSON', () => {
    const cases: Array<[TokenHttpResponse, string]> = [
      [ok('<html>sign in</html>', 'text/html'), 'invalid_response'],
      [ok('[1,2]'), 'invalid_response'],
      [ok('{"broken"'), 'invalid_response'],
      [{ status: 502, contentType: 'text/html', body: '<h1>Bad gateway</h1>' }, 'http_status'],
      [{ status: 503, contentType: 'application/json', body: '{"error":"temporarily_unavailable"}' }, 'http_status'],
      [{ status: 404, contentType: 'text/html', body: 'not found' }, 'http_status'],
      [{ status: 302, contentType: 'text/html', body: '' }, 'redirect'],
    ];
    for (const [response, failure] of cases) {
      expect(() => parseTokenResponse(response, 'token', undefined)).toThrow(expect.objectContaining({ failure }));
    }
  });

  it('applies a provider normaliser before validating; one that throws or returns no object is an invalid response', () => {
    const tokens = parseTokenResponse(ok({ access_token: 'a', expires: 100 }), 'token', (body) => ({
      token_type: 'bearer',
      expires_in: body.expires,
      ...body,
    }));
    expect(tokens).toMatchObject({ accessToken: 'a', tokenType: 'bearer', expiresIn: 100 });
    const throwing = thrown(() =>
      parseTokenResponse(ok({ access_token: 'secret-at' }), 'token', () => {
        throw new TypeError('cannot read secret-at');
      }),
    );
    expect(throwing).toMatchObject({
      failure: 'invalid_response',
      message: 'The token request failed: normalizeTokenResponse threw.',
    });
    expect(String((throwing as Error).cause)).toBe('Error: TypeError');
    expect(() => parseTokenResponse(ok({ access_token: 'a' }), 'token', () => undefined as never)).toThrow(
      expect.objectContaining({ failure: 'invalid_response' }),
    );
  });

  it('returns undefined for a form body that is not a token response', () => {
    expect(parseTokenResponseBody('text/plain', 'hello world')).toBeUndefined();
  });
});

describe('token_type', () => {
  it('is Bearer when the response has none (null and empty alike), and kept as the provider spelled a bearer type', () => {
    for (const body of [
      { access_token: 'a' },
      { access_token: 'a', token_type: null },
      { access_token: 'a', token_type: '' },
    ]) {
      const tokens = parseTokenResponse(ok(body), 'token', undefined);
      expect(tokens.tokenType).toBe('Bearer');
      // raw holds what the provider sent, nothing added.
      expect(tokens.raw).toEqual(body);
    }
    expect(
      parseTokenResponse(ok('access_token=a', 'application/x-www-form-urlencoded'), 'token', undefined).tokenType,
    ).toBe('Bearer');
    expect(parseTokenResponse(ok({ access_token: 'a', token_type: 'BEARER' }), 'token', undefined).tokenType).toBe(
      'BEARER',
    );
  });

  it('refuses any other explicit type without quoting it', () => {
    for (const token_type of ['mac', 'DPoP', 'N_A', 'bearer ', 'Bearer\r\nX-Injected: 1', 'x'.repeat(10_000)]) {
      const error = thrown(() => parseTokenResponse(ok({ access_token: 'a', token_type }), 'refresh', undefined));
      expect(error).toMatchObject({
        failure: 'invalid_response',
        message: 'The refresh request failed: the token type is not supported.',
      });
    }
  });

  const withProof = { dpopProof: true, requireDpop: false };
  const requiringDpop = { dpopProof: true, requireDpop: true };

  it('accepts DPoP (RFC 9449 §5), in any case, exactly when the request carried a proof', () => {
    for (const token_type of ['DPoP', 'dpop', 'DPOP']) {
      const body = { access_token: 'a', token_type };
      expect(parseTokenResponse(ok(body), 'token', undefined, 0, withProof).tokenType).toBe(token_type);
      expect(parseTokenResponse(ok(body), 'token', undefined, 0, requiringDpop).tokenType).toBe(token_type);
      expect(thrown(() => parseTokenResponse(ok(body), 'token', undefined, 0))).toMatchObject({
        message: 'The token request failed: the token type is not supported.',
      });
    }
    for (const token_type of ['mac', 'DPoP ', 'dpop+jwt']) {
      const error = thrown(() =>
        parseTokenResponse(ok({ access_token: 'a', token_type }), 'token', undefined, 0, withProof),
      );
      expect(error).toMatchObject({ failure: 'invalid_response' });
    }
  });

  it('takes a bearer answer to a proof as a bearer token, unless requireDpopBoundTokens refuses it', () => {
    for (const body of [{ access_token: 'a', token_type: 'Bearer' }, { access_token: 'a' }]) {
      expect(parseTokenResponse(ok(body), 'token', undefined, 0, withProof).tokenType).toBe('Bearer');
      const error = thrown(() => parseTokenResponse(ok(body), 'refresh', undefined, 0, requiringDpop));
      expect(error).toBeInstanceOf(TokenEndpointError);
      expect(error).toMatchObject({
        failure: 'invalid_response',
        status: 200,
        message:
          'The refresh request failed: the token type is not DPoP, and requireDpopBoundTokens asks for DPoP-bound tokens.',
      });
    }
  });
});

describe('expires and expires_in', () => {
  it('reads expires (Facebook, Stack Exchange) when expires_in is absent; expires_in wins when both are there', () => {
    expect(parseTokenResponse(ok({ access_token: 'a', expires: 86400 }), 'token', undefined, 0)).toMatchObject({
      expiresIn: 86400,
      expiresAt: 86_400_000,
      tokenType: 'Bearer',
    });
    expect(parseTokenResponse(ok('access_token=a&expires=5183999', 'text/plain'), 'token', undefined, 0)).toMatchObject(
      {
        expiresIn: 5183999,
      },
    );
    expect(
      parseTokenResponse(ok({ access_token: 'a', expires_in: 60, expires: 86400 }), 'token', undefined, 0),
    ).toMatchObject({
      expiresIn: 60,
    });
    expect(
      parseTokenResponse(ok({ access_token: 'a', expires_in: null, expires: 30 }), 'token', undefined, 0),
    ).toMatchObject({
      expiresIn: 30,
    });
    expect(() =>
      parseTokenResponse(ok({ access_token: 'a', expires: 'Tue, 01 Jan 2030' }), 'token', undefined),
    ).toThrow('The token request failed: expires is not a non-negative integer.');
  });

  it('rejects a lifetime above ten years', () => {
    expect(
      parseTokenResponse(ok({ access_token: 'a', expires_in: MAX_EXPIRES_IN_SECONDS }), 'token', undefined, 0)
        .expiresIn,
    ).toBe(MAX_EXPIRES_IN_SECONDS);
    for (const body of [
      { expires_in: MAX_EXPIRES_IN_SECONDS + 1 },
      { expires_in: '9007199254740991' },
      { expires: 1_735_689_600 },
    ]) {
      expect(() => parseTokenResponse(ok({ access_token: 'a', ...body }), 'token', undefined)).toThrow(
        expect.objectContaining({ failure: 'invalid_response' }),
      );
    }
  });

  it('property: any expires_in gives a TokenEndpointError or a finite expiresAt that a Date accepts', () => {
    const lifetime = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.maxSafeInteger(),
      fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
      fc.nat().map(String),
      fc.string(),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(
        lifetime,
        fc.constantFrom('expires_in', 'expires'),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (value, field, now) => {
          let tokens;
          try {
            tokens = parseTokenResponse(ok({ access_token: 'a', [field]: value }), 'token', undefined, now);
          } catch (error) {
            expect(error).toBeInstanceOf(TokenEndpointError);
            return;
          }
          if (tokens.expiresAt === undefined) return;
          expect(Number.isFinite(tokens.expiresAt)).toBe(true);
          expect(() => new Date(tokens.expiresAt!).toISOString()).not.toThrow();
        },
      ),
      propertyRuns(2000),
    );
  });
});

describe("the provider's error text", () => {
  it('keeps a short RFC 6749 code and replaces anything else with invalid_error_code', () => {
    const codeOf = (error: unknown, status = 400) =>
      (
        thrown(() =>
          parseTokenResponse(
            { status, contentType: 'application/json', body: JSON.stringify({ error }) },
            'token',
            undefined,
          ),
        ) as TokenRequestError
      ).error;
    for (const code of [
      'invalid_grant',
      'slow_down',
      'OAuthException',
      'bad_verification_code',
      'a'.repeat(64),
      'x.y-z',
    ])
      expect(codeOf(code)).toBe(code);
    for (const code of [
      'invalid_grant\r\nSet-Cookie: a=1',
      'a'.repeat(65),
      'has space',
      'quote"d',
      '<script>',
      'üñí',
      { type: 'OAuthException' },
      ['x'],
    ]) {
      expect(codeOf(code)).toBe('invalid_error_code');
    }
  });

  it('keeps error_description without control characters and at most 512 characters', () => {
    const descriptionOf = (error_description: unknown) =>
      (
        thrown(() =>
          parseTokenResponse(ok({ error: 'invalid_grant', error_description }), 'token', undefined),
        ) as TokenRequestError
      ).errorDescription;
    expect(descriptionOf('Bad code.\r\nSet-Cookie: a=1\u0000\u202e')).toBe('Bad code.Set-Cookie: a=1');
    expect(descriptionOf('x'.repeat(1024 * 1024))).toHaveLength(MAX_ERROR_DESCRIPTION_LENGTH);
    expect(descriptionOf(`${'x'.repeat(MAX_ERROR_DESCRIPTION_LENGTH - 1)}😀`)).toBe(
      'x'.repeat(MAX_ERROR_DESCRIPTION_LENGTH - 1),
    );
    expect(descriptionOf('\r\n\t')).toBeUndefined();
    expect(descriptionOf({ text: 'no' })).toBeUndefined();
  });

  it('property: for any body, no message quotes the provider, and the kept fields are filtered', () => {
    const huge = fc.string({ maxLength: 8 }).map((chunk) => `${chunk}\r\n`.repeat(20_000));
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.stringMatching(/^[a-z][a-z _.\r\n"<>-]{7,40}$/),
      fc.constantFrom(
        'invalid_grant',
        'bearer',
        'Bearer',
        'mac',
        'invalid_grant\r\nSet-Cookie: x=1',
        '<script>alert(1)</script>',
        'client_secret=top-secret',
      ),
      huge,
    );
    const field = (value: fc.Arbitrary<unknown>) => fc.option(value, { nil: undefined });
    const known = fc.record(
      {
        error: field(fc.oneof(text, fc.jsonValue())),
        error_description: field(fc.oneof(text, fc.jsonValue())),
        error_uri: field(text),
        token_type: field(fc.oneof(text, fc.jsonValue())),
        access_token: field(fc.oneof(text, fc.constant('at'))),
        refresh_token: field(fc.oneof(text, fc.jsonValue())),
        scope: field(fc.oneof(text, fc.jsonValue())),
        expires_in: field(fc.oneof(text, fc.jsonValue())),
        expires: field(fc.oneof(text, fc.jsonValue())),
      },
      { requiredKeys: [] },
    );
    // Any other members, named and valued by the provider.
    const body = fc
      .tuple(known, fc.dictionary(fc.string({ unit: 'binary', maxLength: 12 }), text, { maxKeys: 3 }))
      .map(([fields, extra]) => ({ ...extra, ...fields }));
    const status = fc.constantFrom(200, 201, 204, 301, 400, 401, 403, 404, 429, 500, 502, 503);
    const encoding = fc.constantFrom('json', 'form', 'raw');

    fc.assert(
      fc.property(
        body,
        status,
        encoding,
        fc.constantFrom('token', 'refresh'),
        text,
        (fields, status, encoding, operation, rawBody) => {
          const providerStrings = Object.values(fields).filter((value): value is string => typeof value === 'string');
          const response: TokenHttpResponse =
            encoding === 'json'
              ? { status, contentType: 'application/json', body: JSON.stringify(fields) }
              : encoding === 'form'
                ? {
                    status,
                    contentType: 'application/x-www-form-urlencoded',
                    body: new URLSearchParams(
                      Object.entries(fields).filter(([, v]) => typeof v === 'string') as Array<[string, string]>,
                    ).toString(),
                  }
                : { status, contentType: 'text/html', body: rawBody };
          if (encoding === 'raw') providerStrings.push(rawBody);
          let error: unknown;
          try {
            parseTokenResponse(response, operation, undefined);
            return;
          } catch (caught) {
            error = caught;
          }
          expect(error instanceof TokenRequestError || error instanceof TokenEndpointError).toBe(true);
          const { message } = error as Error;
          const allowed = allowedTokenResponseMessages(operation, status);
          expect(allowed).toContain(message);
          for (const value of providerStrings) {
            if (value.trim().length >= 8 && ![...allowed].some((ours) => ours.includes(value)))
              expect(message).not.toContain(value);
          }
          if (error instanceof TokenRequestError) {
            expect(error.error === 'invalid_error_code' || SAFE_ERROR_CODE.test(error.error)).toBe(true);
            if (error.errorDescription !== undefined) {
              expect(error.errorDescription.length).toBeLessThanOrEqual(MAX_ERROR_DESCRIPTION_LENGTH);
              expect(error.errorDescription).not.toMatch(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u);
            }
          }
        },
      ),
      propertyRuns(500),
    );
  });
});

describe('bounds on raw', () => {
  const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{"access_token":"x"}${'}'.repeat(depth - 1)}`;
  const deepArray = (depth: number) => `{"access_token":"x","deep":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

  it(`accepts ${MAX_TOKEN_RESPONSE_DEPTH} levels and refuses one more, or 5,000, as an invalid response`, () => {
    expect(() => parseTokenResponse(ok(deepArray(MAX_TOKEN_RESPONSE_DEPTH)), 'token', undefined)).not.toThrow();
    expect(() => parseTokenResponseBody('application/json', nested(MAX_TOKEN_RESPONSE_DEPTH))).not.toThrow();
    for (const body of [deepArray(MAX_TOKEN_RESPONSE_DEPTH + 1), deepArray(5_000), nested(5_000), deepArray(200_000)]) {
      expect(thrown(() => parseTokenResponse(ok(body), 'token', undefined))).toMatchObject({
        failure: 'invalid_response',
        status: 200,
        message: `The token request failed: the token response nests deeper than ${MAX_TOKEN_RESPONSE_DEPTH} levels.`,
      });
    }
  });

  it('refuses an overlong member name and too many values; outside 2xx such a body is no body', () => {
    const longKey = { access_token: 'x', ['k'.repeat(MAX_TOKEN_RESPONSE_KEY_LENGTH + 1)]: 1 };
    expect(() => parseTokenResponse(ok(longKey), 'token', undefined)).toThrow(
      expect.objectContaining({ failure: 'invalid_response' }),
    );
    expect(() =>
      parseTokenResponse(
        ok(`access_token=x&${'k'.repeat(MAX_TOKEN_RESPONSE_KEY_LENGTH + 1)}=1`, 'text/plain'),
        'token',
        undefined,
      ),
    ).toThrow(TokenEndpointError);
    const many = { access_token: 'x', list: Array.from({ length: MAX_TOKEN_RESPONSE_VALUES }, () => 0) };
    expect(() => parseTokenResponse(ok(many), 'token', undefined)).toThrow(
      expect.objectContaining({ failure: 'invalid_response' }),
    );
    const deepError = {
      status: 400,
      contentType: 'application/json',
      body: `{"error":"invalid_grant","x":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    };
    expect(() => parseTokenResponse(deepError, 'token', undefined)).toThrow(
      expect.objectContaining({ failure: 'http_status', status: 400 }),
    );
  });

  /** A JSON text whose objects may have `__proto__`, `constructor` and `prototype` members, as a provider could send. */
  const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string; object: string }>((tie) => ({
    value: fc.oneof(
      { maxDepth: 6, depthSize: 'small', withCrossShrink: true },
      fc.jsonValue({ maxDepth: 0 }).map((value) => JSON.stringify(value)),
      fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
      tie('object'),
    ),
    object: fc
      .array(
        fc.tuple(
          fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString')),
          tie('value'),
        ),
        { maxLength: 5 },
      )
      .map((members) => `{${members.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`),
  })).object;

  /** The own data of a JSON value, `__proto__` members left out: what raw must equal. */
  function ownData(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(ownData);
    if (typeof value !== 'object' || value === null) return value;
    return Object.keys(value)
      .filter((key) => key !== '__proto__')
      .map((key) => [key, ownData((value as Record<string, unknown>)[key])]);
  }

  /** Every object in `value` has Object.prototype and no own `__proto__`. */
  function expectPlain(value: unknown): void {
    if (Array.isArray(value)) return value.forEach(expectPlain);
    if (typeof value !== 'object' || value === null) return;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(value, '__proto__')).toBe(false);
    Object.values(value).forEach(expectPlain);
  }

  it('drops __proto__ members: raw keeps Object.prototype and the own data', () => {
    const tokens = parseTokenResponse(
      ok('{"access_token":"x","__proto__":{"admin":true},"nested":{"__proto__":[1]}}'),
      'token',
      undefined,
    );
    expect(Object.getPrototypeOf(tokens.raw)).toBe(Object.prototype);
    expect((tokens.raw as { admin?: unknown }).admin).toBeUndefined();
    expect(tokens.raw).toEqual({ access_token: 'x', nested: {} });
    expect(
      parseTokenResponse(ok('access_token=x&__proto__=y', 'application/x-www-form-urlencoded'), 'token', undefined).raw,
    ).toEqual({
      access_token: 'x',
    });
  });

  it('property: for any JSON object, the raw a store gives back is plain data equal to its own data', async () => {
    const store = new InMemoryTokenStore();
    await fc.assert(
      fc.asyncProperty(jsonText, async (text) => {
        const input: unknown = JSON.parse(text);
        const body = text === '{}' ? '{"access_token":"x"}' : `{"access_token":"x",${text.slice(1)}`;
        const tokens = parseTokenResponse(ok(body), 'token', undefined);
        await store.set('p', 'u', tokens);
        const stored = (await store.get('p', 'u'))!;
        for (const raw of [tokens.raw, stored.raw]) {
          expectPlain(raw);
          const { access_token: _token, ...rest } = raw;
          expect(ownData(rest)).toEqual(ownData(input));
        }
        expect(({} as { admin?: unknown }).admin).toBeUndefined();
      }),
      propertyRuns(500),
    );
  });
});

describe('Retry-After', () => {
  const unavailable = (status: number, retryAfter?: string): TokenHttpResponse => ({
    status,
    contentType: 'application/json',
    body: '{"error":"temporarily_unavailable"}',
    ...(retryAfter === undefined ? {} : { retryAfter }),
  });

  it('is exposed in seconds on the http_status error of a 429 or 503, and nowhere else', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const retryAfterOf = (response: TokenHttpResponse) =>
      (thrown(() => parseTokenResponse(response, 'token', undefined, now)) as TokenEndpointError).retryAfter;
    expect(retryAfterOf(unavailable(503, '120'))).toBe(120);
    expect(retryAfterOf(unavailable(503, 'Tue, 01 Jan 2030 00:01:30 GMT'))).toBe(90);
    expect(retryAfterOf(unavailable(503, 'Mon, 31 Dec 2029 00:00:00 GMT'))).toBe(0);
    expect(retryAfterOf({ status: 429, contentType: 'text/plain', body: 'slow down', retryAfter: '3' })).toBe(3);
    expect(retryAfterOf(unavailable(503, 'soon'))).toBeUndefined();
    expect(retryAfterOf(unavailable(503))).toBeUndefined();
    expect(retryAfterOf(unavailable(500, '120'))).toBeUndefined();
    expect('retryAfter' in (thrown(() => parseTokenResponse(unavailable(503), 'token', undefined)) as object)).toBe(
      false,
    );
  });
});
