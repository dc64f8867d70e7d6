import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { FlowManagerRegistry, STATE_STORE, type AuthCodeFlowModuleOptions, type StateStore } from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { CookieJar } from '../support/local-authorization-server.js';
import { fakeClientOptions } from '../support/testing-module.js';
import { propertyRuns } from '../support/property-runs.js';

const PART = /^[A-Za-z0-9_-]{43}$/;
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/** One browser: a cookie jar (names, paths, Max-Age) in front of fetch, following no redirect. */
class Browser {
  readonly jar = new CookieJar();
  constructor(
    private readonly base: string,
    private readonly user: string | undefined = 'ada',
  ) {}

  async get(path: string, extraHeaders: Record<string, string> = {}): Promise<Response> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { ...extraHeaders };
    if (this.user && headers['x-user'] === undefined) headers['x-user'] = this.user;
    const cookie = this.jar.header(url);
    if (cookie && headers.cookie === undefined) headers.cookie = cookie;
    const response = await fetch(url, { redirect: 'manual', headers });
    this.jar.store(url, response.headers.getSetCookie());
    return response;
  }

  /** The binding cookie this browser would send: its browser id and values. */
  binding(name = 'acf-oauth'): { id?: string; values: string[] } {
    const header = this.jar.header(new URL('/oauth/fake/callback', this.base)) ?? '';
    const cookie = header.split('; ').find((pair) => pair.startsWith(`${name}=`));
    if (!cookie) return { values: [] };
    const [id, ...values] = cookie.slice(name.length + 1).split('.');
    return { id, values };
  }
}

