// The package as a user gets it: the built dist/ (run `npm run build` first; `npm test` does), its
// manifest, and the names API.md promises.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
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

function runNode(args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];
const AXIOS_PACKAGES = /\/node_modules\/(axios|@nestjs\/axios)\//;

interface Probe {
  tokenType?: string;
  error?: { name: string; message: string };
  axiosModules: string[];
}

/**
 * One code exchange through the built package in a fresh Node process (test/fixtures/token-request-probe.mjs):
 * the token type or start-up error, and which modules of @nestjs/axios and axios it loaded. `blockAxios`
 * makes both packages resolve as if they were not installed.
 */
function probeTokenRequest(
  transport: 'default' | 'node-http' | 'http-service',
  { blockAxios = false, env = {} as NodeJS.ProcessEnv } = {},
): Probe {
  const dir = mkdtempSync(join(tmpdir(), 'acf-probe-'));
  try {
    const childEnv: NodeJS.ProcessEnv = {
      // No proxy variable unless given: with one set, the default transport is rightly http-service.
      ...Object.fromEntries(PROXY_VARIABLES.map((name) => [name, ''])),
      RECORD_RESOLVED_TO: join(dir, 'resolved.txt'),
      BLOCK_AXIOS: blockAxios ? '1' : '',
      ...env,
    };
    const { loaded, ...result }: Omit<Probe, 'axiosModules'> & { loaded: string[] } = JSON.parse(
      runNode(['test/fixtures/token-request-probe.mjs', transport], childEnv),
    );
    expect(loaded.length).toBeGreaterThan(100); // the record holds the whole import graph: Nest, rxjs, dist/
    return { ...result, axiosModules: loaded.filter((url) => AXIOS_PACKAGES.test(url)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
    const names: string[] = JSON.parse(
      runNode([
        '--input-type=module',
        '-e',
        "const m = await import('nestjs-auth-code-flow'); console.log(JSON.stringify(Object.keys(m)))",
      ]),
    );
    expect(names).toEqual(expect.arrayContaining(API_NAMES));
  });

  it('can be require()d from CommonJS (no top-level await)', () => {
    const names: string[] = JSON.parse(
      runNode(['-e', "console.log(JSON.stringify(Object.keys(require('nestjs-auth-code-flow'))))"]),
    );
    expect(names).toEqual(expect.arrayContaining(API_NAMES));
  });

  it('ships only dist, the PostgreSQL migration, the licence and the readme, without specs', () => {
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
    );
    const files: string[] = pack.files.map((file: { path: string }) => file.path);
    expect(files.filter((file) => !file.startsWith('dist/')).sort()).toEqual(
      expect.arrayContaining(['LICENSE', 'migrations/postgres-token-store.sql', 'package.json']),
    );
    expect(
      files.every((file) => /^(dist\/|migrations\/[a-z-]+\.sql$|LICENSE$|README\.md$|package\.json$)/.test(file)),
    ).toBe(true);
    expect(files.some((file) => file.includes('.spec.'))).toBe(false);
    expect(files).toContain('dist/index.d.ts');
  });

  describe('@nestjs/axios and axios, optional peers', () => {
    it('are declared optional, beside ioredis', () => {
      expect(manifest.peerDependencies).toMatchObject({
        '@nestjs/axios': expect.any(String),
        axios: expect.any(String),
      });
      expect(manifest.peerDependenciesMeta).toEqual({
        '@nestjs/axios': { optional: true },
        axios: { optional: true },
        ioredis: { optional: true },
        pg: { optional: true },
      });
    });

    it('are not needed by the published declarations (an app without them compiles with skipLibCheck: false)', () => {
      const declarations = execFileSync('find', ['dist', '-name', '*.d.ts'], { cwd: root, encoding: 'utf8' })
        .trim()
        .split('\n');
      expect(declarations).toContain('dist/transport/http-service.transport.d.ts');
      const importsAxios = /(?:from|import)\s*\(?\s*['"](?:axios|@nestjs\/axios)(?:\/[^'"]*)?['"]/;
      const needing = declarations.filter((file) => importsAxios.test(readFileSync(join(root, file), 'utf8')));
      expect(needing).toEqual([]);
    });

    it('are never loaded with the default transport: a whole code exchange works with both made uninstallable', () => {
      for (const transport of ['default', 'node-http'] as const) {
        expect(probeTokenRequest(transport, { blockAxios: true })).toEqual({ tokenType: 'Bearer', axiosModules: [] });
      }
    });

    it('(control) are loaded when the http-service transport is chosen, and the code is exchanged through them', () => {
      const { tokenType, axiosModules } = probeTokenRequest('http-service');
      expect(tokenType).toBe('Bearer');
      expect(axiosModules.some((url) => url.includes('/node_modules/axios/'))).toBe(true);
      expect(axiosModules.some((url) => url.includes('/node_modules/@nestjs/axios/'))).toBe(true);
    });

    it('missing, fail the start-up with a message that names them when http-service is configured or chosen for a proxy', () => {
      expect(probeTokenRequest('http-service', { blockAxios: true })).toEqual({
        error: {
          name: 'AuthCodeFlowConfigError',
          message: expect.stringContaining(
            "tokenTransport 'http-service' needs the peer dependencies @nestjs/axios and axios",
          ),
        },
        axiosModules: [],
      });
      expect(
        probeTokenRequest('default', { blockAxios: true, env: { HTTPS_PROXY: 'http://127.0.0.1:9' } }).error,
      ).toEqual({
        name: 'AuthCodeFlowConfigError',
        message: expect.stringContaining(
          "tokenTransport is unset and HTTPS_PROXY is set, so token requests go through 'http-service'",
        ),
      });
    });
  });

  it('declares every package the built code imports', () => {
    const declared = new Set([
      ...Object.keys(manifest.peerDependencies ?? {}),
      ...Object.keys(manifest.dependencies ?? {}),
    ]);
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
