// Every way a token endpoint can fail a code exchange, in one table (SECURITY.md "Fault and load behaviour",
// items 17, 19, 22; issue 17 item 4), run through FlowManager on both transports and through the callback route
// on Express and Fastify. Each fault must end in a TokenEndpointError of the row's `failure` (the routes: 504 for a
// timeout, 502 otherwise) within httpTimeoutMs, with nothing stored, no onTokens, the state spent (a replay is
// refused before any token request), and the code sent at most once: the token endpoint receives exactly one
// request, except a refused connection, which never received the code and is the only fault retried.
//
// Gathered here from token-exchange.e2e-spec.ts (hang, slow drip, 500, HTML, redirect, 2 MiB, reset, the
// Retry-After cases, connection refused) and token-responses.e2e-spec.ts (a 503 with Retry-After at the route).
// Kept where they are, because they test something else:
// - test/transport/token-transport.e2e-spec.ts: each transport's own bounds (and the http-service transport chosen
//   because a proxy variable is set), chunked and compressed bodies that must work, and the decoder of a gzip,
//   deflate or brotli bomb destroyed having emitted at most the cap and a chunk;
// - test/http/token-responses.e2e-spec.ts: a property over arbitrary answers (status, type, fields), deep nesting,
//   `__proto__` members, a provider's error text;
// - test/flow-manager/token-exchange.e2e-spec.ts: no secret in the error of a reset, a custom transport's codes.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
// The 'http-service' transport imports these optional peers dynamically; Jest's ESM runtime links such an import
// only for a module it has loaded before ("request for './lib/axios.js' is not in cache").
import '@nestjs/axios';
import 'axios';
import type { TestingModule } from '@nestjs/testing';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { MAX_TOKEN_REQUEST_RETRIES, MAX_TOKEN_RESPONSE_BYTES } from '../../lib/auth-code-flow.constants.js';
import { TOKEN_ENDPOINT_FAILED, TOKEN_RESPONSE_PROBLEM } from '../../lib/auth-code-flow.messages.js';
import {
  FlowManagerRegistry,
  InvalidStateError,
  TOKEN_HTTP_TRANSPORT,
  TOKEN_STORE,
  TokenEndpointError,
  TokenHttpFailure,
  type FlowManager,
  type FlowManagerOptions,
  type TokenEndpointFailure,
  type TokenHttpTransport,
  type TokensEvent,
  type TokenStore,
} from '../../lib/index.js';
import { FakeProvider, json } from '../support/fake-provider.js';
import { cookiesFrom, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';
import { instrumentDecoders } from '../support/zlib-decoders.js';

/** Room for a refused connection's three attempts (100 and 200 ms apart) on a busy machine; short enough to wait for. */
const HTTP_TIMEOUT_MS = 800;
const TOKEN_PATH = '/oauth/token';
const CAP = MAX_TOKEN_RESPONSE_BYTES;
const MiB = 1024 * 1024;

type TransportName = 'node-http' | 'http-service';
const TRANSPORTS: TransportName[] = ['node-http', 'http-service'];

/**
 * Where a provider's token endpoint is: the fake's (answered by the row's `reply`), a closed port (connection
 * refused), or a TCP server that accepts connections and never reads or writes.
 */
type Target = 'fake' | 'refused' | 'silent';
const TARGETS: Target[] = ['fake', 'refused', 'silent'];

interface Fault {
  name: string;
  target?: Target;
  /** How the fake's token endpoint answers (target 'fake'). */
  reply?: (res: ServerResponse) => void;
  failure: TokenEndpointFailure;
  /** `error.status`: the status of an answer that arrived. */
  status?: number;
  /** What follows "The token request failed: " in the message; per transport where they word it apart. */
  reason: string | Record<TransportName, string>;
  /** `error.retryAfter`, when the answer said how long to wait. */
  retryAfter?: number | 'a number';
  /** More evidence of a bound, taken around the exchange (started once the browser is back at the callback). */
  probe?: () => { verify(): Promise<void> };
}

let fake: FakeProvider;
/** Another origin: a redirect of the token request must not reach it. */
let elsewhere: CountingHttpServer;
let silent: SilentTcpServer;
let refusedPort: number;

const timedOut = `no complete response within ${HTTP_TIMEOUT_MS} ms`;
const tooLarge = `the response exceeds ${CAP} bytes`;
const network = (code: string) => `network error ${code}`;

const FAULTS: Fault[] = [
  // ---- hangs and slow answers: a timeout, 504 at the route
  { name: 'a TCP server that accepts and never answers', target: 'silent', failure: 'timeout', reason: timedOut },
  { name: 'a hang after the request is read', reply: () => undefined, failure: 'timeout', reason: timedOut },
  {
    name: 'a hang after the status and headers',
    reply: (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).flushHeaders(),
    failure: 'timeout',
    reason: timedOut,
  },
  {
    name: 'a slow drip of whitespace that never ends',
    reply: (res) => drip(res, ' '),
    failure: 'timeout',
    reason: timedOut,
  },
  {
    name: 'a slow drip inside an access token',
    reply: (res) => drip(res, 'a', '{"access_token":"'),
    failure: 'timeout',
    reason: timedOut,
  },
  // ---- 5xx and other statuses without an OAuth error: never retried, whatever Retry-After says
  ...(
    [
      [500, undefined, undefined],
      [500, '1', undefined],
      [502, undefined, undefined],
      [503, undefined, undefined],
      [503, '0', 0],
      [503, '120', 120],
      [503, 'an HTTP date a minute ahead', 'a number'],
      [503, 'soon', undefined],
      [504, undefined, undefined],
    ] as const
  ).map(([status, retryAfterHeader, retryAfter]): Fault => ({
    name: `a ${status} ${retryAfterHeader === undefined ? 'without Retry-After' : `with Retry-After: ${retryAfterHeader}`}`,
    reply: (res) => {
      const header = retryAfterHeader?.startsWith('an HTTP date')
        ? new Date(Date.now() + 60_000).toUTCString()
        : retryAfterHeader;
      json(res, status, { error: 'temporarily_unavailable' }, header === undefined ? {} : { 'Retry-After': header });
    },
    failure: 'http_status',
    status,
    reason: TOKEN_RESPONSE_PROBLEM.serverError(status),
    retryAfter,
  })),
  {
    // A rate limiter in front of the server sends no OAuth error (with one, it would be a TokenRequestError).
    name: 'a 429 with Retry-After: 1 and no OAuth error',
    reply: (res) => json(res, 429, { message: 'Too Many Requests' }, { 'Retry-After': '1' }),
    failure: 'http_status',
    status: 429,
    reason: TOKEN_RESPONSE_PROBLEM.statusWithoutError(429),
    retryAfter: 1,
  },
  {
    name: 'an HTML 500',
    reply: (res) => res.writeHead(500, { 'Content-Type': 'text/html' }).end('<h1>Internal Server Error</h1>'),
    failure: 'http_status',
    status: 500,
    reason: TOKEN_RESPONSE_PROBLEM.serverError(500),
  },
  // ---- a 200 whose body is no token response
  {
    name: 'an HTML 200 (a login page)',
    reply: (res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><form>Sign in</form></html>'),
    failure: 'invalid_response',
    status: 200,
    reason: TOKEN_RESPONSE_PROBLEM.unparseable,
  },
  ...(
    [
      ['invalid JSON', 'application/json', '{"access_token":"at","token_type":'],
      ['JSON null', 'application/json', 'null'],
      ['a JSON array', 'application/json', '[]'],
      ['a JSON string', 'application/json', '"access_token"'],
      ['a JSON number', 'application/json', '42'],
      ['an empty body', 'application/json', ''],
      ['plain text', 'text/plain', 'OK'],
    ] as const
  ).map(([what, contentType, body]): Fault => ({
    name: `${what} in a 200`,
    reply: (res) => res.writeHead(200, { 'Content-Type': contentType }).end(body),
    failure: 'invalid_response',
    status: 200,
    reason: TOKEN_RESPONSE_PROBLEM.unparseable,
  })),
  {
    name: 'a 204 No Content',
    reply: (res) => res.writeHead(204).end(),
    failure: 'invalid_response',
    status: 204,
    reason: TOKEN_RESPONSE_PROBLEM.unparseable,
  },
  // ---- a JSON object without a usable token set
  ...(
    [
      ['no access_token', { token_type: 'Bearer' }, TOKEN_RESPONSE_PROBLEM.noAccessToken],
      ['an empty object', {}, TOKEN_RESPONSE_PROBLEM.noAccessToken],
      ['an empty access_token', { access_token: '', token_type: 'Bearer' }, TOKEN_RESPONSE_PROBLEM.noAccessToken],
      ['a number as access_token', { access_token: 42, token_type: 'Bearer' }, TOKEN_RESPONSE_PROBLEM.noAccessToken],
      ['an object as access_token', { access_token: { v: 'at' } }, TOKEN_RESPONSE_PROBLEM.noAccessToken],
      ['a number as token_type', { access_token: 'at', token_type: 1 }, TOKEN_RESPONSE_PROBLEM.unsupportedTokenType],
      ['token_type mac', { access_token: 'at', token_type: 'mac' }, TOKEN_RESPONSE_PROBLEM.unsupportedTokenType],
      [
        'a word as expires_in',
        { access_token: 'at', expires_in: 'soon' },
        TOKEN_RESPONSE_PROBLEM.lifetimeMalformed('expires_in'),
      ],
      [
        'a negative expires_in',
        { access_token: 'at', expires_in: -5 },
        TOKEN_RESPONSE_PROBLEM.lifetimeMalformed('expires_in'),
      ],
      [
        'a fractional expires_in',
        { access_token: 'at', expires_in: 1.5 },
        TOKEN_RESPONSE_PROBLEM.lifetimeMalformed('expires_in'),
      ],
      [
        'a huge expires_in',
        { access_token: 'at', expires_in: 1e300 },
        TOKEN_RESPONSE_PROBLEM.lifetimeMalformed('expires_in'),
      ],
      [
        'a number as refresh_token',
        { access_token: 'at', refresh_token: 7 },
        TOKEN_RESPONSE_PROBLEM.notAString('refresh_token'),
      ],
      ['an array as scope', { access_token: 'at', scope: ['read'] }, TOKEN_RESPONSE_PROBLEM.notAString('scope')],
      ['an object as id_token', { access_token: 'at', id_token: {} }, TOKEN_RESPONSE_PROBLEM.notAString('id_token')],
    ] as const
  ).map(([what, body, reason]): Fault => ({
    name: `${what} in a JSON 200`,
    reply: (res) => json(res, 200, body),
    failure: 'invalid_response',
    status: 200,
    reason,
  })),
  // ---- too large: stopped at the cap, whatever the body claims or how well it compresses
  {
    name: 'a 2 MiB access token',
    reply: (res) => json(res, 200, { access_token: 'a'.repeat(2 * MiB), token_type: 'Bearer' }),
    failure: 'response_too_large',
    reason: tooLarge,
  },
  {
    name: 'a 50 MB body, streamed',
    reply: (res) => streamHugeBody(res),
    failure: 'response_too_large',
    reason: tooLarge,
    // The client stops reading at the cap: the server cannot write much more than that into the socket buffers.
    probe: () => ({
      verify: async () => {
        const written = await hugeBodyWritten;
        expect(written).toBeGreaterThan(CAP);
        expect(written).toBeLessThan(HUGE_BODY_BYTES / 2);
      },
    }),
  },
  {
    // 16 GiB of zeros in 16 MB of gzip members, streamed: inflating it all would take far longer than the timeout.
    name: 'a gzip bomb (16 GiB of zeros)',
    reply: (res) => streamGzipBomb(res),
    failure: 'response_too_large',
    reason: tooLarge,
    probe: () => {
      const decoders = instrumentDecoders();
      return {
        verify: async () => {
          decoders.restore();
          expect(decoders.emitted.size).toBe(1);
          const [emitted] = [...decoders.emitted.values()];
          expect(emitted).toBeGreaterThan(CAP);
          expect(emitted).toBeLessThanOrEqual(CAP + 64 * 1024);
        },
      };
    },
  },
  // ---- broken connections and bodies
  {
    name: 'a connection reset before any answer',
    reply: (res) => res.socket?.destroy(),
    failure: 'network',
    reason: network('ECONNRESET'),
  },
  {
    name: 'a connection reset in the middle of the body',
    reply: (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '500' });
      res.write('{"access_token":"cut');
      setTimeout(() => res.socket?.destroy(), 20);
    },
    failure: 'network',
    reason: { 'node-http': network('ECONNRESET'), 'http-service': network('ERR_BAD_RESPONSE') },
  },
  {
    name: 'an answer that is not HTTP',
    reply: (res) => res.socket?.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'),
    failure: 'network',
    reason: network('HPE_INVALID_CONSTANT'),
  },
  {
    name: 'a corrupt gzip body',
    reply: (res) =>
      res
        .writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' })
        .end(Buffer.from('not gzip at all')),
    failure: 'network',
    reason: network('Z_DATA_ERROR'),
  },
  {
    name: 'a refused connection (the code never left; retried twice)',
    target: 'refused',
    failure: 'network',
    reason: network('ECONNREFUSED'),
  },
  // ---- redirects: never followed, so the other origin receives neither code, verifier nor secret
  ...([307, 308, 302, 303] as const).map((status): Fault => ({
    name: `a ${status} to another origin`,
    reply: (res) => res.writeHead(status, { Location: `${elsewhere.url}/token` }).end(),
    failure: 'redirect',
    status,
    reason: TOKEN_RESPONSE_PROBLEM.redirect(status),
  })),
];

