// The token request's transports: Node's http directly (the default), and HttpService with axios's own
// adapter (chosen explicitly, or when an HTTP(S) proxy is configured; NO_PROXY keeps these loopback
// requests direct). Both must hold the same bounds: the whole-exchange timeout, the size cap, no
// redirects, compressed bodies, and no request body where an app's global axios interceptors can see it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { Test, type TestingModule } from '@nestjs/testing';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import * as zlib from 'node:zlib';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import {
  AuthCodeFlowModule,
  FlowManagerRegistry,
  HttpServiceTokenTransport,
  NodeHttpTokenTransport,
  TOKEN_HTTP_TRANSPORT,
  type AuthCodeFlowModuleOptions,
  type FlowManager,
  type TokenHttpRequest,
  type TokenHttpResponse,
  type TokenHttpTransport,
} from '../../lib/index.js';
import { chooseTokenTransport } from '../../lib/transport/token-transport.factory.js';
import { FakeProvider } from '../support/fake-provider.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';
import { instrumentDecoders } from '../support/zlib-decoders.js';

const TRANSPORTS = [
  { name: 'node-http (the default)', env: {}, options: {}, expected: NodeHttpTokenTransport },
  {
    name: 'http-service (configured)',
    env: {},
    options: { tokenTransport: 'http-service' as const },
    expected: HttpServiceTokenTransport,
  },
  {
    name: 'http-service (a proxy is configured)',
    env: { HTTPS_PROXY: 'http://127.0.0.1:9', NO_PROXY: '127.0.0.1' },
    options: {},
    expected: HttpServiceTokenTransport,
  },
];

describe('choosing the transport', () => {
  it('is node-http unless configured otherwise or a proxy variable is set', () => {
    expect(chooseTokenTransport(undefined, {})).toBe('node-http');
    expect(chooseTokenTransport(undefined, { https_proxy: 'http://proxy.example:3128' })).toBe('http-service');
    expect(chooseTokenTransport(undefined, { HTTP_PROXY: '' })).toBe('node-http');
    expect(chooseTokenTransport('node-http', { HTTPS_PROXY: 'http://proxy.example:3128' })).toBe('node-http');
    expect(chooseTokenTransport('http-service', {})).toBe('http-service');
  });

  it('refuses an unknown transport at start-up', async () => {
    const provider = await FakeProvider.start();
    try {
      for (const transport of ['fetch', {}, { post: 'yes' }, null]) {
        await expect(
          compileWith({ providers: { fake: fakeClientOptions(provider) }, tokenTransport: transport as never }),
        ).rejects.toThrow(
          'tokenTransport must be one of node-http, http-service, or an object with a post(request) method',
        );
      }
    } finally {
      await provider.close();
    }
  });

  it('keeps its token connections alive between requests, and closes them when the app shuts down', async () => {
    const provider = await FakeProvider.start();
    const moduleRef = await compileWith({ providers: { fake: fakeClientOptions(provider) } });
    try {
      const manager = moduleRef.get(FlowManagerRegistry).get('fake');
      for (let i = 0; i < 3; i++) {
        const { url } = await manager.createAuthorizationUrl('ada');
        await manager.handleCallback('ada', await provider.authorize(url));
      }
      const connections = new Set(provider.requestsTo('/oauth/token').map((request) => request.connection));
      expect(connections.size).toBe(1);
      const [connection] = connections;
      expect(connection!.destroyed).toBe(false);
      // Well before the provider's own keep-alive timeout (5 s) would close it.
      const closed = new Promise((resolve) => connection!.once('close', () => resolve('closed')));
      await moduleRef.close();
      await expect(
        Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000, 'still open'))]),
      ).resolves.toBe('closed');
    } finally {
      await moduleRef.close();
      await provider.close();
    }
  });

  it.each([
    [
      'the tokenTransport option',
      (options: AuthCodeFlowModuleOptions, transport: TokenHttpTransport) =>
        Test.createTestingModule({ imports: [AuthCodeFlowModule.forRoot({ ...options, tokenTransport: transport })] }),
    ],
    [
      'overrideProvider(TOKEN_HTTP_TRANSPORT)',
      (options: AuthCodeFlowModuleOptions, transport: TokenHttpTransport) =>
        Test.createTestingModule({ imports: [AuthCodeFlowModule.forRoot(options)] })
          .overrideProvider(TOKEN_HTTP_TRANSPORT)
          .useValue(transport),
    ],
  ])('sends through an app’s own transport given by %s', async (_how, build) => {
    const provider = await FakeProvider.start();
    const seen: TokenHttpRequest[] = [];
    const inner = new NodeHttpTokenTransport();
    const recording: TokenHttpTransport = {
      post: (request): Promise<TokenHttpResponse> => {
        seen.push(request);
        return inner.post(request);
      },
    };
    const moduleRef = await build({ providers: { fake: fakeClientOptions(provider) } }, recording).compile();
    try {
      const manager = moduleRef.get(FlowManagerRegistry).get('fake');
      const { url } = await manager.createAuthorizationUrl('ada');
      await expect(manager.handleCallback('ada', await provider.authorize(url))).resolves.toMatchObject({
        tokens: { accessToken: expect.stringMatching(/^access-/) },
      });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        url: `${provider.url}/oauth/token`,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        maxResponseBytes: 1024 * 1024,
      });
      expect(seen[0]!.body).toContain('grant_type=authorization_code');
    } finally {
      await moduleRef.close();
      await provider.close();
    }
  });
});

