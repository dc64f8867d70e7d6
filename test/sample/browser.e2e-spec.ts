// The sample as a person uses it: `npm start`'s app (built to sample/01-local-provider/dist), driven in
// headless Chromium (see test/support/browser.ts for which one): Connect -> sign in at the embedded
// authorization server -> Allow -> back, connected; and what the page says when something goes wrong.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SAMPLE_MAIN = join(root, 'sample/01-local-provider/dist/main.js');
export const SCREENSHOT = join(root, 'test/artifacts/sample-connected.png');
const DECLINED_SCREENSHOT = join(root, 'test/artifacts/sample-declined.png');

/** What a person reads for each code the routes (and the sample) send to the page. */
const SENTENCES: Record<string, string> = {
  access_denied: 'You declined access, so nothing was connected.',
  invalid_state: 'This link was already used or has expired. Start again with Connect.',
  invalid_callback: "The provider's answer was incomplete or malformed, so nothing was connected. Try again.",
  authorization_error: 'The provider refused the request, so nothing was connected.',
  invalid_scope: 'The provider did not accept the permissions this app asks for, so nothing was connected.',
  server_error: 'The provider is having trouble right now. Try again in a moment.',
  token_request_error: 'The provider refused to issue tokens for this sign-in, so nothing was connected. Try again.',
  token_endpoint_error: 'The provider could not be reached, or its answer could not be used. Try again in a moment.',
  store_unavailable: 'The app cannot store connections right now. Try again in a moment.',
  state_store_full: 'Too many connections are being started right now. Try again in a moment.',
  unknown_provider: 'This app does not offer that provider.',
  internal_error: 'Something went wrong on our side, so nothing was connected.',
  sign_in_required: 'You were not signed in, so nothing was connected. You are signed in now: click Connect again.',
  revocation_failed: 'Disconnecting failed: the provider did not confirm it, so the connection is kept. Try again.',
};
const GENERIC = 'The connection failed. Try again.';