describe.each(PLATFORMS)('browser binding through the routes on %s', (platform) => {
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

  async function start(options: Partial<AuthCodeFlowModuleOptions> = {}): Promise<RunningApp> {
    // Registering the default client only when none is given: registering it re-registers its redirect URI.
    running = await startHttpApp(platform, {
      ...options,
      providers: options.providers ?? { fake: fakeClientOptions(provider, 'fake') },
    });
    return running;
  }
  const tokenRequests = () => provider.requestsTo('/oauth/token').length;
  const stateStore = () => running!.app.get<StateStore>(STATE_STORE);

  /** authorize in `browser`, then the provider's consent: the callback's path, the state and the authorize response. */
  async function authorize(browser: Browser, extraHeaders: Record<string, string> = {}, routes = '/oauth') {
    const response = await browser.get(`${routes}/fake/authorize`, extraHeaders);
    if (response.status !== 302) throw new Error(`authorize answered ${response.status}: ${await response.text()}`);
    const query = await provider.authorize(response.headers.get('location')!);
    return { callback: `${routes}/fake/callback?${query}`, state: query.get('state')!, response };
  }

  it('sets acf-<routes path>, Path=/, HttpOnly, SameSite=Lax, Max-Age on http; __Host- and Secure on https; never a Domain', async () => {
    await start({
      providers: {
        fake: fakeClientOptions(provider, 'fake', { redirectUri: 'http://127.0.0.1:3000/api/oauth/fake/callback' }),
      },
      routes: { path: 'api/oauth' },
      stateTtlSeconds: 120,
    });
    const plain = (await authorize(new Browser(running!.url), {}, '/api/oauth')).response.headers.getSetCookie();
    expect(plain).toHaveLength(1);
    expect(plain[0]).toMatch(
      /^acf-api\.oauth=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=120; HttpOnly; SameSite=Lax$/,
    );
    await running!.close();

    await start({
      providers: {
        fake: fakeClientOptions(provider, 'fake', { redirectUri: 'https://app.example/oauth/fake/callback' }),
      },
    });
    const browser = new Browser(running!.url);
    const first = await authorize(browser);
    const [secure] = first.response.headers.getSetCookie();
    expect(secure).toMatch(
      /^__Host-acf-oauth=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
    );
    expect(secure).not.toMatch(/domain/i);
    // The callback's deletion carries the same prefix requirements, or a browser would ignore it.
    const done = await browser.get(first.callback);
    expect(done.status).toBe(302);
    expect(done.headers.getSetCookie()).toEqual([
      '__Host-acf-oauth=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure',
    ]);
  });

  it('never binds a flow to a value the browser presented: a planted cookie stays useless to its planter', async () => {
    await start({ routes: { allowAnonymous: true } });
    const [id, v1, v2] = [0, 1, 2].map((i) => createHash('sha256').update(`attacker-${i}`).digest('base64url'));
    const planted = `acf-oauth=${id}.${v1}.${v2}`;
    const victim = new Browser(running!.url, undefined);
    const { callback, state, response } = await authorize(victim, { cookie: planted });

    const record = await stateStore().peek(state);
    expect(record?.browserBinding).toMatch(PART);
    expect([id, v1, v2].map(sha256)).not.toContain(record!.browserBinding);
    // The planted values stay for what they are worth (nothing), the id is only a quota owner; the flow's value is new.
    const [, ...values] = response.headers.getSetCookie()[0]!.split(';')[0]!.slice('acf-oauth='.length).split('.');
    expect(values.slice(0, 2)).toEqual([v1, v2]);
    expect(sha256(values[2]!)).toBe(record!.browserBinding);

    // The planter, holding only what it planted, cannot complete the victim's flow.
    const planter = new Browser(running!.url, undefined);
    const stolen = await planter.get(callback, { cookie: planted });
    expect(stolen.status).toBe(400);
    expect(await stolen.json()).toMatchObject({
      error: 'invalid_state',
      message: 'The state was issued to another browser.',
    });
    expect(tokenRequests()).toBe(0);
  });

  it('mints every flow its own binding value, whatever Cookie header the browser sends', async () => {
    await start({ routes: { allowAnonymous: true } });
    const part = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), fc.stringMatching(/^[A-Za-z0-9_.=-]{0,50}$/));
    const cookie = fc.oneof(
      fc.array(part, { minLength: 1, maxLength: 12 }).map((parts) => `acf-oauth=${parts.join('.')}`),
      fc.tuple(fc.stringMatching(/^[a-z-]{1,10}$/), part).map(([name, value]) => `${name}=${value}`),
    );
    const header = fc.array(cookie, { minLength: 1, maxLength: 4 }).map((cookies) => cookies.join('; '));
    await fc.assert(
      fc.asyncProperty(header, async (sent) => {
        const { state, response } = await authorize(new Browser(running!.url, undefined), { cookie: sent });
        const binding = (await stateStore().peek(state))!.browserBinding!;
        const tokens = sent.split(/[;=.\s]+/).filter(Boolean);
        expect(tokens.map(sha256)).not.toContain(binding);
        const minted = response.headers.getSetCookie()[0]!.split(';')[0]!.split('.').at(-1)!;
        expect(sha256(minted)).toBe(binding);
        expect(sent).not.toContain(minted);
      }),
      propertyRuns(40),
    );
  });

  it('reads two cookies under its name as none, and mints a new browser id', async () => {
    await start();
    const browser = new Browser(running!.url);
    const first = await authorize(browser);
    const [own] = browser.jar.header(new URL(running!.url))!.split('; ');
    const tossed = `acf-oauth=${sha256('tossed')}.${browser.binding().values[0]}`;
    const both = `${own}; ${tossed}`;
    const ownId = browser.binding().id!;
    const done = await browser.get(first.callback, { cookie: both });
    expect(done.status).toBe(400);
    expect(await done.json()).toMatchObject({ message: 'The state was issued to another browser.' });
    const next = await authorize(browser, { cookie: both });
    const [cookie] = next.response.headers.getSetCookie();
    expect(cookie).toMatch(/^acf-oauth=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43};/);
    expect(cookie).not.toContain(ownId);
    expect(tokenRequests()).toBe(0);
  });

  it('says where to start the flow when the browser sent no binding cookie (it started on another host)', async () => {
    await start();
    const startedElsewhere = await authorize(new Browser(running!.url));
    const response = await new Browser(running!.url).get(startedElsewhere.callback);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      statusCode: 400,
      error: 'invalid_state',
      message:
        "The browser sent no binding cookie for this flow; start the flow on http://127.0.0.1:3000, the redirect URI's origin.",
    });
    expect(tokenRequests()).toBe(0);
  });

  it('completes 5 tabs of one browser in any order', async () => {
    await start();
    const browser = new Browser(running!.url);
    const flows = [];
    for (let i = 0; i < 5; i++) flows.push(await authorize(browser));
    expect(browser.binding().values).toHaveLength(5);
    for (const i of [3, 0, 4, 1, 2]) expect((await browser.get(flows[i]!.callback)).status).toBe(302);
    expect(tokenRequests()).toBe(5);
    // All spent: the cookie is gone.
    expect(browser.binding()).toEqual({ values: [] });
  });

  it('with 12 tabs, keeps the newest 10: the 2 oldest fail with invalid_state and no token request, the rest succeed', async () => {
    await start();
    const browser = new Browser(running!.url);
    const flows = [];
    for (let i = 0; i < 12; i++) flows.push(await authorize(browser));
    expect(browser.binding().values).toHaveLength(10);
    for (const i of [7, 1, 11, 4, 0, 9, 2, 5, 10, 3, 8, 6]) {
      const response = await browser.get(flows[i]!.callback);
      if (i < 2) {
        expect(response.status).toBe(400);
        // Dropped from the cookie (wrong_browser), or evicted by the store's per-browser quota.
        const { message } = (await response.json()) as { message: string };
        expect(message).toMatch(/^The state (was issued to another browser|is unknown, expired or already used)\.$/);
      } else {
        expect(response.status).toBe(302);
      }
    }
    expect(tokenRequests()).toBe(10);
  });

  it("rejects a callback carrying another browser's cookie, with no token request, and leaves that cookie alone", async () => {
    await start();
    const mine = new Browser(running!.url);
    const theirs = new Browser(running!.url);
    const { callback } = await authorize(mine);
    const theirFlow = await authorize(theirs);
    const before = theirs.binding();
    const response = await theirs.get(callback);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'invalid_state',
      message: 'The state was issued to another browser.',
    });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(theirs.binding()).toEqual(before);
    expect(tokenRequests()).toBe(0);
    expect((await theirs.get(theirFlow.callback)).status).toBe(302);
  });

  it("answers every callback that consumed the state with a cookie without that flow's value", async () => {
    await start();
    const browser = new Browser(running!.url);
    const flows = [];
    for (let i = 0; i < 4; i++) flows.push(await authorize(browser));
    const { id, values } = browser.binding();

    // Success.
    const success = await browser.get(flows[1]!.callback);
    expect(success.status).toBe(302);
    expect(success.headers.getSetCookie()).toEqual([
      `acf-oauth=${id}.${values[0]}.${values[2]}.${values[3]}; Path=/; Max-Age=600; HttpOnly; SameSite=Lax`,
    ]);
    // The provider's error.
    const denied = new URLSearchParams({ state: flows[0]!.state, error: 'access_denied' });
    const refused = await browser.get(`/oauth/fake/callback?${denied}`);
    expect(refused.status).toBe(403);
    expect(browser.binding()).toEqual({ id, values: [values[2], values[3]] });
    // Another user's state, consumed and burnt.
    const otherUser = await browser.get(flows[3]!.callback, { 'x-user': 'mallory' });
    expect(otherUser.status).toBe(400);
    expect(browser.binding()).toEqual({ id, values: [values[2]] });
    // A failed token request.
    provider.on('POST', '/oauth/token', (_request, res) => res.writeHead(500).end());
    const failed = await browser.get(flows[2]!.callback);
    expect(failed.status).toBe(502);
    expect(failed.headers.getSetCookie()).toEqual(['acf-oauth=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax']);
    expect(browser.binding()).toEqual({ values: [] });
    // An unknown state consumed nothing: no cookie change.
    await authorize(browser);
    expect((await browser.get('/oauth/fake/callback?code=c&state=unknown')).headers.getSetCookie()).toEqual([]);
  });

  it('refuses a state the routes started when it is redeemed through fetchAccessToken, after consuming it', async () => {
    await start();
    const { state, callback } = await authorize(new Browser(running!.url));
    const code = new URL(callback, running!.url).searchParams.get('code')!;
    const manager = running!.app.get(FlowManagerRegistry).get('fake');
    await expect(manager.fetchAccessToken('ada', code, state)).rejects.toMatchObject({
      code: 'invalid_state',
      reason: 'wrong_browser',
    });
    await expect(manager.fetchAccessToken('ada', code, state)).rejects.toMatchObject({ reason: 'unknown_or_expired' });
    expect(tokenRequests()).toBe(0);
  });

  type Step = { kind: 'authorize' } | { kind: 'callback'; pick: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 3, arbitrary: fc.constant({ kind: 'authorize' as const }) },
    { weight: 2, arbitrary: fc.nat({ max: 1000 }).map((pick) => ({ kind: 'callback' as const, pick })) },
  );

  it('completes, in one browser, exactly the flows among its newest 10 live ones, for any order of authorizes and callbacks', async () => {
    await start({ routes: { allowAnonymous: true } });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const browser = new Browser(running!.url, undefined);
        const open: Array<{ callback: string; value: string }> = [];
        // The model of the cookie: the values of the live flows it still holds, newest last.
        let cookie: string[] = [];
        let browserId: string | undefined;
        let succeeded = 0;
        const tokensBefore = tokenRequests();
        for (const next of steps) {
          if (next.kind === 'authorize') {
            const { callback } = await authorize(browser);
            const held = browser.binding();
            if (browserId !== undefined) expect(held.id).toBe(browserId);
            browserId = held.id;
            const value = held.values.at(-1)!;
            open.push({ callback, value });
            cookie = [...cookie, value].slice(-10);
          } else if (open.length > 0) {
            const [flow] = open.splice(next.pick % open.length, 1);
            const response = await browser.get(flow!.callback);
            const live = cookie.includes(flow!.value);
            expect(response.status).toBe(live ? 302 : 400);
            if (live) succeeded++;
            cookie = cookie.filter((value) => value !== flow!.value);
            if (cookie.length === 0) browserId = undefined;
          }
          expect(browser.binding().values).toEqual(cookie);
        }
        expect(tokenRequests() - tokensBefore).toBe(succeeded);
      }),
      propertyRuns(30),
    );
  });
});
