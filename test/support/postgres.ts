import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import pg from 'pg';
import { registerSecret } from './leak-capture.js';

/**
 * The PostgreSQL the suites use: 127.0.0.1:5432, database `test`, user `postgres` (trust auth on these
 * machines; `.ci/run` starts the server when it is down). `PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER` and
 * `PGPASSWORD` override.
 */
export const POSTGRES_CONFIG: pg.PoolConfig = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  database: process.env.PGDATABASE ?? 'test',
  user: process.env.PGUSER ?? 'postgres',
  ...(process.env.PGPASSWORD ? { password: process.env.PGPASSWORD } : {}),
};

/** A pool on the test database. End it with `pool.end()`. */
export function postgresPool(overrides: pg.PoolConfig = {}): pg.Pool {
  registerSecret(overrides.password ?? POSTGRES_CONFIG.password, 'PostgreSQL password (postgresPool)');
  const pool = new pg.Pool({ ...POSTGRES_CONFIG, ...overrides });
  // An idle client whose server went away is reported here; without a listener the process would crash.
  pool.on('error', () => undefined);
  return pool;
}

/** A table name no other suite (or run) uses: `acf_test_{suite}_{random}`, within the store's 49 characters. */
export function uniqueTableName(suite: string): string {
  return `acf_test_${suite.replace(/[^a-z0-9_]/g, '_').slice(0, 20)}_${randomBytes(6).toString('hex')}`;
}

/** Drops the tables of a `PostgresTokenStore` with that `tableName` (`table` or `schema.table`). */
export async function dropTokenTables(pool: pg.Pool, tableName: string): Promise<void> {
  const quoted = tableName
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
  await pool.query(`DROP TABLE IF EXISTS ${quoted}, ${quoted.replace(/"$/, '_refresh_locks"')}`);
}

/** Resolves once `condition` holds, checking every 10 ms; rejects after `limitMs`. */
export async function eventually(condition: () => boolean, limitMs = 5_000): Promise<void> {
  const giveUp = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error('the condition did not come true');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A port on 127.0.0.1 that nothing listens on (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP server on 127.0.0.1 that accepts connections and never answers: a database that hangs. */
export async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined).on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
