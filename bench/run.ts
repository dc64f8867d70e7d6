/**
 * `npm run bench`: full-flow throughput of OAuth stacks, each alone in its own process, driven from this one.
 *
 * Options (argument or environment variable; arguments win):
 *   --duration=<s>     BENCH_DURATION      timed window per run (default 10)
 *   --warmup=<s>       BENCH_WARMUP        warm-up before the window (default 3)
 *   --concurrency=<n>  BENCH_CONCURRENCY   concurrent flow loops (default 32)
 *   --rounds=<n>       BENCH_ROUNDS        round-robin passes over the stacks (default 2)
 *   --stacks=<ids>     BENCH_STACKS        comma-separated stack ids (default: all)
 *   --memory / --no-memory  BENCH_MEMORY=0 the state store memory measurement (default on)
 *   --smoke            BENCH_SMOKE=1       1 s window, one round, all stacks, small memory run; fails only
 *                                          when a stack completes no flow or has an error (never on timings)
 *   BENCH_STACK_NODE_OPTIONS  extra node flags for the stack processes, e.g. "--cpu-prof --cpu-prof-dir=bench/results/tmp/prof"
 *   REDIS_URL          Redis of the module-redis-* stacks (default redis://127.0.0.1:6379); when Redis is not
 *                      reachable those stacks are skipped with a note, unless BENCH_REQUIRE_REDIS=1.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drive, type DriverResult } from './driver.js';
import { markdownReport, throughputSvg, type MemorySummary, type StackSummary } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const benchDir = join(here, '..');
const resultsDir = join(benchDir, 'results');

interface StackDefinition {
  id: string;
  label: string;
  group: 'a' | 'b' | 'c' | 'd' | 'e';
  platform: 'node:http' | 'express' | 'fastify';
  script: string;
  env?: Record<string, string>;
  needsRedis?: boolean;
  /** Its token requests go to the OpenID Connect endpoint: every one must be answered with an ID token. */
  oidc?: boolean;
  /** Every ID token must carry a nonce (the stack sent one, and its flows fail if it does not match). */
  expectsNonce?: boolean;
  /** Its token requests go to the DPoP endpoint: every one must carry a valid proof. */
  dpop?: boolean;
}

const STACKS: StackDefinition[] = [
  { id: 'node-http', label: '(a) node:http + Map', group: 'a', platform: 'node:http', script: 'node-http.js' },
  {
    id: 'passport',
    label: '(b) @nestjs/passport + passport-oauth2 + express-session',
    group: 'b',
    platform: 'express',
    script: 'passport.js',
  },
  {
    id: 'openid-client',
    label: '(c) openid-client 6 in Nest',
    group: 'c',
    platform: 'express',
    script: 'openid-client.js',
  },
  {
    id: 'openid-client-oidc',
    label: '(c) openid-client 6 in Nest, OpenID Connect',
    group: 'c',
    platform: 'express',
    script: 'openid-client.js',
    env: { BENCH_OIDC: '1' },
    oidc: true,
    expectsNonce: true,
  },
  {
    id: 'nest-minimal-express',
    label: '(d) minimal Nest controller',
    group: 'd',
    platform: 'express',
    script: 'nest-minimal.js',
    env: { BENCH_PLATFORM: 'express' },
  },
  {
    id: 'nest-minimal-fastify',
    label: '(d) minimal Nest controller',
    group: 'd',
    platform: 'fastify',
    script: 'nest-minimal.js',
    env: { BENCH_PLATFORM: 'fastify' },
  },
  {
    id: 'module-express',
    label: '(e) nestjs-auth-code-flow, in-memory',
    group: 'e',
    platform: 'express',
    script: 'module.js',
    env: { BENCH_PLATFORM: 'express', BENCH_STORE: 'memory' },
  },
  {
    id: 'module-fastify',
    label: '(e) nestjs-auth-code-flow, in-memory',
    group: 'e',
    platform: 'fastify',
    script: 'module.js',
    env: { BENCH_PLATFORM: 'fastify', BENCH_STORE: 'memory' },
  },
  {
    id: 'module-oidc-express',
    label: '(e) nestjs-auth-code-flow, in-memory, OpenID Connect',
    group: 'e',
    platform: 'express',
    script: 'module.js',
    env: { BENCH_PLATFORM: 'express', BENCH_STORE: 'memory', BENCH_OIDC: '1' },
    oidc: true,
    expectsNonce: true,
  },
  {
    id: 'module-oidc-fastify',
    label: '(e) nestjs-auth-code-flow, in-memory, OpenID Connect',
    group: 'e',
    platform: 'fastify',
    script: 'module.js',
    env: { BENCH_PLATFORM: 'fastify', BENCH_STORE: 'memory', BENCH_OIDC: '1' },
    oidc: true,
    expectsNonce: true,
  },
  {
    id: 'module-dpop-express',
    label: '(e) nestjs-auth-code-flow, in-memory, DPoP',
    group: 'e',
    platform: 'express',
    script: 'module.js',
    env: { BENCH_PLATFORM: 'express', BENCH_STORE: 'memory', BENCH_DPOP: '1' },
    dpop: true,
  },
  {
    id: 'module-dpop-fastify',
    label: '(e) nestjs-auth-code-flow, in-memory, DPoP',
    group: 'e',
    platform: 'fastify',
    script: 'module.js',
    env: { BENCH_PLATFORM: 'fastify', BENCH_STORE: 'memory', BENCH_DPOP: '1' },
    dpop: true,
  },
  {
    id: 'module-redis-express',
    label: '(e) nestjs-auth-code-flow, Redis',
    group: 'e',
    platform: 'express',
    script: 'module.js',
    env: { BENCH_PLATFORM: 'express', BENCH_STORE: 'redis' },
    needsRedis: true,
  },
  {
    id: 'module-redis-fastify',
    label: '(e) nestjs-auth-code-flow, Redis',
    group: 'e',
    platform: 'fastify',
    script: 'module.js',
    env: { BENCH_PLATFORM: 'fastify', BENCH_STORE: 'redis' },
    needsRedis: true,
  },
];

