// Any callback query string through the real routes, on Express and Fastify: never a 5xx of ours, never a token
// request without a live state, and nothing of the query in the answer (SECURITY.md, P4 and P12).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { STATE_STORE, type StateStore } from '../../lib/index.js';
import { SAFE_ERROR_CODE } from '../../lib/auth-code-flow.constants.js';
import { FakeProvider } from '../support/fake-provider.js';
import { cookiesFrom, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { propertyRuns } from '../support/property-runs.js';
import { fakeClientOptions } from '../support/testing-module.js';

const KNOWN = ['state', 'code', 'iss', 'error', 'error_description', 'error_uri'];

/** A parameter name: ours, ours nested or bracketed (`state[]`, `code[a][b]`), prototype keys, or anything. */
const nameArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...KNOWN) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...KNOWN), fc.constantFrom('[]', '[0]', '[a]', '[a][b]', '.a', '%5B%5D', '%5Ba%5D'))
      .map(([name, suffix]) => `${name}${suffix}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'hasOwnProperty',
      '__proto__[state]',
      'constructor[prototype][state]',
      'St%61te',
      'STATE',
      'returnTo',
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
);

/** A parameter value: printable, binary, code-like, hostile, badly percent-encoded, or over the 4,096-character cap. */
const valueArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{8,60}$/) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '<script>alert(1)</script>',
      '\r\nSet-Cookie: pwned=1',
      '"}],"statusCode":200,{"',
      'javascript:alert(document.cookie)',
      '%',
      '%zz%zz%zz',
      '%E0%A4%A',
      '%C0%AF%C0%AF',
      '%uD800%uDFFF',
      '%00%00%00%00',
      '%%32%65%%32%65',
      '++++++++',
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('A', 'x', '%41', '€'), fc.integer({ min: 4_000, max: 4_200 }))
      .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length))),
  },
);

/** One pair of the query as sent: percent-encoded by us, or as written (bad escapes, `&`, `#` and all). */
const pairArbitrary = fc.record({ name: nameArbitrary, value: valueArbitrary, encoded: fc.boolean() });

const mostly = (value: boolean) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: fc.constant(!value) });

/**
 * A live flow of the user's, in half the cases: where its state goes among the other pairs, and which code
 * comes with it (its own, one made up, or none), with or without its binding cookie, the state once or twice.
 */
