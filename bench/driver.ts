/**
 * The load driver: `concurrency` loops, each a browser with its own user and cookie jar, running whole
 * flows back to back over keep-alive connections: GET authorize (expect 302; keep the state from Location
 * and any cookie set), then GET callback?code=…&state=… (expect 302). Flows completed during the timed
 * window are counted and their latencies kept; anything else is an error. A nonce in the authorize
 * redirect travels inside the code to the token endpoint, which puts it in the ID token it signs.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { codeForCallback } from './fake-provider.js';

export interface DriverTarget {
  port: number;
  authorizePath: string;
  callbackPath: string;
}

export interface DriverOptions {
  concurrency: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Called when the timed window opens and closes (e.g. to sample the stack's memory). */
  onWindow?: (phase: 'start' | 'end') => void;
}

export interface DriverResult {
  flows: number;
  errors: number;
  /** Errors in any phase (warm-up included). */
  totalErrors: number;
  /** Flows completed in any phase (warm-up included), to compare with the token endpoint's count. */
  totalFlows: number;
  durationSeconds: number;
  flowsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  firstErrors: string[];
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
}

const STATE_IN_LOCATION = /[?&]state=([^&#]+)/;
const NONCE_IN_LOCATION = /[?&]nonce=([^&#]+)/;

export async function drive(target: DriverTarget, options: DriverOptions): Promise<DriverResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency, keepAliveMsecs: 30_000 });
  const get = (path: string, headers: Record<string, string>): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: target.port, path, method: 'GET', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        res.on('error', reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error('request timeout')));
      req.on('error', reject);
      req.end();
    });

  let phase: 'warmup' | 'window' | 'done' = 'warmup';
  let flows = 0;
  let totalFlows = 0;
  let errors = 0;
  let totalErrors = 0;
  let code = 0;
  const firstErrors: string[] = [];
  const latencies: number[] = [];
  const fail = (message: string) => {
    totalErrors++;
    if (phase === 'window') errors++;
    if (firstErrors.length < 5) firstErrors.push(message);
  };

  async function loop(index: number): Promise<void> {
    const user = `bench-user-${index}`;
    const jar = new Map<string, string>();
    while (phase !== 'done') {
      const started = performance.now();
      try {
        const headers: Record<string, string> = { 'x-user': user };
        if (jar.size > 0) headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
        const authorize = await get(target.authorizePath, headers);
        keepCookies(jar, authorize.headers['set-cookie']);
        const location = authorize.headers.location;
        const state = location ? STATE_IN_LOCATION.exec(location)?.[1] : undefined;
        const nonce = location ? NONCE_IN_LOCATION.exec(location)?.[1] : undefined;
        if (authorize.status !== 302 || !state) {
          fail(`authorize answered ${authorize.status}${state ? '' : ' without a state'}`);
          continue;
        }
        if (jar.size > 0) headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
        const callback = await get(
          `${target.callbackPath}?code=${codeForCallback(++code, nonce)}&state=${state}`,
          headers,
        );
        keepCookies(jar, callback.headers['set-cookie']);
        if (callback.status !== 302) {
          fail(`callback answered ${callback.status}`);
          continue;
        }
        const finished = performance.now();
        totalFlows++;
        if (phase === 'window') {
          flows++;
          latencies.push(finished - started);
        }
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  const loops = Array.from({ length: options.concurrency }, (_, index) => loop(index));
  await sleep(options.warmupSeconds * 1000);
  phase = 'window';
  const windowStart = performance.now();
  options.onWindow?.('start');
  await sleep(options.durationSeconds * 1000);
  const windowEnd = performance.now();
  // Flows still in flight when the window closes are not counted in it.
  const counted = flows;
  const countedErrors = errors;
  const countedLatencies = latencies.slice();
  phase = 'done';
  options.onWindow?.('end');
  await Promise.all(loops);
  agent.destroy();

  countedLatencies.sort((a, b) => a - b);
  const seconds = (windowEnd - windowStart) / 1000;
  return {
    flows: counted,
    errors: countedErrors,
    totalFlows,
    totalErrors,
    durationSeconds: seconds,
    flowsPerSecond: counted / seconds,
    p50Ms: percentile(countedLatencies, 0.5),
    p99Ms: percentile(countedLatencies, 0.99),
    meanMs: countedLatencies.length
      ? countedLatencies.reduce((sum, value) => sum + value, 0) / countedLatencies.length
      : NaN,
    firstErrors,
  };
}

function keepCookies(jar: Map<string, string>, setCookie: string[] | undefined): void {
  if (!setCookie) return;
  for (const cookie of setCookie) {
    const end = cookie.indexOf(';');
    const pair = end < 0 ? cookie : cookie.slice(0, end);
    const separator = pair.indexOf('=');
    if (separator > 0) jar.set(pair.slice(0, separator).trim(), pair.slice(separator + 1).trim());
  }
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