/** (e) ÷ others, with the issue's targets where it sets one. */
const TARGETS: Array<{ of: string; to: string; target?: number }> = [
  { of: 'module-express', to: 'passport', target: 1.5 },
  { of: 'module-express', to: 'openid-client', target: 1.5 },
  { of: 'module-express', to: 'nest-minimal-express', target: 0.9 },
  { of: 'module-fastify', to: 'nest-minimal-fastify', target: 0.9 },
  { of: 'module-fastify', to: 'passport', target: 1.5 },
  { of: 'module-fastify', to: 'openid-client', target: 1.5 },
  { of: 'module-oidc-express', to: 'openid-client-oidc', target: 1.5 },
  { of: 'module-oidc-fastify', to: 'openid-client-oidc', target: 1.5 },
  // What DPoP costs (no target): the same flow with a proof per token request.
  { of: 'module-dpop-express', to: 'module-express' },
  { of: 'module-dpop-fastify', to: 'module-fastify' },
];

// ---- options ------------------------------------------------------------------------------------

const args = new Map<string, string>();
for (const arg of process.argv.slice(2)) {
  const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
  if (!match) throw new Error(`unknown argument ${arg}`);
  args.set(match[1]!, match[2] ?? 'true');
}
const option = (name: string, envName: string): string | undefined => args.get(name) ?? process.env[envName];
const smoke = option('smoke', 'BENCH_SMOKE') === 'true' || option('smoke', 'BENCH_SMOKE') === '1';
const number = (name: string, envName: string, fallback: number, smokeValue?: number): number => {
  const raw = option(name, envName);
  if (raw === undefined) return smoke && smokeValue !== undefined ? smokeValue : fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};
const durationSeconds = number('duration', 'BENCH_DURATION', 10, 1);
const warmupSeconds = number('warmup', 'BENCH_WARMUP', 3, 0.5);
const concurrency = Math.round(number('concurrency', 'BENCH_CONCURRENCY', 32));
const rounds = Math.round(number('rounds', 'BENCH_ROUNDS', 2, 1));
const memoryOption = args.has('no-memory') ? '0' : (args.get('memory') ?? process.env.BENCH_MEMORY ?? '1');
const runMemory = memoryOption !== '0' && memoryOption !== 'false';
const stackIds = (option('stacks', 'BENCH_STACKS') ?? STACKS.map((s) => s.id).join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const id of stackIds)
  if (!STACKS.some((s) => s.id === id))
    throw new Error(`unknown stack ${id}; known: ${STACKS.map((s) => s.id).join(', ')}`);
const requireRedis = process.env.BENCH_REQUIRE_REDIS === '1';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const stackNodeOptions = (process.env.BENCH_STACK_NODE_OPTIONS ?? '').split(' ').filter(Boolean);

