// Open-redirect defence through the real routes: whatever `returnTo` a link carries, the callback's
// Location keeps the browser on the app's origin (SECURITY.md 11).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { FakeProvider } from '../support/fake-provider.js';
import { cookiesFrom, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { redirectTargetArbitrary, resolvedOrigin } from '../support/redirect-arbitraries.js';
import { fakeClientOptions } from '../support/testing-module.js';
import { propertyRuns } from '../support/property-runs.js';

/** A `returnTo` query value: an attack string percent-encoded, or arbitrary bytes (also invalid UTF-8). */
const returnToQuery: fc.Arbitrary<string> = fc.oneof(
  redirectTargetArbitrary.map((value) =>
    encodeURIComponent((value as string & { toWellFormed(): string }).toWellFormed()),
  ),
  fc
    .uint8Array({ maxLength: 24 })
    .map((bytes) => `%2F${[...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')}`),
);

describe.each(PLATFORMS)('returnTo through the routes on %s', (platform) => {
  let provider: FakeProvider;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    provider = await FakeProvider.start();
  });
  afterAll(() => provider.close());
  afterEach(async () => {
    await running?.close();
    running = undefined;
    provider.reset();
  });

  async function locationAfterFlow(returnTo: string): Promise<string> {
    const headers = { 'x-user': 'ada' };
    const authorize = await fetch(`${running!.url}/oauth/fake/authorize?returnTo=${returnTo}`, {
      redirect: 'manual',
      headers,
    });
    expect(authorize.status).toBe(302);
    const callback = await provider.authorize(authorize.headers.get('location')!);
    const done = await fetch(`${running!.url}/oauth/fake/callback?${callback.toString()}`, {
      redirect: 'manual',
      headers: { ...headers, cookie: cookiesFrom(authorize) },
    });
    expect(done.status).toBe(302);
    return done.headers.get('location')!;
  }

  it.each([
    '%2F.%2F%2Fevil.example',
    '%2F%252e%252e%2F%2Fevil.example',
    '%2F%2e%2e%2F%2Fevil.example%2Fx',
    '%2Fa%2F..%2F%2Fevil.example',
    '%2F.%2F%5Cevil.example',
  ])('falls back to successRedirect for %s', async (returnTo) => {
    running = await startHttpApp(platform, {
      providers: { fake: fakeClientOptions(provider, 'fake') },
      routes: { successRedirect: '/home' },
    });
    expect(await locationAfterFlow(returnTo)).toBe('/home');
  });

  it('for any returnTo, the callback sends the browser to successRedirect or to a path on the app origin', async () => {
    running = await startHttpApp(platform, {
      providers: { fake: fakeClientOptions(provider, 'fake') },
      routes: { successRedirect: '/home' },
    });
    const origin = new URL(running.url).origin;
    await fc.assert(
      fc.asyncProperty(returnToQuery, async (returnTo) => {
        const location = await locationAfterFlow(returnTo);
        expect(location.startsWith('/')).toBe(true);
        expect(resolvedOrigin(location, `${running!.url}/oauth/fake/callback`)).toBe(origin);
      }),
      propertyRuns(150),
    );
  }, 60_000);
});
