import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerAuthorizationRequest, registerProviderOrigin, registerSecret } from './leak-capture.js';

/** oidc-provider client metadata, as `sample/01-local-provider/authorization-server/server.mjs` takes it in `CLIENTS`. */
export interface LocalClientMetadata {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  grant_types?: Array<'authorization_code' | 'refresh_token'>;
  response_types?: ['code'];
  scope?: string;
  token_endpoint_auth_method?:
    'client_secret_post' | 'client_secret_basic' | 'none' | 'private_key_jwt' | 'client_secret_jwt';
  /** The client's public keys (`private_key_jwt`), or `jwks_uri` to fetch them from. */
  jwks?: { keys: Array<Record<string, unknown>> };
  jwks_uri?: string;
  /** RFC 7523 / OpenID Connect Core §9: the `alg` the client's assertions must use. */
  token_endpoint_auth_signing_alg?: string;
  /** RFC 9449 §5.2: access tokens for this client are always DPoP-bound. */
  dpop_bound_access_tokens?: boolean;
  /** RFC 9126 §6: this client must push its authorization requests. */
  require_pushed_authorization_requests?: boolean;
  /** Where RP-Initiated Logout may send the browser back to (`post_logout_redirect_uri`). */
  post_logout_redirect_uris?: string[];
}

export interface LoginOptions {
  /** The account to sign in as; the server accepts any non-empty name. */
  username: string;
  /** What to answer on the consent page. @default 'allow' */
  consent?: 'allow' | 'deny';
  /** The browser's cookies; pass the same jar to several logins to reuse the server's session (SSO). */
  jar?: CookieJar;
}

export interface LocalAuthorizationServer {
  /**
   * `http://127.0.0.1:<port>`; the endpoints are `/auth`, `/token`, `/me`, `/token/revocation`, `/jwks`,
   * `/session/end`, and its metadata is at `/.well-known/openid-configuration`.
   */
  readonly issuer: string;
  /**
   * Plays the browser from `authorizationUrl` to the client's redirect URI: follows redirects, signs in,
   * answers the consent page. Returns the redirect URI the browser would be sent to (with `code`, `state`
   * and `iss`, or `error`), without requesting it.
   */
  login(authorizationUrl: string, options: LoginOptions): Promise<URL>;
  /**
   * How many requests each `METHOD /path` got so far (no query, no body), e.g. `{ 'POST /token': 2, 'GET /jwks': 1,
   * 'GET /.well-known/openid-configuration': 1 }`;
   * per-flow segments are folded (`GET /interaction/:uid`, `GET /auth/:uid`). Includes every request whose
   * response the caller has already received.
   */
  countRequests(): Promise<Record<string, number>>;
  /**
   * Replaces the server's signing key with a new one (a new `kid`): later ID tokens are signed with it and
   * `/jwks` serves it alone, so a JWK Set fetched before cannot verify them. Grants, sessions, codes and
   * refresh tokens issued before stay valid.
   */
  rotateKeys(): Promise<void>;
  /**
   * Registers one more client, e.g. one whose `jwks_uri` names an app started after the server; rejects when
   * oidc-provider refuses its metadata. A `jwks_uri` on 127.0.0.1 is fetched despite oidc-provider's SSRF guard.
   */
  addClient(client: LocalClientMetadata): Promise<void>;
  /** Stops the server and waits for its process to exit. */
  close(): Promise<void>;
}

const SERVER_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'sample',
  '01-local-provider',
  'authorization-server',
  'server.mjs',
);
const MAX_STEPS = 20;
const STDERR_TAIL = 4096;

/**
 * Forks the local authorization server (oidc-provider in its own process: it is ESM-only and Jest's module
 * runtime does not load it well) with `clients` registered, and waits until it listens.
 */