const liveArbitrary = fc.option(
  fc.record({
    position: fc.nat({ max: 20 }),
    code: fc.oneof(
      { weight: 2, arbitrary: fc.constant<'live'>('live') },
      { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{8,40}$/) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    withCookie: mostly(true),
    stateTwice: mostly(false),
  }),
  { nil: undefined, freq: 2 },
);

type Pair = { name: string; value: string; encoded: boolean };

const wellFormed = (value: string) => (value as string & { toWellFormed(): string }).toWellFormed();

function queryOf(pairs: Pair[]): string {
  return pairs
    .map(({ name, value, encoded }) =>
      encoded ? `${encodeURIComponent(wellFormed(name))}=${encodeURIComponent(wellFormed(value))}` : `${name}=${value}`,
    )
    .join('&');
}

/** The whole answer as text: the status line, every header, the body. */
async function answerText(response: Response): Promise<string> {
  const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
  return `${response.status}\n${headers}\n\n${await response.text()}`;
}

describe.each(PLATFORMS)('any callback query through the routes on %s', (platform) => {
  let provider: FakeProvider;
  let running: RunningApp;

  beforeAll(async () => {
    provider = await FakeProvider.start();
    running = await startHttpApp(platform, {
      providers: { fake: fakeClientOptions(provider, 'fake') },
      routes: { successRedirect: '/home' },
    });
  });
  afterAll(async () => {
    await running.close();
    await provider.close();
  });
  afterEach(() => provider.reset());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${running.url}${path}`, { redirect: 'manual', headers: { 'x-user': 'ada', ...headers } });
  const tokenRequests = () => provider.requestsTo('/oauth/token');

  /** A live flow of ada's: its state, code and binding cookie. */
  async function liveFlow(): Promise<{ state: string; code: string; cookie: string }> {
    const authorize = await get('/oauth/fake/authorize');
    expect(authorize.status).toBe(302);
    const callback = await provider.authorize(authorize.headers.get('location')!);
    return { state: callback.get('state')!, code: callback.get('code')!, cookie: cookiesFrom(authorize) };
  }

  it('property: for any query, no 5xx but the provider refusing a code, no token request without a live state, nothing reflected', async () => {
    let successes = 0;
    let refusals = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(pairArbitrary, { maxLength: 6 }), liveArbitrary, async (random, live) => {
        const pairs: Pair[] = [...random];
        let flow: { state: string; code: string; cookie: string } | undefined;
        if (live) {
          flow = await liveFlow();
          const ours: Pair[] = [{ name: 'state', value: flow.state, encoded: true }];
          if (live.stateTwice) ours.push({ name: 'state', value: flow.state, encoded: true });
          if (live.code !== undefined)
            ours.push({ name: 'code', value: live.code === 'live' ? flow.code : live.code, encoded: true });
          pairs.splice(live.position % (pairs.length + 1), 0, ...ours);
        }
        const query = queryOf(pairs);
        const before = tokenRequests().length;
        const response = await get(
          `/oauth/fake/callback?${query}`,
          flow && live?.withCookie ? { cookie: flow.cookie } : {},
        );
        const text = await answerText(response);
        const sent = tokenRequests().slice(before);

        // A token request only for the live state, given once as `state`, and at most one.
        if (!flow) expect(sent).toHaveLength(0);
        else {
          expect(sent.length).toBeLessThanOrEqual(1);
          if (sent.length === 1) {
            // What the server received: the URL parser drops tabs and newlines, and everything after a '#'.
            const parsed = new URL(`${running.url}/oauth/fake/callback?${query}`).searchParams;
            expect(parsed.getAll('state')).toEqual([flow.state]);
            expect(sent[0]!.params.code).toBe(parsed.get('code'));
          }
        }
        // No 5xx, except the documented 502 when the provider refused the code the callback carried.
        if (response.status >= 500) {
          expect(sent).toHaveLength(1);
          expect(response.status).toBe(502);
          expect(text).toContain('"error":"token_request_error"');
          refusals++;
        }
        if (response.status === 302) {
          expect(sent).toHaveLength(1);
          expect(response.headers.get('location')).toBe('/home');
          successes++;
        }
        expect(response.status).toBeGreaterThanOrEqual(300);

        // Nothing of the query comes back, raw or encoded: neither a value we made up nor the live code or state.
        // The one documented echo is a provider's `error` that is a short RFC 6749 code.
        const values = pairs
          .filter(({ name, value }) => !(name === 'error' && SAFE_ERROR_CODE.test(value)))
          .flatMap(({ value }) => [value, encodeURIComponent(wellFormed(value))]);
        for (const value of values) if (value.trim().length >= 8) expect(text).not.toContain(value);
      }),
      propertyRuns(150),
    );
    // The cases reached both outcomes that involve the token endpoint, so the property was not vacuous.
    expect(successes).toBeGreaterThan(0);
    expect(refusals).toBeGreaterThan(0);
  }, 60_000);

  it('answers a callback URL over the server’s header limit with 431 and no token request', async () => {
    const flow = await liveFlow();
    const response = await get(`/oauth/fake/callback?state=${flow.state}&code=${flow.code}&pad=${'A'.repeat(20_000)}`, {
      cookie: flow.cookie,
    });
    expect(response.status).toBe(431);
    expect(tokenRequests()).toHaveLength(0);
  });

  it('never exchanges a pending authorization that lost its PKCE verifier: 400 invalid_state, no token request', async () => {
    const flow = await liveFlow();
    const store = running.app.get<StateStore>(STATE_STORE);
    const record = (await store.peek(flow.state))!;
    expect(record.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    delete record.codeVerifier;
    await store.save(flow.state, record, 600);
    const response = await get(`/oauth/fake/callback?state=${flow.state}&code=${flow.code}`, { cookie: flow.cookie });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      statusCode: 400,
      error: 'invalid_state',
      message: 'The pending authorization has no PKCE verifier; it cannot be redeemed.',
    });
    expect(tokenRequests()).toHaveLength(0);
    expect(await store.peek(flow.state)).toBeUndefined();
  });
});
