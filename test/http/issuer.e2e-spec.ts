import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { gitlab, type FlowManagerOptions } from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { cookiesFrom, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { CLIENT_SECRET, fakeClientOptions } from '../support/testing-module.js';

// RFC 9207 on the built-in routes: an `iss` the module cannot check is refused unless the app opted out,
// error responses included; a preset's issuer refuses another provider's `iss`. No refused callback
// reaches the token endpoint.
describe.each(PLATFORMS)('the callback’s iss on %s', (platform) => {
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

  async function start(options: FlowManagerOptions): Promise<void> {
    running = await startHttpApp(platform, { providers: { fake: options } });
  }

  const get = (path: string, cookie = '') =>
    fetch(`${running!.url}${path}`, { redirect: 'manual', headers: { 'x-user': 'ada', cookie } });
  const tokenRequests = () => provider.requestsTo('/oauth/token').length;

  /** authorize, then the provider's consent; the callback query gets `extra` (e.g. an `iss`). */
  async function callback(extra: Record<string, string>): Promise<Response> {
    const started = await get('/oauth/fake/authorize');
    expect(started.status).toBe(302);
    const query = await provider.authorize(started.headers.get('location')!);
    for (const [name, value] of Object.entries(extra)) query.set(name, value);
    return get(`/oauth/fake/callback?${query}`, cookiesFrom(started));
  }

  it('refuses an iss when the provider has no issuer: 400 invalid_callback, and no token request', async () => {
    await start(fakeClientOptions(provider));
    const response = await callback({ iss: 'https://idp.example' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      statusCode: 400,
      error: 'invalid_callback',
      message: 'The callback carries "iss" but no issuer is configured to check it against (RFC 9207).',
    });
    expect(tokenRequests()).toBe(0);
  });

  it('checks the iss of an error response before the error: an unverifiable one is invalid_callback, not access_denied', async () => {
    await start(fakeClientOptions(provider));
    const started = await get('/oauth/fake/authorize');
    const state = new URL(started.headers.get('location')!).searchParams.get('state')!;
    const query = new URLSearchParams({ state, error: 'access_denied', iss: 'https://idp.example' });
    const response = await get(`/oauth/fake/callback?${query}`, cookiesFrom(started));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_callback' });
  });

  it('still accepts a callback without iss', async () => {
    await start(fakeClientOptions(provider));
    expect((await callback({})).status).toBe(302);
    expect(tokenRequests()).toBe(1);
  });

  it('takes an unverified iss with allowUnverifiedIssuer: true', async () => {
    await start(fakeClientOptions(provider, 'fake', { allowUnverifiedIssuer: true }));
    const response = await callback({ iss: 'https://anything.example' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/');
    expect(tokenRequests()).toBe(1);
  });

  it('with a preset’s issuer (GitLab: the instance URL), refuses another iss and takes its own', async () => {
    const registered = fakeClientOptions(provider);
    const options = gitlab({
      clientId: registered.clientId,
      clientSecret: CLIENT_SECRET,
      redirectUri: registered.redirectUri,
      baseUri: provider.url,
    });
    expect(options.issuer).toBe(provider.url);
    await start(options);

    const mixedUp = await callback({ iss: 'https://gitlab.com' });
    expect(mixedUp.status).toBe(400);
    expect(await mixedUp.json()).toMatchObject({
      error: 'invalid_callback',
      message: expect.stringContaining('does not match'),
    });
    expect(tokenRequests()).toBe(0);

    expect((await callback({ iss: provider.url })).status).toBe(302);
    expect(tokenRequests()).toBe(1);
  });
});
