// Discovery against a small fake of our own (node:http on 127.0.0.1): the metadata's issuer check, the
// transport bounds (timeout, size cap, no redirect followed), RFC 8414's path insertion, Cache-Control, a
// provider down at start-up, and explicit options over the metadata. No secret in any error.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  AuthCodeFlowConfigError,
  DiscoveryError,
  FlowManagerRegistry,
  HttpServiceTokenTransport,
  type FlowManagerOptions,
  type TokenHttpTransport,
} from '../../lib/index.js';
import { startHttpApp } from '../support/http-app.js';
import { compileWith } from '../support/testing-module.js';

const SECRET = 'discovery-fake-secret';
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('discovery against a fake provider', () => {
  let server: Server;
  let origin: string;
  let handler: Handler;
  let requests: string[];
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests = [];
    handler = metadataHandler(origin);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    for (const close of closers.splice(0)) await close();
  });

  function metadata(issuer: string, extra: Record<string, unknown> = {}) {
    return {
      issuer,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      revocation_endpoint: `${origin}/revoke`,
      ...extra,
    };
  }
  function metadataHandler(
    issuer: string,
    extra?: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Handler {
    return (req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(metadata(issuer, extra)));
      } else if (req.method === 'POST' && req.url?.endsWith('token')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 3600 }));
      } else {
        res.writeHead(404).end();
      }
    };
  }
  async function flowManager(overrides: Partial<FlowManagerOptions> = {}, httpTimeoutMs?: number) {
    const options: FlowManagerOptions = {
      issuer: origin,
      clientId: 'fake-client',
      clientSecret: SECRET,
      redirectUri: 'http://127.0.0.1:3000/oauth/fake/callback',
      ...overrides,
    };
    const moduleRef = await compileWith({ providers: { fake: options }, httpTimeoutMs });
    closers.push(() => moduleRef.close());
    return moduleRef.get(FlowManagerRegistry).get('fake');
  }
  const fetches = () => requests.filter((line) => line.startsWith('GET /.well-known/')).length;
  const tokenPosts = () => requests.filter((line) => line.startsWith('POST')).length;
  async function discoveryFailure(promise: Promise<unknown>): Promise<DiscoveryError> {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as DiscoveryError).code).toBe('discovery_failed');
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(SECRET);
    return error as DiscoveryError;
  }

  it('loads the endpoints from {issuer}/.well-known/openid-configuration and completes the flow', async () => {
    const flow = await flowManager();
    const { url, state } = await flow.createAuthorizationUrl('ada');
    expect(url.startsWith(`${origin}/authorize?`)).toBe(true);
    const { tokens } = await flow.handleCallback('ada', { code: 'c', state });
    expect(tokens.accessToken).toBe('at');
    expect(requests).toEqual(['GET /.well-known/openid-configuration', 'POST /token']);
  });

  it('loads the metadata through HttpServiceTokenTransport too, with no redirect followed', async () => {
    const moduleRef = await compileWith({
      providers: { fake: { issuer: origin, clientId: 'c', redirectUri: 'http://127.0.0.1:3000/cb' } },
      tokenTransport: new HttpServiceTokenTransport(new HttpService(axios.create())),
    });
    closers.push(() => moduleRef.close());
    const flow = moduleRef.get(FlowManagerRegistry).get('fake');
    expect((await flow.createAuthorizationUrl('ada')).url.startsWith(`${origin}/authorize?`)).toBe(true);
    handler = (_req, res) => res.writeHead(302, { location: `${origin}/elsewhere` }).end();
    const other = await compileWith({
      providers: { fake: { issuer: origin, clientId: 'c', redirectUri: 'http://127.0.0.1:3000/cb' } },
      tokenTransport: new HttpServiceTokenTransport(new HttpService(axios.create())),
    });
    closers.push(() => other.close());
    const error = await discoveryFailure(other.get(FlowManagerRegistry).get('fake').createAuthorizationUrl('ada'));
    expect(error.reason).toBe('http_status');
    expect(requests.filter((line) => line.includes('elsewhere'))).toEqual([]);
  });

  it('refuses metadata whose issuer differs (issuer_mismatch), with no token request', async () => {
    handler = metadataHandler(`${origin}/other`);
    const flow = await flowManager();
    const error = await discoveryFailure(flow.createAuthorizationUrl('ada'));
    expect(error.reason).toBe('issuer_mismatch');
    await discoveryFailure(flow.refreshAccessToken('a-refresh-token'));
    expect(tokenPosts()).toBe(0);
  });

  it('times out within httpTimeoutMs when the metadata endpoint hangs', async () => {
    handler = () => undefined;
    const flow = await flowManager({}, 300);
    const started = Date.now();
    const error = await discoveryFailure(flow.createAuthorizationUrl('ada'));
    expect(error.reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not follow a redirect (http_status)', async () => {
    handler = (req, res) => {
      if (req.url === '/.well-known/openid-configuration')
        res.writeHead(302, { location: `${origin}/elsewhere` }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metadata(origin)));
    };
    const flow = await flowManager();
    expect((await discoveryFailure(flow.createAuthorizationUrl('ada'))).reason).toBe('http_status');
    expect(requests).toEqual(['GET /.well-known/openid-configuration']);
  });

  it('refuses metadata over 1 MiB (invalid_metadata)', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...metadata(origin), padding: 'x'.repeat(1024 * 1024) }));
    };
    const flow = await flowManager();
    expect((await discoveryFailure(flow.createAuthorizationUrl('ada'))).reason).toBe('invalid_metadata');
  });

  it('refuses a plain-http endpoint off loopback in the metadata (invalid_metadata)', async () => {
    handler = metadataHandler(origin, { token_endpoint: 'http://provider.example/token' });
    const flow = await flowManager();
    const error = await discoveryFailure(flow.createAuthorizationUrl('ada'));
    expect(error.reason).toBe('invalid_metadata');
    expect(error.message).toContain('token_endpoint must use https');
  });

  it("inserts RFC 8414's well-known segment before an issuer's path when openid-configuration is absent", async () => {
    const issuer = `${origin}/tenant`;
    handler = (req, res) => {
      if (req.url === '/.well-known/oauth-authorization-server/tenant') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metadata(issuer)));
      } else res.writeHead(404).end();
    };
    const flow = await flowManager({ issuer });
    const { url } = await flow.createAuthorizationUrl('ada');
    expect(url.startsWith(`${origin}/authorize?`)).toBe(true);
    expect(requests).toEqual([
      'GET /tenant/.well-known/openid-configuration',
      'GET /.well-known/oauth-authorization-server/tenant',
    ]);
  });

  it('shares one fetch between concurrent first uses, and honours Cache-Control max-age within bounds', async () => {
    handler = metadataHandler(origin, {}, { 'cache-control': 'public, max-age=120' });
    const flow = await flowManager();
    await Promise.all(Array.from({ length: 5 }, () => flow.createAuthorizationUrl('ada')));
    expect(fetches()).toBe(1);
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now');
    clock.mockReturnValue(now + 100_000);
    await flow.createAuthorizationUrl('ada');
    expect(fetches()).toBe(1);
    clock.mockReturnValue(now + 121_000);
    await flow.createAuthorizationUrl('ada');
    expect(fetches()).toBe(2);
  });

  it('holds a tiny max-age to the 60 s minimum', async () => {
    handler = metadataHandler(origin, {}, { 'cache-control': 'max-age=1' });
    const flow = await flowManager();
    await flow.createAuthorizationUrl('ada');
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 30_000);
    await flow.createAuthorizationUrl('ada');
    expect(fetches()).toBe(1);
  });

  it('lets explicit options override the metadata: token endpoint and requireIssuerParameter', async () => {
    handler = metadataHandler(origin, { authorization_response_iss_parameter_supported: true });
    const flow = await flowManager({ accessTokenPath: `${origin}/explicit-token`, requireIssuerParameter: false });
    const { url, state } = await flow.createAuthorizationUrl('ada');
    expect(url.startsWith(`${origin}/authorize?`)).toBe(true);
    // No `iss` in the callback: accepted, since requireIssuerParameter was configured off.
    await flow.handleCallback('ada', { code: 'c', state });
    expect(requests).toContain('POST /explicit-token');
    expect(requests).not.toContain('POST /token');
  });

  it("turns requireIssuerParameter on from the metadata's authorization_response_iss_parameter_supported", async () => {
    handler = metadataHandler(origin, { authorization_response_iss_parameter_supported: true });
    const flow = await flowManager();
    const { state } = await flow.createAuthorizationUrl('ada');
    await expect(flow.handleCallback('ada', { code: 'c', state })).rejects.toMatchObject({ reason: 'issuer_missing' });
    expect(tokenPosts()).toBe(0);
  });

  it('starts while the provider is down; authorize answers 503 discovery_failed, and succeeds once it is up', async () => {
    handler = (req) => req.socket.destroy();
    const running = await startHttpApp('express', {
      providers: {
        fake: {
          issuer: origin,
          clientId: 'c',
          clientSecret: SECRET,
          redirectUri: 'http://127.0.0.1:3000/oauth/fake/callback',
        },
      },
    });
    closers.push(() => running.close());
    const authorize = () =>
      fetch(`${running.url}/oauth/fake/authorize`, { redirect: 'manual', headers: { 'x-user': 'ada' } });
    const down = await authorize();
    expect(down.status).toBe(503);
    const body = await down.text();
    expect(JSON.parse(body)).toMatchObject({ statusCode: 503, error: 'discovery_failed' });
    expect(body).not.toContain(SECRET);
    handler = metadataHandler(origin);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the failure back-off
    const up = await authorize();
    expect(up.status).toBe(302);
    expect(up.headers.get('location')!.startsWith(`${origin}/authorize?`)).toBe(true);
  });

  it('refuses at start-up discovery: false with missing endpoints, and a custom transport without get', async () => {
    const base = { issuer: origin, clientId: 'c', redirectUri: 'http://127.0.0.1:3000/cb' };
    const off = compileWith({ providers: { fake: { ...base, discovery: false, baseUri: origin } } });
    await expect(off).rejects.toBeInstanceOf(AuthCodeFlowConfigError);
    await expect(off).rejects.toThrow(
      /providers\.fake\.authorizationPath is required when providers\.fake\.discovery is false/,
    );
    await expect(off).rejects.toThrow(/providers\.fake\.accessTokenPath/);
    const postOnly: TokenHttpTransport = { post: () => Promise.reject(new Error('unused')) };
    const noGet = compileWith({ providers: { fake: base }, tokenTransport: postOnly });
    await expect(noGet).rejects.toThrow(
      /providers\.fake uses discovery, which needs a token transport with a get method/,
    );
  });
});
