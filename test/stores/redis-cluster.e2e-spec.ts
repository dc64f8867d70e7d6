import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis } from 'ioredis';
import { RedisStateStore, RedisTokenStore } from '../../lib/index.js';
import { describeStateStoreContract } from './state-store.contract.js';
import { describeTokenStoreContract } from './token-store.contract.js';
import { ready, uniquePrefix } from '../support/redis.js';

/**
 * The Redis stores on an ioredis `Cluster` client: a one-node Redis Cluster (all 16384 slots on one
 * node) started by this suite. Redis Cluster refuses any command whose keys span slots (CROSSSLOT),
 * even on one node, so passing the contracts here shows that every operation stays within one slot.
 */
let node: Promise<number> | undefined;
let child: ChildProcess | undefined;
let dir: string | undefined;
const clusters: Cluster[] = [];

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Starts `redis-server` in cluster mode on a free port, gives it every slot, and resolves to its port once the cluster is ok. */
async function startNode(): Promise<number> {
  let port = 0;
  // The cluster bus listens on port + 10000, so both must be free and below 65536.
  for (let attempt = 0; attempt < 20 && !port; attempt++) {
    const candidate = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await portIsFree(candidate)) && (await portIsFree(candidate + 10_000))) port = candidate;
  }
  if (!port) throw new Error('no free port pair for a Redis Cluster node');
  dir = await mkdtemp(join(tmpdir(), 'acf-cluster-'));
  child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, 'nodes.conf'),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--cluster-announce-ip',
      '127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const spawnFailed = new Promise<never>((_resolve, reject) => child!.once('error', reject));
  spawnFailed.catch(() => undefined);
  const admin = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 50, maxRetriesPerRequest: null });
  admin.on('error', () => undefined);
  try {
    await Promise.race([ready(admin), spawnFailed]);
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    for (let i = 0; !String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok'); i++) {
      if (i > 200) throw new Error('the one-node Redis Cluster did not become ready');
      await sleep(50);
    }
  } finally {
    admin.disconnect();
  }
  return port;
}

async function clusterClient(): Promise<Cluster> {
  node ??= startNode();
  const port = await node;
  const cluster = new Cluster([{ host: '127.0.0.1', port }]);
  clusters.push(cluster);
  await new Promise<void>((resolve, reject) => cluster.once('ready', () => resolve()).once('error', reject));
  return cluster;
}

afterAll(async () => {
  await Promise.all(clusters.map((cluster) => cluster.quit().catch(() => cluster.disconnect())));
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
}, 20_000);

describeStateStoreContract('RedisStateStore on a Cluster client', async () => {
  const [first, second] = [await clusterClient(), await clusterClient()];
  const prefix = uniquePrefix('cluster-state');
  return {
    store: new RedisStateStore(first, { keyPrefix: prefix }),
    peers: [new RedisStateStore(second, { keyPrefix: prefix })],
  };
});

describeTokenStoreContract('RedisTokenStore on a Cluster client', async () => {
  const client = await clusterClient();
  return { store: new RedisTokenStore(client, { keyPrefix: uniquePrefix('cluster-tokens') }) };
});

describe('the one-node cluster itself', () => {
  it('refuses a command whose keys span slots, so the contracts above would catch one', async () => {
    const client = await clusterClient();
    const keys = ['{a}x', '{b}y'];
    await expect(client.eval("return redis.call('MGET', KEYS[1], KEYS[2])", 2, ...keys)).rejects.toThrow(/CROSSSLOT/);
  });
});
