import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { registerSecret } from './leak-capture.js';

/** The Redis the suites use; `REDIS_URL` overrides. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
registerSecret(decodeURIComponent(new URL(REDIS_URL).password), 'Redis password (REDIS_URL)');

/** A key prefix no other suite (or run) uses. */
export function uniquePrefix(suite: string): string {
  return `acf-test:${suite}:${randomUUID()}:`;
}

/** A client of the test Redis. Close it with `client.quit()` (or `disconnect()`). */
export function redisClient(overrides: RedisOptions = {}): Redis {
  registerSecret(overrides.password, 'Redis password (redisClient)');
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1, ...overrides });
}

/** Host and port of the test Redis, and the connection options (credentials, db) a client through a proxy needs. */
export function redisTarget(): { host: string; port: number; options: RedisOptions } {
  const url = new URL(REDIS_URL);
  const options: RedisOptions = {};
  if (url.username) options.username = decodeURIComponent(url.username);
  if (url.password) options.password = decodeURIComponent(url.password);
  const db = url.pathname.replace(/^\//, '');
  if (db) options.db = Number(db);
  return { host: url.hostname || '127.0.0.1', port: Number(url.port || 6379), options };
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(client, prefix);
  if (keys.length) await client.del(...keys);
}

/** Every key under `prefix`. */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Resolves once the client is connected and ready. */
export async function ready(client: Redis): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
}

/**
 * A TCP proxy on 127.0.0.1 in front of Redis that a test can slow down (client-to-Redis bytes are
 * held `delayMs`, in order) or take down and bring back on the same port, without touching the shared Redis.
 */
export class RedisProxy {
  /** Delay of every client-to-Redis chunk received from now on. */
  delayMs = 0;
  private readonly sockets = new Set<Socket>();
  private readonly pending = new Set<Promise<void>>();
  private server: Server | undefined;

  private constructor(
    private readonly target: { host: string; port: number },
    public port: number,
  ) {}

  static async start(): Promise<RedisProxy> {
    const { host, port } = redisTarget();
    const proxy = new RedisProxy({ host, port }, 0);
    await proxy.listen();
    return proxy;
  }

  /** Client options that reach Redis through this proxy. */
  clientOptions(overrides: RedisOptions = {}): RedisOptions {
    return { ...redisTarget().options, host: '127.0.0.1', port: this.port, ...overrides };
  }

  /** Redis goes away: the port is closed (connection refused) and open connections are cut. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Redis comes back on the same port. */
  async up(): Promise<void> {
    if (!this.server) await this.listen();
  }

  /** Resolves when every delayed chunk has been passed on. */
  async drained(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    await this.down();
  }

  private async listen(): Promise<void> {
    const server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private pipe(client: Socket): void {
    const upstream = new Socket();
    this.sockets.add(client).add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
    upstream.connect(this.target.port, this.target.host);
    upstream.pipe(client);
    let chain: Promise<void> = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      const due = Date.now() + this.delayMs;
      const step = chain.then(async () => {
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (!upstream.destroyed) upstream.write(chunk);
      });
      chain = step;
      this.pending.add(step);
      void step.finally(() => this.pending.delete(step));
    });
  }
}

/** A `redis-server` of a test's own on a free port (`--save ''`, no AOF), for settings the shared Redis must keep. */
export async function startRedisServer(args: string[]): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const serverArgs = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args];
  const child = spawn('redis-server', serverArgs, { stdio: 'ignore' });
  const spawnFailed = new Promise<never>((_resolve, reject) => child.once('error', reject));
  spawnFailed.catch(() => undefined);
  const probe = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 50, maxRetriesPerRequest: null });
  probe.on('error', () => undefined);
  try {
    await Promise.race([ready(probe), spawnFailed]);
  } finally {
    probe.disconnect();
  }
  return {
    port,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
