import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** The hook: any import of pg (or its parts), from any module, fails. */
const BLOCK_HOOKS = `
export async function resolve(specifier, context, next) {
  if (specifier === 'pg' || specifier.startsWith('pg/') || specifier.startsWith('pg-')) {
    throw new Error('BLOCKED: pg imported by ' + context.parentURL);
  }
  return next(specifier, context);
}
`;

/**
 * pg is an optional peer dependency: the built package (dist/, from `npm run build`, which `npm test` runs
 * first) loads and runs PostgresTokenStore on a pool of the app's with every import of pg made to fail.
 */
describe('the built package without pg', () => {
  let dir: string;
  let register: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'acf-no-pg-'));
    await writeFile(join(dir, 'block-pg.hooks.mjs'), BLOCK_HOOKS);
    register = join(dir, 'block-pg.register.mjs');
    await writeFile(
      register,
      "import { register } from 'node:module';\nregister(new URL('./block-pg.hooks.mjs', import.meta.url));\n",
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('loads, and runs PostgresTokenStore on a stand-in pool', async () => {
    const entry = join(root, 'dist', 'index.js');
    expect(existsSync(entry)).toBe(true);
    const script = `
      const lib = await import(${JSON.stringify(entry)});
      const rows = new Map();
      const pool = {
        query: async ({ text, values }) => {
          if (text.startsWith('INSERT INTO "auth_code_flow_tokens"')) rows.set(values[1], values[2]);
          if (text.startsWith('SELECT value')) return { rows: rows.has(values[1]) ? [{ value: rows.get(values[1]) }] : [] };
          return { rows: [] };
        },
      };
      const store = new lib.PostgresTokenStore(pool);
      await store.ensureSchema();
      await store.set('fake', 'ada', { accessToken: 'a', tokenType: 'Bearer', raw: {} });
      console.log(JSON.stringify(await store.get('fake', 'ada')));
    `;
    const { stdout } = await run(process.execPath, ['--import', register, '--input-type=module', '-e', script], {
      cwd: root,
    });
    expect(JSON.parse(stdout.trim())).toEqual({ accessToken: 'a', tokenType: 'Bearer', raw: {} });
  });

  it('(control) the hook does make an import of pg fail', async () => {
    const failure = await run(
      process.execPath,
      ['--import', register, '--input-type=module', '-e', "await import('pg')"],
      {
        cwd: root,
      },
    ).then(
      () => undefined,
      (error: { stderr: string }) => error,
    );
    expect(failure?.stderr).toContain('BLOCKED: pg imported by');
  });
});