export async function startLocalAuthorizationServer(options: {
  clients: LocalClientMetadata[];
  startTimeoutMs?: number;
  /** Every client must push its authorization requests (RFC 9126 `require_pushed_authorization_requests`). */
  requirePushedAuthorizationRequests?: boolean;
  /** DPoP proofs must carry a server nonce (RFC 9449 §8); a first proof without one is answered `use_dpop_nonce`. */
  dpopNonce?: boolean;
}): Promise<LocalAuthorizationServer> {
  const { clients, startTimeoutMs = 15_000 } = options;
  // Jest runs with NODE_OPTIONS=--experimental-vm-modules; the server needs none of it.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = fork(SERVER_PATH, [], {
    execArgv: [],
    env: {
      ...env,
      PORT: '0',
      CLIENTS: JSON.stringify(clients),
      REQUIRE_PAR: options.requirePushedAuthorizationRequests ? '1' : '0',
      DPOP_NONCE: options.dpopNonce ? '1' : '0',
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let issuer: string;
  try {
    issuer = await waitForReady(child, startTimeoutMs, () => stderr);
  } catch (error) {
    await stop(child, exited);
    throw error;
  }
  // Nothing here keeps Jest alive: a forgotten close() still lets it exit, and the server exits with it.
  child.unref();
  child.channel?.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();

  registerProviderOrigin(issuer);
  for (const client of clients) registerClientSecret(client);
  const known = [...clients];
  return {
    issuer,
    login: (authorizationUrl, loginOptions) => login(issuer, known, authorizationUrl, loginOptions),
    countRequests: async () => (await ask(child, 'count-requests', 'request-counts')).counts as Record<string, number>,
    rotateKeys: async () => void (await ask(child, 'rotate-keys', 'keys-rotated')),
    addClient: async (client) => {
      const { error } = await ask(child, 'add-client', 'client-added', { client });
      if (typeof error === 'string') throw new Error(`The local authorization server refused the client: ${error}`);
      registerClientSecret(client);
      known.push(client);
    },
    close: () => stop(child, exited),
  };
}

function registerClientSecret(client: LocalClientMetadata): void {
  registerSecret(client.client_secret, `client secret of ${client.client_id} (local authorization server)`);
}

function waitForReady(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const done = (error: Error | undefined, issuer?: string) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
      if (error) reject(error);
      else resolve(issuer!);
    };
    const describe = () => (stderr().trim() ? `\n--- its stderr ---\n${stderr().trim()}` : '');
    const onMessage = (message: unknown) => {
      if (isReadyMessage(message)) done(undefined, message.issuer);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      done(
        new Error(
          `The local authorization server exited (${signal ?? `code ${code}`}) before it was ready.${describe()}`,
        ),
      );
    const onError = (error: Error) =>
      done(new Error(`The local authorization server could not be started: ${error.message}`));
    const timer = setTimeout(
      () => done(new Error(`The local authorization server was not ready within ${timeoutMs} ms.${describe()}`)),
      timeoutMs,
    );
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function isReadyMessage(message: unknown): message is { type: 'ready'; issuer: string } {
  if (typeof message !== 'object' || message === null) return false;
  const { type, issuer } = message as Record<string, unknown>;
  return type === 'ready' && typeof issuer === 'string';
}

let nextRequestId = 0;

/** Sends `{ type, id, ...payload }` over IPC and resolves with the server's `{ type: replyType, id, ... }`. */
function ask(
  child: ChildProcess,
  type: string,
  replyType: string,
  payload: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const id = ++nextRequestId;
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const done = (error: Error | undefined, reply?: Record<string, unknown>) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(reply!);
    };
    const onMessage = (message: unknown) => {
      const reply = message as Record<string, unknown> | null;
      if (reply?.type === replyType && reply.id === id) done(undefined, reply);
    };
    const onExit = () => done(new Error('The local authorization server has exited.'));
    const timer = setTimeout(() => done(new Error(`The local authorization server did not answer ${type}.`)), 5_000);
    if (!child.connected) return done(new Error('The local authorization server has exited.'));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ ...payload, type, id }, (error) => error && done(error));
  });
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
  try {
    await exited;
  } finally {
    clearTimeout(force);
  }
}

// ---- the browser ---------------------------------------------------------------------------------

