/**
 * The fake token endpoint every stack calls: node:http with keep-alive, answering any POST with one fixed
 * JSON token response. It is a load target, not an authorization server: it accepts any code. It counts
 * the token requests (and those that carried a PKCE `code_verifier`) so the runner can check that every
 * completed flow really exchanged a code. Reports its port over IPC.
 */
import { createServer } from 'node:http';

const TOKEN_BODY = JSON.stringify({
  access_token: 'bench-access-token-0123456789abcdef',
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: 'bench-refresh-token-0123456789abcdef',
  scope: 'read',
});
const TOKEN_HEADERS = {
  'Content-Type': 'application/json',
  'Content-Length': String(Buffer.byteLength(TOKEN_BODY)),
  'Cache-Control': 'no-store',
};

let posts = 0;
let withVerifier = 0;

const server = createServer((request, response) => {
  if (request.method !== 'POST') {
    response.writeHead(404, { 'Content-Length': '0' });
    response.end();
    return;
  }
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => (body += chunk));
  request.on('end', () => {
    posts++;
    if (body.includes('code_verifier')) withVerifier++;
    response.writeHead(200, TOKEN_HEADERS);
    response.end(TOKEN_BODY);
  });
});
// Longer than any client's idle socket, so a pooled connection is never closed under a client.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.send?.({ type: 'ready', port: address.port });
});

process.on('message', (message: { type?: string }) => {
  if (message?.type === 'count') process.send?.({ type: 'count', posts, withVerifier });
});
process.on('disconnect', () => process.exit(0));