const reasonOf = (fault: Fault, transport: TransportName) =>
  typeof fault.reason === 'string' ? fault.reason : fault.reason[transport];

// ---- the fault servers ---------------------------------------------------------------------------

/** Writes `unit` every 50 ms after `prefix`, until the client goes away. */
function drip(res: ServerResponse, unit: string, prefix = ''): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.write(prefix);
  const timer = setInterval(() => res.write(unit), 50);
  res.on('close', () => clearInterval(timer));
}

const HUGE_BODY_BYTES = 50 * 1000 * 1000;
/** Bytes the last huge body got written before its connection closed. */
let hugeBodyWritten: Promise<number> = Promise.resolve(0);

/** 50 MB of an access token, declared by Content-Length and written only as fast as the client reads. */
function streamHugeBody(res: ServerResponse): void {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const prefix = '{"access_token":"';
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(HUGE_BODY_BYTES) });
  let written = prefix.length;
  res.write(prefix);
  hugeBodyWritten = new Promise((resolve) => res.on('close', () => resolve(written)));
  const pump = () => {
    while (!res.destroyed && written + chunk.length <= HUGE_BODY_BYTES) {
      written += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
  };
  pump();
}

/** One gzip member of 1 MiB of zeros (about 1 KB); members concatenated are one valid gzip stream. */
const ZEROS_MEMBER = gzipSync(Buffer.alloc(MiB), { level: 9 });