// ---- child processes ----------------------------------------------------------------------------

interface Ready {
  type: 'ready';
  port: number;
  authorizePath: string;
  callbackPath: string;
}

function startChild(
  script: string,
  env: Record<string, string>,
  execArgv: string[] = [],
): { child: ChildProcess; ready: Promise<Ready> } {
  const child = fork(script, [], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not report ready within 60 s`)), 60_000);
    child.on('message', (message: { type?: string }) => {
      if (message?.type === 'ready') {
        clearTimeout(timer);
        resolve(message as Ready);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited before it was ready (code ${code}, signal ${signal})`));
    });
  });
  return { child, ready };
}

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} answer`)), 10_000);
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message as T);
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGTERM'), 10_000);
  await exited;
  clearTimeout(timer);
}

function peakRssBytes(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU time of a process so far, in milliseconds (Linux `/proc/<pid>/stat`, in clock ticks of 10 ms). */
function cpuTimeMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function redisReachable(): Promise<boolean> {
  const url = new URL(redisUrl);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname || '127.0.0.1', port: Number(url.port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

// ---- one run --------------------------------------------------------------------------------------

interface RunResult extends DriverResult {
  stack: string;
  round: number;
  peakRssBytes: number;
  /** CPU time the stack process spent per completed flow during the window (user + system). */
  cpuMsPerFlow: number;
  /** The same for the token server (not the stack's: signing ID tokens, for the OIDC stacks). */
  tokenServerCpuMsPerFlow: number;
  tokenPosts: number;
  tokenPostsWithVerifier: number;
  idTokens: number;
  idTokensWithNonce: number;
  dpopProofs: number;
  problems: string[];
}

interface Count {
  posts: number;
  withVerifier: number;
  idTokens: number;
  idTokensWithNonce: number;
  dpopProofs: number;
}

async function runStack(
  stack: StackDefinition,
  round: number,
  tokenServer: ChildProcess,
  providerOrigin: string,
): Promise<RunResult> {
  const { child, ready } = startChild(
    join(here, 'stacks', stack.script),
    { BENCH_PROVIDER_ORIGIN: providerOrigin, ...stack.env },
    stackNodeOptions,
  );
  try {
    const target = await ready;
    const before = await ask<Count>(tokenServer, 'count');
    let peakIpcRss = 0;
    const sampler = setInterval(() => {
      ask<{ usage: NodeJS.MemoryUsage }>(child, 'memory').then(
        (reply) => (peakIpcRss = Math.max(peakIpcRss, reply.usage.rss)),
        () => undefined,
      );
    }, 500);
    let cpuStart: number | undefined;
    let cpuEnd: number | undefined;
    let tokenCpuStart: number | undefined;
    let tokenCpuEnd: number | undefined;
    const result = await drive(target, {
      concurrency,
      warmupSeconds,
      durationSeconds,
      onWindow: (phase) => {
        if (phase === 'start') {
          cpuStart = cpuTimeMs(child.pid!);
          tokenCpuStart = cpuTimeMs(tokenServer.pid!);
        } else {
          cpuEnd = cpuTimeMs(child.pid!);
          tokenCpuEnd = cpuTimeMs(tokenServer.pid!);
        }
      },
    });
    clearInterval(sampler);
    const after = await ask<Count>(tokenServer, 'count');
    const peak = peakRssBytes(child.pid!) ?? peakIpcRss;
    const tokenPosts = after.posts - before.posts;
    const tokenPostsWithVerifier = after.withVerifier - before.withVerifier;
    const idTokens = after.idTokens - before.idTokens;
    const idTokensWithNonce = after.idTokensWithNonce - before.idTokensWithNonce;
    const dpopProofs = after.dpopProofs - before.dpopProofs;
    const problems: string[] = [];
    if (result.flows === 0) problems.push('no flow completed in the window');
    if (result.totalErrors > 0)
      problems.push(`${result.totalErrors} failed flow(s), e.g. ${result.firstErrors.join('; ')}`);
    if (tokenPosts < result.totalFlows)
      problems.push(`${result.totalFlows} flows but only ${tokenPosts} token requests`);
    if (tokenPostsWithVerifier !== tokenPosts)
      problems.push(`${tokenPosts - tokenPostsWithVerifier} token request(s) without a PKCE verifier`);
    if (stack.oidc && idTokens !== tokenPosts)
      problems.push(`${tokenPosts} token requests but ${idTokens} ID tokens: not the OpenID Connect endpoint`);
    if (stack.expectsNonce && idTokensWithNonce !== idTokens)
      problems.push(`${idTokens - idTokensWithNonce} ID token(s) without a nonce`);
    if (stack.dpop && dpopProofs !== tokenPosts)
      problems.push(`${tokenPosts} token requests but ${dpopProofs} valid DPoP proofs`);
    const perFlow = (start: number | undefined, end: number | undefined) =>
      start !== undefined && end !== undefined && result.flows > 0 ? (end - start) / result.flows : NaN;
    return {
      stack: stack.id,
      round,
      ...result,
      peakRssBytes: peak,
      cpuMsPerFlow: perFlow(cpuStart, cpuEnd),
      tokenServerCpuMsPerFlow: perFlow(tokenCpuStart, tokenCpuEnd),
      tokenPosts,
      tokenPostsWithVerifier,
      idTokens,
      idTokensWithNonce,
      dpopProofs,
      problems,
    };
  } finally {
    await stop(child);
  }
}

function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function measureMemory(): Promise<unknown> {
  const env = smoke
    ? {
        BENCH_MEMORY_SIZES: process.env.BENCH_MEMORY_SIZES ?? '1000,10000',
        BENCH_MEMORY_TTL_SECONDS: process.env.BENCH_MEMORY_TTL_SECONDS ?? '2',
      }
    : {};
  const child = fork(join(here, 'memory.js'), [], {
    env: { ...process.env, ...env },
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.on('message', (message: { type?: string; result?: unknown }) => {
      if (message?.type === 'memory-result') resolve(message.result);
    });
    child.once('exit', (code) =>
      code === 0
        ? setTimeout(() => reject(new Error('memory run gave no result')), 100)
        : reject(new Error(`memory run exited with ${code}`)),
    );
  });
}

// ---- main -----------------------------------------------------------------------------------------

const startedAt = new Date();
const loadBefore = loadavg();
const notes: string[] = [];
let selected = STACKS.filter((s) => stackIds.includes(s.id));
if (selected.some((s) => s.needsRedis) && !(await redisReachable())) {
  if (requireRedis) throw new Error(`Redis is not reachable at ${redisUrl}`);
  notes.push(`Redis not reachable at ${redisUrl}: the module-redis-* stacks were skipped.`);
  selected = selected.filter((s) => !s.needsRedis);
}
console.log(
  `bench: ${selected.length} stack(s) × ${rounds} round(s), ${concurrency} concurrent flows, ${warmupSeconds} s warm-up + ${durationSeconds} s window${smoke ? ' (smoke)' : ''}`,
);
for (const note of notes) console.log(`note: ${note}`);

const token = startChild(join(here, 'token-server.js'), {});
const { port: tokenPort } = await token.ready;
const providerOrigin = `http://127.0.0.1:${tokenPort}`;
const runs: RunResult[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    for (const stack of selected) {
      let run: RunResult;
      try {
        run = await runStack(stack, round, token.child, providerOrigin);
      } catch (error) {
        run = {
          stack: stack.id,
          round,
          flows: 0,
          errors: 0,
          totalErrors: 0,
          totalFlows: 0,
          durationSeconds: 0,
          flowsPerSecond: NaN,
          p50Ms: NaN,
          p99Ms: NaN,
          meanMs: NaN,
          firstErrors: [],
          peakRssBytes: NaN,
          cpuMsPerFlow: NaN,
          tokenServerCpuMsPerFlow: NaN,
          tokenPosts: 0,
          tokenPostsWithVerifier: 0,
          idTokens: 0,
          idTokensWithNonce: 0,
          dpopProofs: 0,
          problems: [`did not run: ${error instanceof Error ? error.message : String(error)}`],
        };
      }
      runs.push(run);
      console.log(
        `  round ${round} ${stack.id.padEnd(22)} ${run.flowsPerSecond.toFixed(0).padStart(6)} flows/s  p50 ${run.p50Ms.toFixed(1)} ms  p99 ${run.p99Ms.toFixed(1)} ms  peak RSS ${(run.peakRssBytes / 1048576).toFixed(0)} MB  CPU ${run.cpuMsPerFlow.toFixed(3)} ms/flow (token server ${run.tokenServerCpuMsPerFlow.toFixed(3)})${stack.oidc ? `  ID tokens ${run.idTokens}, ${run.idTokensWithNonce} with a nonce` : ''}${run.problems.length ? `  PROBLEMS: ${run.problems.join(' | ')}` : ''}`,
      );
    }
  }
} finally {
  await stop(token.child);
}

