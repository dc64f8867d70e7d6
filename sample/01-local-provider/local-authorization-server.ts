import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** oidc-provider client metadata for one client of the local server. */
export interface LocalClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  grant_types?: string[];
  scope?: string;
  token_endpoint_auth_method?: 'client_secret_post' | 'client_secret_basic' | 'none';
}

export interface LocalAuthorizationServer {
  issuer: string;
  close(): Promise<void>;
}

// The server script sits in the sample's source folder; this file runs from there (tests) or from dist/.
const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER_SCRIPT = [
  join(HERE, 'authorization-server', 'server.mjs'),
  join(HERE, '..', 'authorization-server', 'server.mjs'),
].find((path) => existsSync(path));

/** Forks the embedded oidc-provider on 127.0.0.1 and resolves with its issuer once it listens. */
export async function startLocalAuthorizationServer(
  clients: LocalClient[],
  timeoutMs = 15_000,
): Promise<LocalAuthorizationServer> {
  if (!SERVER_SCRIPT) throw new Error('authorization-server/server.mjs was not found beside the sample');
  const child = fork(SERVER_SCRIPT, [], {
    env: {
      ...process.env,
      PORT: process.env.AUTH_SERVER_PORT ?? '0',
      CLIENTS: JSON.stringify(clients),
      NODE_OPTIONS: '',
    },
    execArgv: [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`the local authorization server did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill();
      reject(error);
    };
    child.once('exit', (code) => fail(new Error(`the local authorization server exited with code ${code}`)));
    child.on('message', (message: { type?: string; issuer?: string }) => {
      if (message?.type === 'ready' && message.issuer) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(message.issuer);
      }
    });
  });
  return { issuer, close: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