describe('the sample in a browser', () => {
  let sample: ChildProcess;
  let origin: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!existsSync(SAMPLE_MAIN))
      throw new Error(`${SAMPLE_MAIN} is missing: run "npm run build:sample" (npm test does)`);
    sample = spawn(process.execPath, [SAMPLE_MAIN], {
      env: {
        ...process.env,
        PORT: '0',
        SAMPLE_QUIET: '1',
        NODE_OPTIONS: '',
        REDIS_URL: '',
        GITHUB_CLIENT_ID: '',
        STACKEXCHANGE_CLIENT_ID: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    origin = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`the sample did not start:\n${output}`)), 40_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Sample app listening on (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      sample.stdout!.on('data', read);
      sample.stderr!.on('data', read);
      sample.once('exit', (code) => reject(new Error(`the sample exited with ${code}:\n${output}`)));
    });
    ({ browser } = await launchChromium());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (sample && sample.exitCode === null) {
      await new Promise<void>((resolve) => {
        sample.once('exit', () => resolve());
        sample.kill('SIGTERM');
      });
    }
  });

  /** A fresh browser profile: no demo user, no session at the authorization server. */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    return context.newPage();
  }

  /** At the local authorization server: sign in if it asks, then Allow or Deny; back on the app's page. */
  async function decide(page: Page, decision: 'allow' | 'deny', username = 'ada'): Promise<void> {
    await page.locator('#username, #allow').first().waitFor();
    if (await page.locator('#username').isVisible()) {
      await page.fill('#username', username);
      await page.click('#sign-in');
    }
    await page.click(decision === 'allow' ? '#allow' : '#deny');
    await page.waitForURL(`${origin}/`);
  }

  const local = (page: Page) => page.locator('[data-provider="local"]');
  const notice = (page: Page) => page.locator('.error');

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
  });

  it('connects the local provider: connect, sign in, allow, back, connected', async () => {
    const page = await newPage();
    const visited: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url());
    });
    await page.goto(origin);
    await expect(local(page).locator('.status').textContent()).resolves.toBe('not connected');

    await page.click('#connect-local');
    await page.waitForSelector('#username');
    expect(new URL(page.url()).origin).not.toBe(origin);
    // While the flow is pending, the binding cookie holds the browser id and the flow's value, for the whole host.
    const binding = (await page.context().cookies(origin)).find((cookie) => cookie.name === 'acf-oauth');
    expect(binding).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
      value: expect.stringMatching(/^[\w-]{43}\.[\w-]{43}$/),
    });
    await decide(page, 'allow');
    await page.waitForSelector('[data-provider="local"].connected');

    expect(page.url()).toBe(`${origin}/`);
    await expect(local(page).locator('.status').textContent()).resolves.toBe('Connected');
    await expect(local(page).locator('.scopes').textContent()).resolves.toContain('openid');
    // The local server's access tokens live an hour; the page says how long is left, the exact time on hover.
    await expect(local(page).locator('.expiry').textContent()).resolves.toMatch(/^expires in (5\d|60) minutes$/);
    await expect(local(page).locator('.expiry time').getAttribute('title')).resolves.toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
    );
    await expect(notice(page).count()).resolves.toBe(0);
    // The code and state never reach a page the app renders, and the callback left no trace in the URL.
    const appPages = visited.filter((url) => url.startsWith(origin));
    expect(appPages.every((url) => !/[?&](code|state)=/.test(url))).toBe(true);
    // The callback spent the flow's value, the only one: the cookie is gone.
    expect((await page.context().cookies(origin)).find((cookie) => cookie.name === 'acf-oauth')).toBeUndefined();

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);

    // Disconnect revokes the refresh token at the local server and forgets the tokens.
    await local(page).locator('button').click();
    await page.waitForSelector('[data-provider="local"]:not(.connected)');
    await expect(local(page).locator('.status').textContent()).resolves.toBe('not connected');
  });

  it('says a declined connection in words, and shows it no more once a later connection succeeds', async () => {
    const page = await newPage();
    await page.goto(origin);
    await page.click('#connect-local');
    await decide(page, 'deny');
    // The page carries no ?error= (a reload or the Back button cannot bring the notice back).
    expect(page.url()).toBe(`${origin}/`);
    await expect(notice(page).textContent()).resolves.toBe(SENTENCES.access_denied);
    await expect(page.locator('body').textContent()).resolves.not.toContain('access_denied');
    mkdirSync(dirname(DECLINED_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: DECLINED_SCREENSHOT, fullPage: true });

    // A second tab connects; the first, reloaded, shows the connection and no old failure.
    const other = await page.context().newPage();
    let callback: string | undefined;
    other.on('request', (request) => {
      if (request.url().startsWith(`${origin}/oauth/local/callback?`)) callback = request.url();
    });
    await other.goto(origin);
    await other.click('#connect-local');
    await decide(other, 'allow');
    await expect(local(other).locator('.status').textContent()).resolves.toBe('Connected');
    await expect(notice(other).count()).resolves.toBe(0);
    await page.reload();
    await expect(local(page).locator('.status').textContent()).resolves.toBe('Connected');
    await expect(notice(page).count()).resolves.toBe(0);

    // The provider's redirect, replayed (a bookmarked or re-sent link): its state was used.
    expect(callback).toMatch(/[?&]code=/);
    await other.goto(callback!);
    expect(other.url()).toBe(`${origin}/`);
    await expect(notice(other).textContent()).resolves.toBe(SENTENCES.invalid_state);
    await expect(local(other).locator('.status').textContent()).resolves.toBe('Connected');
  });

  it('sends a Connect without a signed-in user back to the page with a message, not a JSON 401', async () => {
    const page = await newPage();
    // A fresh browser following a Connect link (say, a bookmark) has no demo user yet.
    const response = await page.goto(`${origin}/oauth/local/authorize?returnTo=%2F`);
    expect(page.url()).toBe(`${origin}/`);
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-type']).toMatch(/^text\/html/);
    await expect(notice(page).textContent()).resolves.toBe(SENTENCES.sign_in_required);
    await expect(page.content()).resolves.not.toContain('Sign in before connecting');
    // The page signed the browser in: Connect now goes to the provider.
    await page.click('#connect-local');
    await page.waitForSelector('#username');
    expect(new URL(page.url()).origin).not.toBe(origin);
  });

  it('says an unknown provider in words, not a JSON 404', async () => {
    const page = await newPage();
    await page.goto(origin);
    await page.goto(`${origin}/oauth/nope/authorize?returnTo=%2F`);
    expect(page.url()).toBe(`${origin}/`);
    await expect(notice(page).textContent()).resolves.toBe(SENTENCES.unknown_provider);
  });

  it('puts every failure code in words, and never shows what the query carried', async () => {
    const page = await newPage();
    for (const [code, sentence] of Object.entries(SENTENCES)) {
      await page.goto(`${origin}/?error=${code}`);
      expect(page.url()).toBe(`${origin}/`);
      await expect(notice(page).textContent()).resolves.toBe(sentence);
    }
    const raw = [
      'made_up_code',
      '<img src=x onerror=alert(1)>',
      'access_denied<b>',
      'toString',
      '__proto__',
      'x'.repeat(5000),
    ];
    for (const value of raw) {
      await page.goto(`${origin}/?error=${encodeURIComponent(value)}`);
      await expect(notice(page).textContent()).resolves.toBe(GENERIC);
      await expect(page.locator('body').textContent()).resolves.not.toContain(value);
    }
    // Given twice, it is no known code either.
    await page.goto(`${origin}/?error=access_denied&error=invalid_state`);
    await expect(notice(page).textContent()).resolves.toBe(GENERIC);
    // Shown once: a reload has nothing to say.
    await page.reload();
    await expect(notice(page).count()).resolves.toBe(0);
  });

  it('keeps the expiry relative while the page stays open: an hour later, "expired 3 minutes ago"', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    await context.clock.install();
    const page = await context.newPage();
    await page.goto(origin);
    await page.click('#connect-local');
    await decide(page, 'allow');
    await expect(local(page).locator('.expiry').textContent()).resolves.toMatch(/^expires in (5\d|60) minutes$/);
    await page.clock.fastForward('01:03:00');
    await expect(local(page).locator('.expiry').textContent()).resolves.toBe('expired 3 minutes ago');
  });
});