const summaries: StackSummary[] = selected.map((stack) => {
  const mine = runs.filter((run) => run.stack === stack.id && run.problems.length === 0);
  return {
    id: stack.id,
    label: stack.label,
    group: stack.group,
    platform: stack.platform,
    rounds: mine.length,
    flowsPerSecond: median(mine.map((run) => run.flowsPerSecond)),
    flowsPerSecondRange: [
      Math.min(...mine.map((run) => run.flowsPerSecond)),
      Math.max(...mine.map((run) => run.flowsPerSecond)),
    ],
    p50Ms: median(mine.map((run) => run.p50Ms)),
    p99Ms: median(mine.map((run) => run.p99Ms)),
    peakRssMb: median(mine.map((run) => run.peakRssBytes / 1048576)),
    cpuMsPerFlow: median(mine.map((run) => run.cpuMsPerFlow)),
  };
});
const byId = new Map(summaries.map((s) => [s.id, s]));
const ratios: Array<{ of: string; to: string; ratio: number; target?: number }> = [];
for (const { of, to, target } of TARGETS) {
  const a = byId.get(of);
  const b = byId.get(to);
  if (a && b) ratios.push({ of, to, ratio: a.flowsPerSecond / b.flowsPerSecond, target });
}
const allRatios: Array<{ of: string; to: string; ratio: number }> = [];
for (const a of summaries.filter((s) => s.group === 'e')) {
  for (const b of summaries.filter((s) => s.id !== a.id))
    allRatios.push({ of: a.id, to: b.id, ratio: a.flowsPerSecond / b.flowsPerSecond });
}

