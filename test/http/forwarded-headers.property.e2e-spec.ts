// The redirect URI comes from configuration only, whatever Host and X-Forwarded-* a request carries, on Express
// (also with `trust proxy`) and Fastify (SECURITY.md, P15; RFC 9700 §4.13).
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { FakeProvider } from '../support/fake-provider.js';
import { PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { captureHeaders } from '../support/leak-capture.js';
import { propertyRuns } from '../support/property-runs.js';
import { fakeClientOptions } from '../support/testing-module.js';

const REDIRECT_URI = 'https://app.example/oauth/fake/callback';

interface Answer {
  status: number;
  location?: string;
  /** The cookies it sets, as a Cookie header. */
  cookie: string;
}

/** A GET with headers as given (fetch refuses to set Host). */
function getWithHeaders(url: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { headers }, (response) => {
      captureHeaders('GET', url, response.statusCode!, response.headers);
      response.resume();
      const cookie = (response.headers['set-cookie'] ?? []).map((line) => line.split(';')[0]).join('; ');
      response.on('end', () => resolve({ status: response.statusCode!, location: response.headers.location, cookie }));
    });
    sent.on('error', reject);
    sent.end();
  });
}

const host = fc.oneof(
  fc.constantFrom(
    'evil.example',
    'evil.example:443',
    'app.example.evil.example',
    '127.0.0.1:1',
    '[::1]:8080',
    'localhost',
  ),
  fc.domain(),
);
const proto = fc.constantFrom('http', 'https', 'javascript', 'https, http');
const headersArbitrary = fc.record(
  {
    host,
    'x-forwarded-host': host,
    'x-forwarded-proto': proto,
    'x-forwarded-port': fc.constantFrom('80', '443', '8443'),
    'x-forwarded-prefix': fc.constantFrom('/evil', '//evil.example'),
    'x-original-url': fc.constantFrom('/evil', 'https://evil.example/oauth/fake/callback'),
    forwarded: fc.tuple(host, proto).map(([h, p]) => `for=192.0.2.1;host=${h};proto=${p}`),
  },
  { requiredKeys: ['host'] },
);

describe.each(PLATFORMS)('the redirect URI and request headers on %s', (platform) => {
  let provider: FakeProvider;
  let running: RunningApp;

  beforeAll(async () => {
    provider = await FakeProvider.start();
    running = await startHttpApp(platform, {
      providers: { fake: fakeClientOptions(provider, 'fake', { redirectUri: REDIRECT_URI }) },
    });
    // Express believing every proxy header is the worst case: its request.protocol and hostname then follow them.
    const instance: unknown = running.app.getHttpAdapter().getInstance();
    if (platform === 'express') (instance as { set(name: string, value: unknown): void }).set('trust proxy', true);
  });
  afterAll(async () => {
    await running.close();
    await provider.close();
  });
  afterEach(() => provider.reset());

  it('property: for any Host and X-Forwarded-* headers, authorize sends the configured redirect_uri, and the token request repeats it', async () => {
    await fc.assert(
      fc.asyncProperty(headersArbitrary, async (headers) => {
        const answer = await getWithHeaders(`${running.url}/oauth/fake/authorize`, { ...headers, 'x-user': 'ada' });
        expect(answer.status).toBe(302);
        const location = new URL(answer.location!);
        expect(location.origin).toBe(provider.url);
        expect(location.searchParams.getAll('redirect_uri')).toEqual([REDIRECT_URI]);

        const callback = await provider.authorize(location.href);
        const before = provider.requestsTo('/oauth/token').length;
        const done = await getWithHeaders(`${running.url}/oauth/fake/callback?${callback}`, {
          ...headers,
          'x-user': 'ada',
          cookie: answer.cookie,
        });
        expect(done.status).toBe(302);
        const sent = provider.requestsTo('/oauth/token').slice(before);
        expect(sent.map((tokenRequest) => tokenRequest.params.redirect_uri)).toEqual([REDIRECT_URI]);
      }),
      propertyRuns(100),
    );
  }, 30_000);
});
