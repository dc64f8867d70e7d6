// The sample as a person uses it: `npm start`'s app (built to sample/01-local-provider/dist), driven in
// headless Chromium (see test/support/browser.ts for which one): Connect -> sign in at the embedded
// authorization server -> Allow -> back, connected.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLE_MAIN = join(root, 'sample/01-local-provider/dist/main.js');
export const SCREENSHOT = join(root, 'test/artifacts/sample-connected.png');

describe('the sample in a browser', () => {
  let sample: ChildProcess;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(SAMPLE_MAIN)) throw new Error(`${SAMPLE_MAIN} is missing: run "npm run build:sample" (npm test does)`);
    sample = spawn(process.execPath, [SAMPLE_MAIN], {
      env: { ...process.env, PORT: '0', SAMPLE_QUIET: '1', NODE_OPTIONS: '', REDIS_URL: '', GITHUB_CLIENT_ID: '', STACKEXCHANGE_CLIENT_ID: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    origin = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`the sample did not start:\n${output}`)), 20_000);
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

  it('connects the local provider: connect, sign in, allow, back, connected', async () => {
    const page = await browser.newPage();
    const visited: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url());
    });
    await page.goto(origin);
    await expect(page.locator('[data-provider="local"] .status').textContent()).resolves.toBe('not connected');

    await page.click('#connect-local');
    await page.waitForSelector('#username');
    expect(new URL(page.url()).origin).not.toBe(origin);
    await page.fill('#username', 'ada');
    await page.click('#sign-in');
    await page.click('#allow');
    await page.waitForSelector('[data-provider="local"].connected');

    expect(page.url()).toBe(`${origin}/`);
    await expect(page.locator('[data-provider="local"] .status').textContent()).resolves.toBe('Connected');
    await expect(page.locator('[data-provider="local"] .scopes').textContent()).resolves.toContain('openid');
    await expect(page.locator('[data-provider="local"] .expiry').textContent()).resolves.toMatch(/^expires \d{4}-\d\d-\d\d/);
    // The code and state never reach a page the app renders, and the callback left no trace in the URL.
    const appPages = visited.filter((url) => url.startsWith(origin));
    expect(appPages.every((url) => !/[?&](code|state)=/.test(url))).toBe(true);
    const cookies = await page.context().cookies(origin);
    expect(cookies.find((cookie) => cookie.name === 'acf-binding')).toBeUndefined(); // scoped to /oauth/local/
    expect((await page.context().cookies(`${origin}/oauth/local/callback`)).find((cookie) => cookie.name === 'acf-binding')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);

    // Disconnect revokes the refresh token at the local server and forgets the tokens.
    await page.click('[data-provider="local"] button');
    await page.waitForSelector('[data-provider="local"]:not(.connected)');
    await expect(page.locator('[data-provider="local"] .status').textContent()).resolves.toBe('not connected');
  });

  it('shows a denied connection as an error, without reflecting anything raw', async () => {
    const page = await browser.newPage();
    await page.goto(origin);
    await page.click('#connect-local');
    // The authorization server remembers this browser context only per page context: a new page shares it.
    const consent = page.locator('#deny');
    const signIn = page.locator('#username');
    await Promise.race([consent.waitFor(), signIn.waitFor()]);
    if (await signIn.isVisible()) {
      await page.fill('#username', 'bob');
      await page.click('#sign-in');
    }
    await page.click('#deny');
    await page.waitForSelector('.error');
    await expect(page.locator('.error code').textContent()).resolves.toBe('access_denied');
  });
});
