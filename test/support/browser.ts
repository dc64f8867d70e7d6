// The Chromium the browser tests drive through playwright-core (which downloads no browser), chosen so
// that `npm ci && npm test` passes on a fresh machine:
//   1. CHROMIUM_PATH, when set (it must exist);
//   2. else Debian's /usr/bin/chromium, when present;
//   3. else the headless Chromium inside the @sparticuz/chromium dev dependency, unpacked once per version
//      into the temp directory (about 2 s, then reused).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export interface ChromiumChoice {
  source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';
  executablePath: string;
  args: string[];
}

const SYSTEM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * @sparticuz/chromium's flags are for AWS Lambda. These are left out: `--single-process` (a second page in a
 * context crashes the browser) and the ones that switch off what a person's browser enforces (same-origin
 * policy, mixed content, site isolation trials).
 */
const SPARTICUZ_LEFT_OUT = new Set([
  '--single-process',
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
]);

export async function chooseChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> {
  if (env.CHROMIUM_PATH) {
    if (!existsSync(env.CHROMIUM_PATH))
      throw new Error(`CHROMIUM_PATH names ${env.CHROMIUM_PATH}, which does not exist`);
    return { source: 'CHROMIUM_PATH', executablePath: env.CHROMIUM_PATH, args: SYSTEM_ARGS };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { source: 'system', executablePath: SYSTEM_CHROMIUM, args: SYSTEM_ARGS };
  const { default: sparticuz } = await import('@sparticuz/chromium');
  return {
    source: '@sparticuz/chromium',
    executablePath: await unpackSparticuzChromium(),
    args: [...sparticuz.args.filter((arg) => !SPARTICUZ_LEFT_OUT.has(arg)), '--disable-background-networking'],
  };
}

export async function launchChromium(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ browser: Browser; choice: ChromiumChoice }> {
  const choice = await chooseChromium(env);
  const browser = await chromium.launch({ executablePath: choice.executablePath, args: choice.args, headless: true });
  return { browser, choice };
}

/**
 * The package unpacks into `os.tmpdir()` and takes an existing `chromium` there as complete, so an unpack
 * cut short (a test run stopped) or two at once (parallel suites) would leave a broken binary for good.
 * It unpacks here in a child process into a fresh directory, which is then renamed into place in one step:
 * the versioned directory exists only complete, and the first of two concurrent unpacks wins.
 */
export async function unpackSparticuzChromium(cacheDir: string = tmpdir()): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const packageDir = entry.slice(0, entry.lastIndexOf('/build/') + 1);
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const target = join(cacheDir, `nestjs-auth-code-flow-chromium-${version}`);
  if (existsSync(join(target, 'chromium'))) return join(target, 'chromium');

  const staging = mkdtempSync(`${target}-unpacking-`);
  try {
    const script = "import chromium from '@sparticuz/chromium'; process.stdout.write(await chromium.executablePath());";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '', TMPDIR: staging },
    });
    if (stdout !== join(staging, 'chromium'))
      throw new Error(`@sparticuz/chromium unpacked to ${stdout}, not into ${staging}`);
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another run got there first; its directory is complete.
      if (!existsSync(join(target, 'chromium'))) throw error;
    }
    return join(target, 'chromium');
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
