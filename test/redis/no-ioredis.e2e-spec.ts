import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** The hook: any import of ioredis, from any module, fails. */
const BLOCK_HOOKS = `
export async function resolve(specifier, context, next) {
  if (specifier === 'ioredis' || specifier.startsWith('ioredis/')) {
    throw new Error('BLOCKED: ioredis imported by ' + context.parentURL);
  }
  return next(specifier, context);
}
`;
const REGISTER = `import { register } from 'node:module';\nregister(new URL('./block-ioredis.hooks.mjs', import.meta.url));\n`;

/**
 * ioredis is an optional peer dependency: the compiled package root (the graph of lib/index.ts,
 * Redis stores included) must load and work without it.
 */
describe('the compiled package without ioredis', () => {
  let outDir: string;

  beforeAll(async () => {
    // Under test/artifacts/ (git-ignored) so that the emitted files resolve the project's node_modules.
    outDir = join(root, 'test', 'artifacts', `no-ioredis-${randomUUID()}`);
    await mkdir(outDir, { recursive: true });
    // Type errors elsewhere in a work tree do not stop tsc from emitting; the emitted graph is what is checked.
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(outDir, 'dist')], { cwd: root }).catch(() => undefined);
    await writeFile(join(outDir, 'block-ioredis.hooks.mjs'), BLOCK_HOOKS);
    await writeFile(join(outDir, 'block-ioredis.register.mjs'), REGISTER);
  }, 60_000);
  afterAll(() => rm(outDir, { recursive: true, force: true }));

  it('has no runtime import of ioredis anywhere in the import graph of dist/index.js, which holds the Redis stores', async () => {
    const entry = join(outDir, 'dist', 'index.js');
    expect(existsSync(entry)).toBe(true);
    const seen = new Set<string>();
    const bare = new Set<string>();
    const queue = [entry];
    while (queue.length) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const source = await readFile(file, 'utf8');
      for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
        const specifier = match[1]!;
        if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
        else bare.add(specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
      }
    }
    const files = [...seen].map((file) => file.slice(join(outDir, 'dist').length + 1));
    expect(files).toEqual(expect.arrayContaining(['stores/redis-state.store.js', 'stores/redis-token.store.js', 'stores/redis-store.util.js']));
    expect([...bare]).toContain('@nestjs/common');
    expect([...bare].filter((name) => name.startsWith('ioredis'))).toEqual([]);
  });

  it('loads, and runs a Redis store on a stand-in client, with every import of ioredis made to fail', async () => {
    const script = `
      import { createRequire } from 'node:module';
      const lib = await import(${JSON.stringify(join(outDir, 'dist', 'index.js'))});
      const values = new Map();
      const client = {
        get: async (k) => values.get(k) ?? null,
        set: async (k, v) => { values.set(k, v); return 'OK'; },
        getdel: async (k) => { const v = values.get(k) ?? null; values.delete(k); return v; },
        del: async (k) => Number(values.delete(k)),
        evalsha: async () => null,
        eval: async () => null,
      };
      const store = new lib.RedisStateStore(client);
      await store.save('s', { provider: 'p', createdAt: 1 }, 60);
      const record = await store.consume('s');
      new lib.RedisTokenStore(client);
      const cjsCache = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('/node_modules/ioredis/'));
      console.log(JSON.stringify({ record, cjsCache, exports: ['RedisStateStore', 'RedisTokenStore', 'AuthCodeFlowModule'].map((name) => typeof lib[name]) }));
    `;
    const { stdout } = await run(process.execPath, ['--import', join(outDir, 'block-ioredis.register.mjs'), '--input-type=module', '-e', script], { cwd: root });
    expect(JSON.parse(stdout.trim())).toEqual({ record: { provider: 'p', createdAt: 1 }, cjsCache: [], exports: ['function', 'function', 'function'] });
  });

  it('(control) the hook does make an import of ioredis fail', async () => {
    const failure = await run(process.execPath, ['--import', join(outDir, 'block-ioredis.register.mjs'), '--input-type=module', '-e', "await import('ioredis')"], { cwd: root }).then(
      () => undefined,
      (error: { stderr: string }) => error,
    );
    expect(failure?.stderr).toContain('BLOCKED: ioredis imported by');
  });
});