let memory: unknown;
if (runMemory) {
  try {
    memory = await measureMemory();
  } catch (error) {
    notes.push(`memory run failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const loadAfter = loadavg();
const cpu = cpus();
const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform} ${process.arch}`;
const loadText = `${loadBefore.map((v) => v.toFixed(2)).join(' ')} before, ${loadAfter.map((v) => v.toFixed(2)).join(' ')} after (1/5/15 min)`;
const optionsText = `${concurrency} concurrent flow loops, ${warmupSeconds} s warm-up, ${durationSeconds} s window per run${smoke ? ' (smoke: not a measurement)' : ''}.`;
const problems = runs.flatMap((run) => run.problems.map((problem) => `${run.stack} round ${run.round}: ${problem}`));
const report = {
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  smoke,
  machine,
  node: process.version,
  loadavg: { before: loadBefore, after: loadAfter },
  options: { durationSeconds, warmupSeconds, concurrency, rounds, stacks: selected.map((s) => s.id) },
  medians: summaries,
  ratios: allRatios,
  targets: ratios,
  memory,
  runs,
  notes,
  problems,
};

const markdown = markdownReport(summaries, ratios, memory as MemorySummary | undefined, {
  machine,
  options: optionsText,
  loadavg: loadText,
});
const svg = throughputSvg(
  summaries,
  `OAuth authorization code flows per second (${smoke ? 'smoke run' : `median of ${rounds} rounds`}, ${concurrency} concurrent)`,
);
// Only a full run (every stack) is published; a smoke run or a run of some stacks goes to tmp/.
const partial = smoke || selected.length < STACKS.length;
const outDir = partial ? join(resultsDir, 'tmp') : resultsDir;
mkdirSync(join(resultsDir, 'tmp'), { recursive: true });
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const base = smoke ? 'smoke' : partial ? 'partial' : 'latest';
writeFileSync(join(outDir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(resultsDir, 'tmp', `${stamp}${smoke ? '-smoke' : ''}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(outDir, `${base}.md`), markdown);
writeFileSync(join(outDir, partial ? `${base}-throughput.svg` : 'throughput.svg'), svg);

console.log('');
console.log(markdown);
for (const note of notes) console.log(`note: ${note}`);
console.log(
  `results: ${join(outDir, `${base}.json`)}, ${join(outDir, `${base}.md`)}, ${join(outDir, partial ? `${base}-throughput.svg` : 'throughput.svg')}`,
);
if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
} else if (runMemory && memory === undefined) {
  process.exitCode = 1;
}
