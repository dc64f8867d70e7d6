/** (a) The floor: bare node:http, a Map, a keep-alive token POST. No framework. */
import { createServer } from 'node:http';
import {
  finishFlow,
  portOf,
  REDIRECT_ORIGIN,
  reportReady,
  startFlow,
  USER_HEADER,
  type Pending,
  type StoredTokens,
} from './common.js';

const AUTHORIZE_PATH = '/oauth/fake/authorize';
const CALLBACK_PATH = '/oauth/fake/callback';
const REDIRECT_URI = `${REDIRECT_ORIGIN}${CALLBACK_PATH}`;
const pending = new Map<string, Pending>();
const tokens = new Map<string, StoredTokens>();

function send(response: import('node:http').ServerResponse, status: number, headers: Record<string, string>): void {
  response.writeHead(status, { ...headers, 'Content-Length': '0' });
  response.end();
}

const server = createServer((request, response) => {
  const user = request.headers[USER_HEADER];
  if (typeof user !== 'string' || user === '') return send(response, 401, {});
  const url = new URL(request.url ?? '/', REDIRECT_ORIGIN);
  if (request.method === 'GET' && url.pathname === AUTHORIZE_PATH) {
    return send(response, 302, { Location: startFlow(pending, user, REDIRECT_URI), 'Cache-Control': 'no-store' });
  }
  if (request.method === 'GET' && url.pathname === CALLBACK_PATH) {
    finishFlow(pending, tokens, user, url.searchParams.get('state'), url.searchParams.get('code'), REDIRECT_URI).then(
      (ok) => send(response, ok ? 302 : 400, ok ? { Location: '/', 'Cache-Control': 'no-store' } : {}),
      () => send(response, 502, {}),
    );
    return;
  }
  send(response, 404, {});
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  reportReady({ port: portOf(server.address()), authorizePath: AUTHORIZE_PATH, callbackPath: CALLBACK_PATH });
});
