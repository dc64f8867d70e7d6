// Any token endpoint answer through the real callback route, on Express and Fastify: a 302 or a documented 502,
// a valid token set stored or nothing, one token request carrying the PKCE verifier, and Object.prototype as it
// was (SECURITY.md, P7, P18 and P19).
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { TOKEN_STORE, type TokensEvent, type TokenStore } from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { cookiesFrom, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { propertyRuns } from '../support/property-runs.js';
import { fakeClientOptions } from '../support/testing-module.js';

/** JSON text of a value: JSON values, and what `JSON.stringify` cannot write (huge numbers, deep nesting). */
const jsonText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '1e400',
      '-1e400',
      '123456789012345678901234567890',
      `1${'0'.repeat(400)}`,
      '-0',
      '0.000000000000000000001',
      '9007199254740993',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 40 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`, `"${'x'.repeat(200_000)}"`),
  },
);

/** A member of a token response: a token field right or wrong, a prototype key, or anything. */
const memberText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '"access_token":"at-good"',
      '"token_type":"Bearer"',
      '"token_type":"bearer"',
      '"expires_in":3600',
      '"refresh_token":"rt-good"',
      '"scope":"read write"',
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('access_token', 'token_type', 'expires_in', 'expires', 'refresh_token', 'scope', 'error'),
        jsonText,
      )
      .map(([name, value]) => `"${name}":${value}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '"__proto__":{"polluted":true}',
      '"__proto__":{"__proto__":{"polluted":true}}',
      '"constructor":{"prototype":{"polluted":true}}',
      '"prototype":{"polluted":true}',
      '"toString":"polluted"',
      '"hasOwnProperty":1',
      '"__proto__":null',
      '"__proto__":[1,2]',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.string({ maxLength: 20 }), jsonText).map(([k, v]) => `${JSON.stringify(k)}:${v}`),
  },
);

/**
 * A body: a JSON object of members (duplicates included, usually after a valid access token that they may
 * override), any JSON, or something else altogether.
 */
const bodyArbitrary: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.boolean(), fc.array(memberText, { maxLength: 6 }))
      .map(([valid, members]) => `{${[...(valid ? ['"access_token":"at-good"'] : []), ...members].join(',')}}`),
  },
  { weight: 1, arbitrary: jsonText },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constantFrom(
        '',
        '<html><body>Sign in</body></html>',
        'access_token=at-form&token_type=bearer',
        'access_token=&token_type=bearer',
        '{"access_token":"at-good","token_type":"Bearer"',
        '\ufeff{"access_token":"at-good","token_type":"Bearer"}',
      ),
    ),
  },
);

const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);

/** Response headers: content types, encodings the body does not have, redirects, cookies, anything. */
const headersArbitrary: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'content-type': fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
      fc.constantFrom(
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'APPLICATION/JSON',
        'application/x-www-form-urlencoded',
        'text/html',
        'text/plain',
        'application/jwt',
        '',
      ),
      headerValue,
    ),
    'content-encoding': fc.oneof(
      { weight: 3, arbitrary: fc.constant('identity') },
      fc.constantFrom('gzip', 'br', 'deflate', 'zstd', 'x-unknown'),
    ),
    'retry-after': fc.oneof(
      fc.constantFrom('0', '1', '-1', '99999999999', 'Wed, 21 Oct 2015 07:28:00 GMT'),
      headerValue,
    ),
    location: fc.constantFrom('/elsewhere', 'http://127.0.0.1:9/elsewhere', 'javascript:alert(1)'),
    'set-cookie': fc.constantFrom('acf-oauth=planted; Path=/', 'session=provider; HttpOnly'),
    'cache-control': fc.constantFrom('no-store', 'max-age=3600', 'public'),
    'www-authenticate': headerValue,
    'x-anything': headerValue,
  },
  { requiredKeys: [] },
);

