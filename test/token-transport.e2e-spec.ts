// The token request's transport: the lean adapter by default, axios's own adapter when an HTTP(S) proxy is
// configured in the environment (NO_PROXY keeps these loopback requests direct). Both must hold the same
// bounds: the whole-exchange timeout, the size cap, no redirects, gzip bodies.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import axios from 'axios';
import type { TestingModule } from '@nestjs/testing';
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { FlowManagerRegistry, type FlowManager } from '../lib/index.js';
import { tokenHttpAdapter } from '../lib/flow-manager/token-http.adapter.js';
import { FakeProvider } from './support/fake-provider.js';
import { compileWith, fakeClientOptions } from './support/testing-module.js';

const TRANSPORTS = [
  { name: 'the lean adapter', env: {} },
  { name: "axios's adapter (a proxy is configured)", env: { HTTPS_PROXY: 'http://127.0.0.1:9', NO_PROXY: '127.0.0.1' } },
];

it('uses axios’s own adapter when a proxy is configured', () => {
  expect(tokenHttpAdapter({})).toBeDefined();
  expect(tokenHttpAdapter({ https_proxy: 'http://proxy.example:3128' })).toBeUndefined();
});

describe.each(TRANSPORTS)('token requests through $name', ({ env }) => {
  let provider: FakeProvider;
  let moduleRef: TestingModule;
  let manager: FlowManager;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    provider = await FakeProvider.start();
    for (const [name, value] of Object.entries(env)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    moduleRef = await compileWith({ providers: { fake: fakeClientOptions(provider) }, httpTimeoutMs: 400 });
    manager = moduleRef.get(FlowManagerRegistry).get('fake');
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await moduleRef.close();
    await provider.close();
  });
  afterEach(() => provider.reset());

  const exchange = async () => {
    const { url } = await manager.createAuthorizationUrl('ada');
    return manager.handleCallback('ada', await provider.authorize(url));
  };
  const reply = (handler: (res: ServerResponse) => void) => provider.on('POST', '/oauth/token', (_request, res) => handler(res));

  it('exchanges a code, unseen by interceptors on the global axios instance', async () => {
    const seen: unknown[] = [];
    const interceptor = axios.interceptors.request.use((config) => {
      seen.push(config.data);
      return config;
    });
    try {
      await expect(exchange()).resolves.toMatchObject({ tokens: { accessToken: expect.stringMatching(/^access-/) } });
    } finally {
      axios.interceptors.request.eject(interceptor);
    }
    expect(seen).toEqual([]);
  });

  it('reads a gzip-encoded body', async () => {
    reply((res) => res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }).end(gzipSync('{"access_token":"zipped","token_type":"bearer"}')));
    await expect(exchange()).resolves.toMatchObject({ tokens: { accessToken: 'zipped' } });
  });

  it('bounds a slow-dripping body by the timeout', async () => {
    reply((res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const drip = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(drip));
    });
    await expect(exchange()).rejects.toMatchObject({ failure: 'timeout' });
  });

  it('refuses a body over 1 MiB, and a redirect', async () => {
    reply((res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(' '.repeat(1024 * 1024 + 1)));
    await expect(exchange()).rejects.toMatchObject({ failure: 'response_too_large' });
    reply((res) => res.writeHead(302, { Location: `${provider.url}/oauth/token` }).end());
    await expect(exchange()).rejects.toMatchObject({ failure: 'redirect' });
    expect(provider.requestsTo('/oauth/token')).toHaveLength(2);
  });
});