function streamGzipBomb(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
  const batch = Buffer.concat(Array.from({ length: 64 }, () => ZEROS_MEMBER));
  let members = 0;
  const pump = () => {
    while (!res.destroyed && members < 16 * 1024) {
      members += 64;
      if (!res.write(batch)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

/** An HTTP server that counts what it receives and answers 200 (a redirect target that must stay untouched). */
class CountingHttpServer {
  received = 0;
  url = '';
  private readonly server = createHttpServer((req, res) => {
    this.received++;
    req.resume();
    json(res, 200, { access_token: 'elsewhere', token_type: 'Bearer' });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Accepts TCP connections and never reads or writes; counts the connections. */
class SilentTcpServer {
  connections = 0;
  url = '';
  private readonly sockets = new Set<Socket>();
  private readonly server: Server = createTcpServer({ pauseOnConnect: true }, (socket) => {
    this.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/token`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---- shared set-up -------------------------------------------------------------------------------

beforeAll(async () => {
  [fake, elsewhere, silent, refusedPort] = await Promise.all([
    FakeProvider.start(),
    new CountingHttpServer().start(),
    new SilentTcpServer().start(),
    closedPort(),
  ]);
});
afterAll(async () => {
  await Promise.all([fake?.close(), elsewhere?.close(), silent?.close()]);
});
afterEach(() => {
  fake.reset();
  silent.connections = 0;
  elsewhere.received = 0;
});

/** One provider per target, each a client of the fake (which authorizes) with its token endpoint at the target. */
function providerOptions(): Record<Target, FlowManagerOptions> {
  const tokenUrl: Record<Target, string> = {
    fake: TOKEN_PATH,
    refused: `http://127.0.0.1:${refusedPort}/token`,
    silent: silent.url,
  };
  return Object.fromEntries(
    TARGETS.map((target) => [target, fakeClientOptions(fake, target, { accessTokenPath: tokenUrl[target] })]),
  ) as Record<Target, FlowManagerOptions>;
}

/** How many token requests (or connections, for the silent server) the row's target received. */
function received(target: Target): number {
  if (target === 'fake') return fake.requestsTo(TOKEN_PATH).length;
  if (target === 'silent') return silent.connections;
  return 0; // Nothing listens: a refused connection receives nothing, by construction.
}

/** Token requests the row's target should have received: one, or none for a refused connection. */
const expectedReceived = (target: Target) => (target === 'refused' ? 0 : 1);

let userCounter = 0;
const newUser = () => `user-${++userCounter}`;

// ---- FlowManager ---------------------------------------------------------------------------------

describe.each(TRANSPORTS)('token endpoint faults through FlowManager on %s', (transport) => {
  let moduleRef: TestingModule;
  let registry: FlowManagerRegistry;
  let tokenStore: TokenStore;
  let attempts: jest.Spied<TokenHttpTransport['post']>;
  const events: TokensEvent[] = [];

  beforeAll(async () => {
    moduleRef = await compileWith({
      providers: providerOptions(),
      httpTimeoutMs: HTTP_TIMEOUT_MS,
      tokenTransport: transport,
      onTokens: (event) => void events.push(event),
    });
    registry = moduleRef.get(FlowManagerRegistry);
    tokenStore = moduleRef.get<TokenStore>(TOKEN_STORE);
    attempts = jest.spyOn(moduleRef.get<TokenHttpTransport>(TOKEN_HTTP_TRANSPORT), 'post');
  });
  afterAll(() => moduleRef?.close());
  beforeEach(() => {
    events.length = 0;
    attempts.mockClear();
  });

  it.each(FAULTS)('$name: TokenEndpointError $failure, nothing kept, the code sent at most once', async (fault) => {
    const target = fault.target ?? 'fake';
    const manager: FlowManager = registry.get(target);
    const user = newUser();
    if (fault.reply) fake.on('POST', TOKEN_PATH, (_request, res) => fault.reply!(res));
    const { url } = await manager.createAuthorizationUrl(user);
    const query = await fake.authorize(url);

    const probe = fault.probe?.();
    const error = await manager.handleCallback(user, query).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    await probe?.verify();

    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({
      code: 'token_endpoint_error',
      failure: fault.failure,
      status: fault.status,
      message: TOKEN_ENDPOINT_FAILED('token', reasonOf(fault, transport)),
    });
    const { retryAfter } = error as TokenEndpointError;
    if (fault.retryAfter === 'a number') expect(retryAfter).toEqual(expect.any(Number));
    else expect(retryAfter).toBe(fault.retryAfter);

    // Sent at most once: only a connection refused before the request was written is tried again.
    expect(received(target)).toBe(expectedReceived(target));
    expect(attempts).toHaveBeenCalledTimes(target === 'refused' ? 1 + MAX_TOKEN_REQUEST_RETRIES : 1);
    expect(elsewhere.received).toBe(0);
    // Nothing kept, nothing told.
    expect(await tokenStore.get(target, user)).toBeUndefined();
    expect(events).toEqual([]);
    // The state was spent before the request: the same callback again is refused without a token request.
    await expect(manager.handleCallback(user, query)).rejects.toBeInstanceOf(InvalidStateError);
    expect(received(target)).toBe(expectedReceived(target));
    expect(attempts).toHaveBeenCalledTimes(target === 'refused' ? 1 + MAX_TOKEN_REQUEST_RETRIES : 1);
  });
});

describe('the retry policy, by the failure a transport reports', () => {
  let moduleRef: TestingModule;
  let manager: FlowManager;
  let failure: TokenHttpFailure;
  let calls = 0;

  beforeAll(async () => {
    const transport: TokenHttpTransport = {
      post: () => {
        calls++;
        return Promise.reject(failure);
      },
    };
    moduleRef = await compileWith({
      providers: { fake: fakeClientOptions(fake, 'fake') },
      httpTimeoutMs: HTTP_TIMEOUT_MS,
      tokenTransport: transport,
    });
    manager = moduleRef.get(FlowManagerRegistry).get('fake');
  });
  afterAll(() => moduleRef?.close());

  // Only these prove the request never left; everything else may follow a request the server received.
  it.each([
    ['network', 'ECONNREFUSED', 1 + MAX_TOKEN_REQUEST_RETRIES],
    ['network', 'ENOTFOUND', 1 + MAX_TOKEN_REQUEST_RETRIES],
    ['network', 'EAI_AGAIN', 1 + MAX_TOKEN_REQUEST_RETRIES],
    ['network', 'ECONNRESET', 1],
    ['network', 'EPIPE', 1],
    ['network', 'ETIMEDOUT', 1],
    ['network', 'EHOSTUNREACH', 1],
    ['network', 'ECONNABORTED', 1],
    ['network', undefined, 1],
    ['timeout', undefined, 1],
    ['response_too_large', undefined, 1],
  ] as const)('%s %s: %i attempt(s)', async (kind, code, expected) => {
    failure = new TokenHttpFailure(kind, code, 'failed');
    calls = 0;
    const user = newUser();
    const { url } = await manager.createAuthorizationUrl(user);
    await expect(manager.handleCallback(user, await fake.authorize(url))).rejects.toMatchObject({
      failure: kind,
    });
    expect(calls).toBe(expected);
    expect(fake.requestsTo(TOKEN_PATH)).toHaveLength(0);
  });
});

// ---- the callback route --------------------------------------------------------------------------

describe.each(PLATFORMS)('token endpoint faults through the callback route on %s', (platform) => {
  let running: RunningApp;
  let tokenStore: TokenStore;
  const events: TokensEvent[] = [];

  beforeAll(async () => {
    running = await startHttpApp(platform, {
      providers: providerOptions(),
      httpTimeoutMs: HTTP_TIMEOUT_MS,
      onTokens: (event) => void events.push(event),
    });
    tokenStore = running.app.get<TokenStore>(TOKEN_STORE);
  });
  afterAll(() => running?.close());
  beforeEach(() => {
    events.length = 0;
  });

  const get = (path: string, headers: Record<string, string>) =>
    fetch(`${running.url}${path}`, { redirect: 'manual', headers });

  it.each(FAULTS)('$name: $failure, 502 or 504 with our words, nothing kept', async (fault) => {
    const target = fault.target ?? 'fake';
    const user = newUser();
    if (fault.reply) fake.on('POST', TOKEN_PATH, (_request, res) => fault.reply!(res));
    const authorize = await get(`/oauth/${target}/authorize`, { 'x-user': user });
    expect(authorize.status).toBe(302);
    const query = await fake.authorize(authorize.headers.get('location')!);
    const headers = { 'x-user': user, cookie: cookiesFrom(authorize) };

    const probe = fault.probe?.();
    const callback = await get(`/oauth/${target}/callback?${query}`, headers);
    const body = await callback.json();
    await probe?.verify();

    const statusCode = fault.failure === 'timeout' ? 504 : 502;
    expect(callback.status).toBe(statusCode);
    expect(callback.headers.get('location')).toBeNull();
    expect(body).toEqual({
      statusCode,
      error: 'token_endpoint_error',
      message: TOKEN_ENDPOINT_FAILED('token', reasonOf(fault, 'node-http')),
    });
    expect(received(target)).toBe(expectedReceived(target));
    expect(elsewhere.received).toBe(0);
    expect(await tokenStore.get(target, user)).toBeUndefined();
    expect(events).toEqual([]);

    const replay = await get(`/oauth/${target}/callback?${query}`, headers);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_state' });
    expect(received(target)).toBe(expectedReceived(target));
  });
});