const statusArbitrary = fc.oneof(
  { weight: 4, arbitrary: fc.constant(200) },
  { weight: 2, arbitrary: fc.constantFrom(201, 203, 204, 301, 302, 303, 307, 308, 400, 401, 403, 429, 500, 502, 503) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 599 }) },
);

/** Object.prototype's own members with their descriptors, to compare before and after. */
function prototypeSnapshot(): Array<[string | symbol, PropertyDescriptor]> {
  return Reflect.ownKeys(Object.prototype).map((key) => [key, Object.getOwnPropertyDescriptor(Object.prototype, key)!]);
}

describe.each(PLATFORMS)('any token endpoint answer through the callback route on %s', (platform) => {
  let provider: FakeProvider;
  let running: RunningApp;
  const events: TokensEvent[] = [];

  beforeAll(async () => {
    provider = await FakeProvider.start();
    running = await startHttpApp(platform, {
      providers: { fake: fakeClientOptions(provider, 'fake') },
      onTokens: (event) => void events.push(event),
    });
  });
  afterAll(async () => {
    await running.close();
    await provider.close();
  });
  afterEach(() => {
    provider.reset();
    events.length = 0;
  });

  const get = (path: string, headers: Record<string, string>) =>
    fetch(`${running.url}${path}`, { redirect: 'manual', headers });

  it('property: a 302 with a valid token set stored, or a 502 with nothing stored; one request with the verifier; Object.prototype untouched', async () => {
    const before = prototypeSnapshot();
    const outcomes = { stored: 0, refused: 0 };
    let run = 0;
    await fc.assert(
      fc.asyncProperty(statusArbitrary, headersArbitrary, bodyArbitrary, async (status, headers, body) => {
        const user = `user-${++run}`;
        provider.on('POST', '/oauth/token', (_request, res: ServerResponse) =>
          res.writeHead(status, headers).end(body),
        );
        const authorize = await get('/oauth/fake/authorize', { 'x-user': user });
        expect(authorize.status).toBe(302);
        const authorization = new URL(authorize.headers.get('location')!);
        const callback = await provider.authorize(authorization.href);
        const requestsBefore = provider.requestsTo('/oauth/token').length;
        const eventsBefore = events.length;

        const response = await get(`/oauth/fake/callback?${callback}`, {
          'x-user': user,
          cookie: cookiesFrom(authorize),
        });
        const stored = await running.app.get<TokenStore>(TOKEN_STORE).get('fake', user);

        // One token request, never a second (no retry, no redirect followed), and it carried the flow's verifier.
        const sent = provider.requestsTo('/oauth/token').slice(requestsBefore);
        expect(sent).toHaveLength(1);
        const verifier = sent[0]!.params.code_verifier!;
        expect(createHash('sha256').update(verifier).digest('base64url')).toBe(
          authorization.searchParams.get('code_challenge'),
        );
        expect(provider.requestsTo('/elsewhere')).toHaveLength(0);

        if (response.status === 302) {
          outcomes.stored++;
          expect(typeof stored?.accessToken).toBe('string');
          expect(stored!.accessToken.length).toBeGreaterThan(0);
          expect(typeof stored!.tokenType).toBe('string');
          expect(stored!.tokenType.length).toBeGreaterThan(0);
          expect(events.length - eventsBefore).toBe(1);
        } else {
          outcomes.refused++;
          expect(response.status).toBe(502);
          const answer = (await response.json()) as { error: string };
          expect(['token_request_error', 'token_endpoint_error']).toContain(answer.error);
          expect(stored).toBeUndefined();
          expect(events.length - eventsBefore).toBe(0);
        }
        // The provider's cookie never reaches the browser.
        expect(response.headers.getSetCookie().join('\n')).not.toMatch(/planted|session=provider/);
        expect(prototypeSnapshot()).toEqual(before);
        expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
      }),
      propertyRuns(150),
    );
    expect(outcomes.stored).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  }, 90_000);
});
