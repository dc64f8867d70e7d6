/**
 * The fake provider every stack calls: node:http with keep-alive. It is a load target, not an authorization
 * server: it accepts any code. A POST to `OIDC_TOKEN_PATH` is answered with the token response plus an ID
 * token signed for that request (RS256, a key pair made at start, `kid` in the JWKS at `OIDC_JWKS_PATH`,
 * `nonce` from the code: see fake-provider.ts); any other POST with one fixed JSON token response. It counts
 * the token requests, those that carried a PKCE `code_verifier`, and the ID tokens it signed (with and without
 * a nonce), so the runner can check that every completed flow really exchanged a code. Signing costs CPU here,
 * in this process, not in the measured stack's. Reports its port over IPC.
 *
 * `BENCH_ID_TOKEN_KEY=unpublished` signs with a second key pair under the published `kid`: a manual check
 * that a stack really verifies the signature (its flows must then fail).
 *
 * A POST to `DPOP_TOKEN_PATH` must carry a DPoP proof (RFC 9449 §4.3: verified with jose against its embedded
 * key, `typ`, `htm`, `htu`, a recent `iat`; no nonce, no replay check) and is answered with `token_type: DPoP`;
 * one without a valid proof gets `400 invalid_dpop_proof`. The valid proofs are counted.
 */
import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { EmbeddedJWK, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import {
  CLIENT_ID,
  DPOP_TOKEN_PATH,
  ID_TOKEN_SUBJECT,
  nonceInCode,
  OIDC_AUTHORIZATION_PATH,
  OIDC_BASE_PATH,
  OIDC_DISCOVERY_PATH,
  OIDC_JWKS_PATH,
  OIDC_TOKEN_PATH,
} from './fake-provider.js';

const ACCESS_TOKEN = 'bench-access-token-0123456789abcdef';
const TOKEN_RESPONSE = {
  access_token: ACCESS_TOKEN,
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: 'bench-refresh-token-0123456789abcdef',
  scope: 'read',
};
const TOKEN_BODY = JSON.stringify(TOKEN_RESPONSE);
const TOKEN_HEADERS = {
  'Content-Type': 'application/json',
  'Content-Length': String(Buffer.byteLength(TOKEN_BODY)),
  'Cache-Control': 'no-store',
};
const DPOP_TOKEN_BODY = JSON.stringify({ ...TOKEN_RESPONSE, token_type: 'DPoP' });
const ID_TOKEN_LIFETIME_SECONDS = 300;
const KID = 'bench-rs256';
// OpenID Connect Core §3.1.3.6: the left half of the SHA-256 of the access token.
const AT_HASH = createHash('sha256').update(ACCESS_TOKEN).digest().subarray(0, 16).toString('base64url');

const published = await generateKeyPair('RS256');
const signingKey =
  process.env.BENCH_ID_TOKEN_KEY === 'unpublished' ? (await generateKeyPair('RS256')).privateKey : published.privateKey;
const JWKS_BODY = JSON.stringify({
  keys: [{ ...(await exportJWK(published.publicKey)), kid: KID, alg: 'RS256', use: 'sig' }],
});

let posts = 0;
let withVerifier = 0;
let idTokens = 0;
let idTokensWithNonce = 0;
let dpopProofs = 0;
let issuer = '';
let dpopHtu = '';
let discoveryBody = '';

/** Whether the request's `DPoP` header is one proof of a POST to the DPoP token endpoint (RFC 9449 §4.3). */
async function validDpopProof(header: string | string[] | undefined): Promise<boolean> {
  if (typeof header !== 'string') return false;
  try {
    const { payload } = await jwtVerify(header, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
    const fresh = typeof payload.iat === 'number' && Math.abs(Date.now() / 1000 - payload.iat) < 60;
    return payload.htm === 'POST' && payload.htu === dpopHtu && typeof payload.jti === 'string' && fresh;
  } catch {
    return false;
  }
}

function sendJson(response: ServerResponse, status: number, body: string, cache = 'no-store'): void {
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': cache,
  });
  response.end(body);
}

async function oidcTokenBody(form: string): Promise<string> {
  const nonce = nonceInCode(new URLSearchParams(form).get('code'));
  const idToken = await new SignJWT({ at_hash: AT_HASH, ...(nonce === undefined ? {} : { nonce }) })
    .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(CLIENT_ID)
    .setSubject(ID_TOKEN_SUBJECT)
    .setIssuedAt()
    .setExpirationTime(`${ID_TOKEN_LIFETIME_SECONDS}s`)
    .sign(signingKey);
  idTokens++;
  if (nonce !== undefined) idTokensWithNonce++;
  return JSON.stringify({ ...TOKEN_RESPONSE, scope: 'openid', id_token: idToken });
}

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === OIDC_JWKS_PATH)
    return sendJson(response, 200, JWKS_BODY, 'max-age=3600');
  if (request.method === 'GET' && request.url === OIDC_DISCOVERY_PATH)
    return sendJson(response, 200, discoveryBody, 'max-age=3600');
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
    if (request.url === DPOP_TOKEN_PATH) {
      void validDpopProof(request.headers.dpop).then((valid) => {
        if (!valid) return sendJson(response, 400, '{"error":"invalid_dpop_proof"}');
        dpopProofs++;
        sendJson(response, 200, DPOP_TOKEN_BODY);
      });
      return;
    }
    if (request.url !== OIDC_TOKEN_PATH) {
      response.writeHead(200, TOKEN_HEADERS);
      response.end(TOKEN_BODY);
      return;
    }
    oidcTokenBody(body).then(
      (json) => sendJson(response, 200, json),
      () => sendJson(response, 500, '{"error":"server_error"}'),
    );
  });
});
// Longer than any client's idle socket, so a pooled connection is never closed under a client.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const origin = `http://127.0.0.1:${address.port}`;
  issuer = `${origin}${OIDC_BASE_PATH}`;
  dpopHtu = `${origin}${DPOP_TOKEN_PATH}`;
  discoveryBody = JSON.stringify({
    issuer,
    authorization_endpoint: `${origin}${OIDC_AUTHORIZATION_PATH}`,
    token_endpoint: `${origin}${OIDC_TOKEN_PATH}`,
    jwks_uri: `${origin}${OIDC_JWKS_PATH}`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
  });
  process.send?.({ type: 'ready', port: address.port });
});

process.on('message', (message: { type?: string }) => {
  if (message?.type === 'count')
    process.send?.({ type: 'count', posts, withVerifier, idTokens, idTokensWithNonce, dpopProofs });
});
process.on('disconnect', () => process.exit(0));
