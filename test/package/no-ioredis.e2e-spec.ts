import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
    await run(
      process.execPath,
      [
        join(root, 'node_modules/typescript/bin/tsc'),
        '-p',
        join(root, 'tsconfig.build.json'),
        '--outDir',
        join(outDir, 'dist'),
      ],
      { cwd: root },
    ).catch(() => undefined);
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
        else
          bare.add(
            specifier
              .split('/')
              .slice(0, specifier.startsWith('@') ? 2 : 1)
              .join('/'),
          );
      }
    }
    const files = [...seen].map((file) => file.slice(join(outDir, 'dist').length + 1));
    expect(files).toEqual(
      expect.arrayContaining([
        'stores/redis-state.store.js',
        'stores/redis-token.store.js',
        'stores/redis-store.util.js',
      ]),
    );
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
    const { stdout } = await run(
      process.execPath,
      ['--import', join(outDir, 'block-ioredis.register.mjs'), '--input-type=module', '-e', script],
      { cwd: root },
    );
    expect(JSON.parse(stdout.trim())).toEqual({
      record: { provider: 'p', createdAt: 1 },
      cjsCache: [],
      exports: ['function', 'function', 'function'],
    });
  });

  it('has declarations that type-check with skipLibCheck: false in an app without ioredis', async () => {
    // An app outside the project (so nothing resolves the project's node_modules by walking up), with the
    // package as a user installs it (dist + package.json, its dependencies) and every peer but ioredis, plus @types/node.
    const app = await mkdtemp(join(tmpdir(), 'acf-app-without-ioredis-'));
    try {
      const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
        peerDependencies: Record<string, string>;
        dependencies?: Record<string, string>;
      };
      // What an install brings: the package's own dependencies (jose), and the peers the app installs.
      const peers = [
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies).filter((name) => name !== 'ioredis'),
      ];
      expect(peers).toEqual(expect.arrayContaining(['@nestjs/common', '@nestjs/core', 'rxjs']));
      const installed = join(app, 'node_modules', 'nestjs-auth-code-flow');
      await cp(join(outDir, 'dist'), join(installed, 'dist'), { recursive: true });
      await cp(join(root, 'package.json'), join(installed, 'package.json'));
      expect(existsSync(join(installed, 'dist', 'stores', 'redis-store.util.d.ts'))).toBe(true);
      for (const name of [...peers, '@types/node']) {
        await mkdir(dirname(join(app, 'node_modules', name)), { recursive: true });
        await symlink(join(root, 'node_modules', name), join(app, 'node_modules', name), 'dir');
      }
      await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
      await writeFile(
        join(app, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            skipLibCheck: false,
            noEmit: true,
            types: ['node'],
            experimentalDecorators: true,
          },
          files: ['app.ts', 'control.ts'],
        }),
      );
      await writeFile(
        join(app, 'app.ts'),
        [
          "import 'reflect-metadata';",
          'import { AuthCodeFlowModule, RedisStateStore, RedisTokenStore } from "nestjs-auth-code-flow";',
          'import type { RedisClient, StateStore } from "nestjs-auth-code-flow";',
          'declare const client: RedisClient;',
          'export const stateStore: StateStore = new RedisStateStore(client, { keyPrefix: "app:", maxPendingPerOwner: 5 });',
          'export const tokenStore = new RedisTokenStore(client);',
          'export const registration = AuthCodeFlowModule.forRoot({ providers: {}, stateStore });',
        ].join('\n'),
      );
      // The control: the same compilation cannot find ioredis, so the app's clean result means the package needs none.
      await writeFile(join(app, 'control.ts'), "import type { Redis } from 'ioredis';\nexport type Client = Redis;\n");
      const tsc = join(root, 'node_modules/typescript/bin/tsc');
      const output = await run(process.execPath, [tsc, '-p', join(app, 'tsconfig.json')], { cwd: app }).then(
        ({ stdout }) => stdout,
        (error: { stdout: string }) => error.stdout,
      );
      const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
      expect(errors).toEqual([
        expect.stringMatching(/^control\.ts\(1,\d+\): error TS2307: Cannot find module 'ioredis'/),
      ]);
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  }, 60_000);

  it('(control) the hook does make an import of ioredis fail', async () => {
    const failure = await run(
      process.execPath,
      ['--import', join(outDir, 'block-ioredis.register.mjs'), '--input-type=module', '-e', "await import('ioredis')"],
      { cwd: root },
    ).then(
      () => undefined,
      (error: { stderr: string }) => error,
    );
    expect(failure?.stderr).toContain('BLOCKED: ioredis imported by');
  });
});
