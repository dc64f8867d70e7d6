// The headers DPoP needs of an answer (RFC 9449 §8, §9): both transports return `DPoP-Nonce` and
// `WWW-Authenticate` for a POST and a GET, and leave them out when the server sent none.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpServiceTokenTransport, NodeHttpTokenTransport, type TokenHttpTransport } from '../../lib/index.js';

const transports: Array<[string, () => TokenHttpTransport & { close?: () => void }]> = [
  [
    'node-http',
    () => {
      const transport = new NodeHttpTokenTransport();
      return Object.assign(transport, { close: () => transport.onModuleDestroy() });
    },
  ],
  ['http-service', () => new HttpServiceTokenTransport(new HttpService(axios.create()))],
];

describe.each(transports)('DPoP headers through %s', (_name, create) => {
  let server: Server;
  let url: string;
  const transport = create();

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/plain') {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
          return;
        }
        res.setHeader('DPoP-Nonce', 'eyJ7S_zG.9-nonce');
        res.setHeader('WWW-Authenticate', ['Bearer realm="api"', 'DPoP algs="ES256", error="use_dpop_nonce"']);
        res.writeHead(req.method === 'POST' ? 400 : 401, { 'Content-Type': 'application/json' });
        res.end('{"error":"use_dpop_nonce"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    transport.close?.();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const bounds = { timeoutMs: 2000, maxResponseBytes: 1024 };
  const post = (path: string) =>
    transport.post({ url: `${url}${path}`, headers: { 'Content-Type': 'application/json' }, body: '{}', ...bounds });
  const get = (path: string) => transport.get!({ url: `${url}${path}`, headers: {}, ...bounds });

  it('returns the DPoP-Nonce and the WWW-Authenticate lines, joined, of a POST and of a GET', async () => {
    const expected = {
      dpopNonce: 'eyJ7S_zG.9-nonce',
      wwwAuthenticate: 'Bearer realm="api", DPoP algs="ES256", error="use_dpop_nonce"',
    };
    await expect(post('/token')).resolves.toMatchObject({ status: 400, ...expected });
    await expect(get('/me')).resolves.toMatchObject({ status: 401, ...expected });
  });

  it('leaves both out when the server sent neither', async () => {
    for (const response of [await post('/plain'), await get('/plain')]) {
      expect(response.status).toBe(200);
      expect(response).not.toHaveProperty('dpopNonce');
      expect(response).not.toHaveProperty('wwwAuthenticate');
    }
  });
});