async function login(
  issuer: string,
  clients: LocalClientMetadata[],
  authorizationUrl: string,
  options: LoginOptions,
): Promise<URL> {
  const { username, consent = 'allow', jar = new CookieJar() } = options;
  const first = new URL(authorizationUrl);
  registerAuthorizationRequest(first, 'local authorization server');
  const client = clients.find((candidate) => candidate.client_id === first.searchParams.get('client_id'));
  const redirectUris = client?.redirect_uris ?? [first.searchParams.get('redirect_uri') ?? ''];
  const isRedirectUri = (url: URL) => redirectUris.some((uri) => URL.canParse(uri) && sameEndpoint(url, new URL(uri)));
  const origin = new URL(issuer).origin;

  let request: { url: URL; method: 'GET' | 'POST'; form?: URLSearchParams } = { url: first, method: 'GET' };
  const seen: string[] = [];
  for (let step = 0; step < MAX_STEPS; step++) {
    if (request.url.origin !== origin)
      throw new Error(
        `login: refusing to leave the authorization server for ${request.url.origin}${request.url.pathname}`,
      );
    seen.push(`${request.method} ${request.url.pathname}`);
    const headers: Record<string, string> = {};
    const cookie = jar.header(request.url);
    if (cookie) headers.cookie = cookie;
    if (request.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      body: request.form?.toString(),
      redirect: 'manual',
    });
    jar.store(request.url, response.headers.getSetCookie());
    const body = await response.text();

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, request.url);
      if (isRedirectUri(next)) {
        registerSecret(next.searchParams.get('code'), 'code (local authorization server)', 'code');
        return next;
      }
      request = { url: next, method: 'GET' };
      continue;
    }
    if (response.status === 200) {
      const action = /<form\b[^>]*\baction="([^"]+)"/i.exec(body)?.[1];
      const target = action ? new URL(decodeHtml(action), request.url) : undefined;
      if (target?.pathname.endsWith('/login')) {
        request = { url: target, method: 'POST', form: new URLSearchParams({ username }) };
        continue;
      }
      if (target?.pathname.endsWith('/consent')) {
        request = { url: target, method: 'POST', form: new URLSearchParams({ decision: consent }) };
        continue;
      }
    }
    throw new Error(
      `login: unexpected HTTP ${response.status} at ${request.method} ${request.url.pathname}: ${excerpt(body)}\n(steps: ${seen.join(' -> ')})`,
    );
  }
  throw new Error(`login: no redirect to the client after ${MAX_STEPS} steps (${seen.join(' -> ')})`);
}

function sameEndpoint(a: URL, b: URL): boolean {
  return a.origin === b.origin && a.pathname === b.pathname;
}

function decodeHtml(value: string): string {
  return value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
}

function excerpt(body: string): string {
  const text = body
    .replace(/<style[\s\S]*?<\/style>/gi, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** A minimal cookie jar for one host: honours Path, Max-Age and Expires (enough for oidc-provider's cookies). */
export class CookieJar {
  private readonly cookies = new Map<string, { name: string; value: string; path: string; expiresAt?: number }>();

  store(requestUrl: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = defaultPath(requestUrl);
      let expiresAt: number | undefined;
      let maxAgeSeen = false;
      for (const attribute of attributes) {
        const [key = '', ...rest] = attribute.split('=');
        const attributeValue = rest.join('=').trim();
        switch (key.trim().toLowerCase()) {
          case 'path':
            if (attributeValue.startsWith('/')) path = attributeValue;
            break;
          case 'max-age':
            maxAgeSeen = true;
            expiresAt = Date.now() + Number(attributeValue) * 1000;
            break;
          case 'expires':
            if (!maxAgeSeen) expiresAt = Date.parse(attributeValue);
            break;
        }
      }
      const key = `${name};${path}`;
      if (expiresAt !== undefined && !(expiresAt > Date.now())) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path, expiresAt });
    }
  }

  header(url: URL): string | undefined {
    const now = Date.now();
    const matching = [...this.cookies.entries()]
      .filter(([key, cookie]) => {
        if (cookie.expiresAt !== undefined && cookie.expiresAt <= now) {
          this.cookies.delete(key);
          return false;
        }
        return pathMatches(url.pathname, cookie.path);
      })
      .map(([, cookie]) => cookie)
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length > 0 ? matching.map(({ name, value }) => `${name}=${value}`).join('; ') : undefined;
  }
}

function defaultPath(url: URL): string {
  const last = url.pathname.lastIndexOf('/');
  return last <= 0 ? '/' : url.pathname.slice(0, last);
}

/** RFC 6265 §5.1.4. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}
