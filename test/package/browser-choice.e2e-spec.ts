// test/support/browser.ts: which Chromium the browser tests drive, and @sparticuz/chromium's unpacking.
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chooseChromium, SYSTEM_CHROMIUM, unpackSparticuzChromium } from '../support/browser.js';

const run = promisify(execFile);

describe("the browser tests' Chromium", () => {
  it('is CHROMIUM_PATH when set, and a CHROMIUM_PATH that does not exist is an error naming it', async () => {
    await expect(chooseChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).rejects.toThrow(
      'CHROMIUM_PATH names /nonexistent/chromium, which does not exist',
    );
    await expect(chooseChromium({ CHROMIUM_PATH: process.execPath })).resolves.toMatchObject({
      source: 'CHROMIUM_PATH',
      executablePath: process.execPath,
    });
  });

  it("is Debian's when present, else the one inside @sparticuz/chromium, without its Lambda-only flags", async () => {
    const choice = await chooseChromium({});
    if (existsSync(SYSTEM_CHROMIUM)) {
      expect(choice).toMatchObject({ source: 'system', executablePath: SYSTEM_CHROMIUM });
    } else {
      expect(choice.source).toBe('@sparticuz/chromium');
      expect(existsSync(choice.executablePath)).toBe(true);
      expect(choice.args).toContain('--no-sandbox');
      expect(choice.args).not.toContain('--single-process');
      expect(choice.args).not.toContain('--disable-web-security');
    }
  });

  it('unpacks @sparticuz/chromium complete when two runs unpack at once, and leaves no partial directory', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'acf-chromium-cache-'));
    try {
      const [first, second] = await Promise.all([unpackSparticuzChromium(cacheDir), unpackSparticuzChromium(cacheDir)]);
      expect(second).toBe(first);
      expect(readdirSync(cacheDir)).toEqual([expect.stringMatching(/^nestjs-auth-code-flow-chromium-\d+\.\d+\.\d+$/)]);
      const { stdout } = await run(first, ['--version']);
      expect(stdout).toMatch(/Chrom(e|ium)/);
      // Unpacked once, it is reused.
      await expect(unpackSparticuzChromium(cacheDir)).resolves.toBe(first);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 60_000);
});
