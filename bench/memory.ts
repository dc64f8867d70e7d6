/**
 * Memory of the default in-memory state store under abandoned flows: pending authorizations created the
 * way the authorize route creates them (`FlowManager.createAuthorizationUrl` with a user and a browser
 * binding, so each record holds the PKCE verifier and the binding's hash), never completed. Measures
 * `heapUsed` after a full GC at each size, then again once the TTL has passed and the store has swept.
 * Run with `--expose-gc`; reports over IPC (or prints JSON when run by hand).
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { AuthCodeFlowModule, FlowManagerRegistry, InMemoryStateStore, STATE_STORE } from 'nestjs-auth-code-flow';

const sizes = (process.env.BENCH_MEMORY_SIZES ?? '10000,100000').split(',').map(Number);
const ttlSeconds = Number(process.env.BENCH_MEMORY_TTL_SECONDS ?? 5);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function collect(): NodeJS.MemoryUsage {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage();
}

@Module({
  imports: [
    AuthCodeFlowModule.forRoot({
      providers: {
        fake: {
          baseUri: 'http://127.0.0.1:9',
          authorizationPath: '/authorize',
          accessTokenPath: '/token',
          clientId: 'bench-client',
          clientSecret: 'bench-secret',
          redirectUri: 'http://127.0.0.1/oauth/fake/callback',
          scope: 'read',
        },
      },
      stateTtlSeconds: ttlSeconds,
      routes: false,
    }),
  ],
})
class MemoryModule {}

const app = await NestFactory.createApplicationContext(MemoryModule, { logger: false });
const manager = app.get(FlowManagerRegistry).get('fake');
const store = app.get(STATE_STORE) as InMemoryStateStore;
if (!(store instanceof InMemoryStateStore)) throw new Error('expected the default InMemoryStateStore');

const baseline = collect();
const points: Array<{
  pending: number;
  heapUsedBytes: number;
  heapDeltaBytes: number;
  bytesPerFlow: number;
  rssBytes: number;
}> = [];
let created = 0;
let firstCreatedAt = Date.now();
for (const size of sizes.sort((a, b) => a - b)) {
  if (created === 0) firstCreatedAt = Date.now();
  for (; created < size; created++) {
    // What the authorize route does per request: a browser binding (hashed in the record) and a user.
    await manager.createAuthorizationUrl(`user-${created}`, { browserBinding: randomBytes(32).toString('base64url') });
  }
  const usage = collect();
  const delta = usage.heapUsed - baseline.heapUsed;
  points.push({
    pending: store.size,
    heapUsedBytes: usage.heapUsed,
    heapDeltaBytes: delta,
    bytesPerFlow: Math.round(delta / size),
    rssBytes: usage.rss,
  });
}
const lastCreatedAt = Date.now();
const fillSeconds = (lastCreatedAt - firstCreatedAt) / 1000;
// Wait until every record's TTL has passed, then let the store sweep (its own timer runs every 60 s).
await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastCreatedAt + ttlSeconds * 1000 - Date.now()) + 100));
store.sweep();
const afterTtl = collect();
const result = {
  ttlSeconds,
  fillSeconds,
  /** True when filling took longer than the TTL: the first records had expired (unswept) when measured. */
  fillExceededTtl: fillSeconds >= ttlSeconds,
  baselineHeapUsedBytes: baseline.heapUsed,
  points,
  afterTtl: {
    pending: store.size,
    heapUsedBytes: afterTtl.heapUsed,
    heapDeltaBytes: afterTtl.heapUsed - baseline.heapUsed,
    rssBytes: afterTtl.rss,
  },
};
await app.close();
if (process.send) process.send({ type: 'memory-result', result });
else console.log(JSON.stringify(result, null, 2));
process.disconnect?.();
