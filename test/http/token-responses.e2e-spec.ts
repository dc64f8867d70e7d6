// What the callback route answers for hostile or odd token endpoint answers, on Express and Fastify: no
// provider text in the JSON body, no 500 for a deeply nested body, no prototype change in the stored raw.
// Transport faults, statuses and unusable bodies (a 503 with Retry-After among them) are one table in
// test/flow-manager/token-endpoint-faults.e2e-spec.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ServerResponse } from 'node:http';
import { TOKEN_STORE, type TokensEvent, type TokenStore } from '../../lib/index.js';
import { MAX_TOKEN_RESPONSE_DEPTH } from '../../lib/auth-code-flow.constants.js';
import { FakeProvider, json } from '../support/fake-provider.js';
import { cookiesFrom, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { CLIENT_SECRET, fakeClientOptions } from '../support/testing-module.js';
import { allowedTokenResponseMessages } from '../support/token-response-messages.js';
import { propertyRuns } from '../support/property-runs.js';

describe.each(PLATFORMS)('the callback route and hostile token responses on %s', (platform) => {
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

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${running.url}${path}`, { redirect: 'manual', headers });
  const tokenStore = () => running.app.get<TokenStore>(TOKEN_STORE);

  /** A whole flow for `user` whose token request is answered by `reply`; returns the callback's response. */
  async function callbackWith(reply: (res: ServerResponse) => void, user = 'ada'): Promise<Response> {
    provider.on('POST', '/oauth/token', (_request, res) => reply(res));
    const authorize = await get('/oauth/fake/authorize', { 'x-user': user });
    expect(authorize.status).toBe(302);
    const callback = await provider.authorize(authorize.headers.get('location')!);
    return get(`/oauth/fake/callback?${callback.toString()}`, { 'x-user': user, cookie: cookiesFrom(authorize) });
  }

  it('property: for any token endpoint answer, the JSON body is our code and our words, never its text', async () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.stringMatching(/^[a-z][a-z _.\r\n"<>-]{7,30}$/),
      fc.constantFrom(
        'invalid_grant\r\nSet-Cookie: x=1',
        '<script>alert(1)</script>',
        'mac',
        `echo client_secret=${CLIENT_SECRET}`,
      ),
      fc.string({ maxLength: 6 }).map((chunk) => `${chunk}\r\n`.repeat(10_000)),
    );
    const field = (value: fc.Arbitrary<unknown>) => fc.option(value, { nil: undefined });
    const answer = fc.record({
      status: fc.constantFrom(200, 400, 401, 429, 500, 503),
      contentType: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/html'),
      fields: fc.record(
        {
          error: field(fc.oneof(text, fc.jsonValue({ maxDepth: 2 }))),
          error_description: field(text),
          token_type: field(fc.oneof(text, fc.constant('bearer'))),
          access_token: field(fc.oneof(text, fc.constant('at'))),
          expires_in: field(fc.oneof(text, fc.integer())),
        },
        { requiredKeys: [] },
      ),
    });

    await fc.assert(
      fc.asyncProperty(answer, async ({ status, contentType, fields }) => {
        const strings = Object.values(fields).filter((value): value is string => typeof value === 'string');
        const body =
          contentType === 'application/x-www-form-urlencoded'
            ? new URLSearchParams(
                Object.entries(fields).filter(([, value]) => typeof value === 'string') as Array<[string, string]>,
              ).toString()
            : contentType === 'text/html'
              ? strings.join('<br>')
              : JSON.stringify(fields);
        const response = await callbackWith((res) => res.writeHead(status, { 'Content-Type': contentType }).end(body));
        if (response.status === 302) return;
        const raw = await response.text();
        const answered = JSON.parse(raw) as { statusCode: number; error: string; message: string };
        expect(answered.statusCode).toBe(502);
        expect(['token_request_error', 'token_endpoint_error']).toContain(answered.error);
        const allowed = allowedTokenResponseMessages('token', status);
        expect(allowed).toContain(answered.message);
        for (const value of strings) {
          if (value.trim().length >= 8 && ![...allowed].some((ours) => ours.includes(value)))
            expect(raw).not.toContain(value);
        }
        expect(raw).not.toMatch(/[\r\n]/);
      }),
      propertyRuns(25),
    );
  });

  it('answers a token response nested 5,000 levels deep with 502 invalid_response, not 500, and stores nothing', async () => {
    const deep = `{"access_token":"deep","token_type":"Bearer","x":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
    const response = await callbackWith((res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(deep));
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      statusCode: 502,
      error: 'token_endpoint_error',
      message: `The token request failed: the token response nests deeper than ${MAX_TOKEN_RESPONSE_DEPTH} levels.`,
    });
    expect(await tokenStore().get('fake', 'ada')).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('stores a raw without __proto__ members, with Object.prototype, and leaves Object.prototype alone', async () => {
    const body =
      '{"access_token":"proto","token_type":"Bearer","__proto__":{"isAdmin":true},"team":{"__proto__":{"isAdmin":true},"id":"T1"}}';
    const response = await callbackWith(
      (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(body),
      'grace',
    );
    expect(response.status).toBe(302);
    const stored = (await tokenStore().get('fake', 'grace'))!;
    expect(stored.accessToken).toBe('proto');
    expect(stored.raw).toEqual({ access_token: 'proto', token_type: 'Bearer', team: { id: 'T1' } });
    expect(Object.getPrototypeOf(stored.raw)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(stored.raw.team)).toBe(Object.prototype);
    expect((stored.raw as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });

  it("answers a provider's error text with token_request_error and a message of our own", async () => {
    const echo = {
      error: `invalid_request: client_secret=${CLIENT_SECRET}\r\nSet-Cookie: a=1`,
      error_description: `got code=${'x'.repeat(50)}`,
    };
    const response = await callbackWith((res) => json(res, 400, echo));
    const raw = await response.text();
    expect(response.status).toBe(502);
    expect(JSON.parse(raw)).toEqual({
      statusCode: 502,
      error: 'token_request_error',
      message: 'The token request was rejected by the provider (HTTP 400).',
    });
    expect(raw).not.toContain(CLIENT_SECRET);
    expect(raw).not.toContain('x'.repeat(50));
  });
});