describe.each(TRANSPORTS)('token requests through $name', ({ env, options, expected }) => {
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
    const moduleOptions: AuthCodeFlowModuleOptions = {
      providers: { fake: fakeClientOptions(provider) },
      httpTimeoutMs: 400,
      ...options,
    };
    moduleRef = await compileWith(moduleOptions);
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
  const reply = (handler: (res: ServerResponse) => void) =>
    provider.on('POST', '/oauth/token', (_request, res) => handler(res));

  it('is the transport the module chose', () => {
    expect(moduleRef.get(TOKEN_HTTP_TRANSPORT)).toBeInstanceOf(expected);
  });

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

  it('reads gzip, deflate and brotli bodies', async () => {
    const body = (token: string) => `{"access_token":"${token}","token_type":"bearer"}`;
    reply((res) =>
      res
        .writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' })
        .end(gzipSync(body('zipped'))),
    );
    await expect(exchange()).resolves.toMatchObject({ tokens: { accessToken: 'zipped' } });
    reply((res) =>
      res
        .writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'deflate' })
        .end(deflateSync(body('deflated'))),
    );
    await expect(exchange()).resolves.toMatchObject({ tokens: { accessToken: 'deflated' } });
    reply((res) =>
      res
        .writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'br' })
        .end(brotliCompressSync(body('brotli'))),
    );
    await expect(exchange()).resolves.toMatchObject({ tokens: { accessToken: 'brotli' } });
  });

  it('reads a body that arrives in many chunks', async () => {
    const token = 't'.repeat(64 * 1024);
    reply((res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const json = `{"access_token":"${token}","token_type":"bearer"}`;
      for (let i = 0; i < json.length; i += 1000) res.write(json.slice(i, i + 1000));
      res.end();
    });
    await expect(exchange()).resolves.toMatchObject({ tokens: { accessToken: token } });
  });

  it('bounds a slow-dripping body by the timeout', async () => {
    reply((res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const drip = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(drip));
    });
    await expect(exchange()).rejects.toMatchObject({ failure: 'timeout' });
  });

  it('reports a response cut off midway as a network failure', async () => {
    reply((res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '500' });
      res.write('{"access_token":"cut');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await expect(exchange()).rejects.toMatchObject({ failure: 'network' });
  });

  it('refuses a body over 1 MiB, and a redirect', async () => {
    reply((res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(' '.repeat(1024 * 1024 + 1)));
    await expect(exchange()).rejects.toMatchObject({ failure: 'response_too_large' });
    reply((res) => res.writeHead(302, { Location: `${provider.url}/oauth/token` }).end());
    await expect(exchange()).rejects.toMatchObject({ failure: 'redirect' });
    expect(provider.requestsTo('/oauth/token')).toHaveLength(2);
  });
});

describe('a compression bomb', () => {
  const CAP = 1024 * 1024;
  // 50 MiB of zeros: about 50 KB gzipped or deflated, 89 bytes as brotli.
  const zeros = Buffer.alloc(50 * 1024 * 1024);
  const bombs: Record<string, Buffer> = {
    gzip: gzipSync(zeros, { level: 9 }),
    deflate: deflateSync(zeros, { level: 9 }),
    br: brotliCompressSync(zeros, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }),
  };
  let provider: FakeProvider;
  const transports: Array<[string, () => TokenHttpTransport & { onModuleDestroy?(): void }]> = [
    ['node-http', () => new NodeHttpTokenTransport()],
    ['http-service', () => new HttpServiceTokenTransport(new HttpService(axios.create()))],
  ];

  beforeAll(async () => {
    provider = await FakeProvider.start();
  });
  afterAll(() => provider.close());

  describe.each(transports)('through %s', (name, create) => {
    it.each(Object.keys(bombs))(
      'of %s fails as response_too_large, and its decoder is destroyed having emitted at most the cap and a chunk',
      async (encoding) => {
        provider.on('POST', '/bomb', (_request, res) =>
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': encoding }).end(bombs[encoding]),
        );
        const transport = create();
        const decoders = instrumentDecoders();
        try {
          const failure = await transport
            .post({
              url: `${provider.url}/bomb`,
              headers: { 'Content-Type': 'application/json' },
              body: '{}',
              timeoutMs: 10_000,
              maxResponseBytes: CAP,
            })
            .catch((caught: unknown) => caught);
          expect(failure).toMatchObject({ name: 'TokenHttpFailure', kind: 'response_too_large' });
          expect(decoders.emitted.size).toBe(1);
          const [[decoder]] = [...decoders.emitted];
          // Destroyed by the time the failure is reported: nothing more is inflated.
          if (name === 'node-http') expect(decoder.destroyed).toBe(true);
          if (!decoder.closed) await once(decoder, 'close');
          expect(decoders.emitted.get(decoder)).toBeLessThanOrEqual(CAP + 64 * 1024);
        } finally {
          decoders.restore();
          transport.onModuleDestroy?.();
        }
      },
    );
  });
});
