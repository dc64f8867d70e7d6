// The package as a user gets it: the built dist/ (run `npm run build` first; `npm test` does), its
// manifest, and the names API.md promises.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const API_NAMES = [
  'AuthCodeFlowModule',
  'FlowManager',
  'FlowManagerRegistry',
  'InjectFlowManager',
  'getFlowManagerToken',
  'STATE_STORE',
  'TOKEN_STORE',
  'InMemoryStateStore',
  'InMemoryTokenStore',
  'AuthCodeFlowError',
  'InvalidStateError',
  'AuthorizationError',
  'TokenRequestError',
  'TokenEndpointError',
  'UnknownProviderError',
];

function runNode(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}

describe('the built package', () => {
  it('points main, types and exports at files that exist', () => {
    expect(manifest.name).toBe('nestjs-auth-code-flow');
    expect(manifest.type).toBe('module');
    expect(manifest.license).toBe('MIT');
    expect(Object.keys(manifest.exports['.'])[0]).toBe('types');
    for (const file of [manifest.main, manifest.types, manifest.exports['.'].default, manifest.exports['.'].types]) {
      expect(existsSync(join(root, file))).toBe(true);
    }
  });

  it('exports every name of API.md from the package root, as ESM', () => {
    const names: string[] = JSON.parse(runNode(['--input-type=module', '-e', "const m = await import('nestjs-auth-code-flow'); console.log(JSON.stringify(Object.keys(m)))"]));
    expect(names).toEqual(expect.arrayContaining(API_NAMES));
  });

  it('can be require()d from CommonJS (no top-level await)', () => {
    const names: string[] = JSON.parse(runNode(['-e', "console.log(JSON.stringify(Object.keys(require('nestjs-auth-code-flow'))))"]));
    expect(names).toEqual(expect.arrayContaining(API_NAMES));
  });

  it('ships only dist, the licence and the readme, without specs', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
    const files: string[] = pack.files.map((file: { path: string }) => file.path);
    expect(files.filter((file) => !file.startsWith('dist/')).sort()).toEqual(expect.arrayContaining(['LICENSE', 'package.json']));
    expect(files.every((file) => /^(dist\/|LICENSE$|README\.md$|package\.json$)/.test(file))).toBe(true);
    expect(files.some((file) => file.includes('.spec.'))).toBe(false);
    expect(files).toContain('dist/index.d.ts');
  });

  it('declares every package the built code imports', () => {
    const declared = new Set([...Object.keys(manifest.peerDependencies ?? {}), ...Object.keys(manifest.dependencies ?? {})]);
    const imported = new Set<string>();
    const files = execFileSync('find', ['dist', '-name', '*.js'], { cwd: root, encoding: 'utf8' }).trim().split('\n');
    for (const file of files) {
      const source = readFileSync(join(root, file), 'utf8');
      for (const match of source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'".][^'"]*)['"]/g)) {
        const specifier = match[1]!;
        if (specifier.startsWith('node:')) continue;
        imported.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
      }
    }
    expect(imported.size).toBeGreaterThan(0);
    for (const name of imported) expect(declared).toContain(name);
  });
});
