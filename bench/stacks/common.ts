/**
 * What every benchmarked stack shares: the fake provider's coordinates (from the runner's environment),
 * the IPC handshake (`ready` with the port and the route paths), memory reports on request, and the
 * hand-written protocol helpers of the two "floor" stacks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import {
  CLIENT_ID,
  OIDC_AUTHORIZATION_PATH,
  OIDC_BASE_PATH,
  OIDC_JWKS_PATH,
  OIDC_TOKEN_PATH,
} from '../fake-provider.js';

export { CLIENT_ID };

/** The fake token endpoint's origin, e.g. `http://127.0.0.1:40123`. */
export const PROVIDER_ORIGIN = requiredEnv('BENCH_PROVIDER_ORIGIN');
export const AUTHORIZATION_ENDPOINT = `${PROVIDER_ORIGIN}/authorize`;
export const TOKEN_ENDPOINT = `${PROVIDER_ORIGIN}/token`;
export const CLIENT_SECRET = 'bench-secret';
export const SCOPE = 'read';
/** Redirect URIs are never dereferenced by the driver: it only uses their path on the stack's own port. */
export const REDIRECT_ORIGIN = 'http://127.0.0.1';
/** The header a stack trusts for the app's user, standing in for the app's own authentication. */
export const USER_HEADER = 'x-user';
export const STATE_TTL_MS = 600_000;

/** `BENCH_OIDC=1`: the stack is the OpenID Connect variant (scope `openid`, an ID token to validate). */
export const OIDC = process.env.BENCH_OIDC === '1';
/** The OpenID Connect provider of the OIDC variants (the same fake server, under its own issuer). */
export const OIDC_ISSUER = `${PROVIDER_ORIGIN}${OIDC_BASE_PATH}`;
export const OIDC_AUTHORIZATION_ENDPOINT = `${PROVIDER_ORIGIN}${OIDC_AUTHORIZATION_PATH}`;
export const OIDC_TOKEN_ENDPOINT = `${PROVIDER_ORIGIN}${OIDC_TOKEN_PATH}`;
export const OIDC_JWKS_URI = `${PROVIDER_ORIGIN}${OIDC_JWKS_PATH}`;
export const OIDC_SCOPE = 'openid';

export interface StackInfo {
  port: number;
  /** GET path that starts a flow (302 to the provider with a state). */
  authorizePath: string;
  /** GET path of the redirect URI; the driver appends `?code=…&state=…`. */
  callbackPath: string;
}

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (stacks are started by bench/run)`);
  return value;
}

/** Tells the runner the stack listens, and answers its memory probes. */
export function reportReady(info: StackInfo): void {
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'memory') process.send?.({ type: 'memory', usage: process.memoryUsage() });
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', ...info });
}

export function portOf(address: unknown): number {
  if (address === null || typeof address !== 'object' || typeof (address as { port?: unknown }).port !== 'number') {
    throw new Error('server has no TCP address');
  }
  return (address as { port: number }).port;
}

// ---- the hand-written protocol of the floors (a) and (d) ------------------------------------------

export interface Pending {
  user: string;
  verifier: string;
  expiresAt: number;
}

export interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: number;
}

export function randomValue(): string {
  return randomBytes(32).toString('base64url');
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** Starts a flow: a state and a PKCE verifier in the Map, and the provider's URL. */
export function startFlow(pending: Map<string, Pending>, user: string, redirectUri: string): string {
  const state = randomValue();
  const verifier = randomValue();
  pending.set(state, { user, verifier, expiresAt: Date.now() + STATE_TTL_MS });
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: redirectUri,
    scope: SCOPE,
    state,
    code_challenge: s256(verifier),
    code_challenge_method: 'S256',
  });
  return `${AUTHORIZATION_ENDPOINT}?${query}`;
}

/** Consumes the state (single use, same user, not expired), POSTs the code; undefined for a bad state. */
export async function finishFlow(
  pending: Map<string, Pending>,
  tokens: Map<string, StoredTokens>,
  user: string,
  state: unknown,
  code: unknown,
  redirectUri: string,
): Promise<boolean> {
  if (typeof state !== 'string' || typeof code !== 'string' || code === '') return false;
  const record = pending.get(state);
  if (!record) return false;
  pending.delete(state);
  if (record.user !== user || record.expiresAt <= Date.now()) return false;
  const body = await postForm(
    new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: record.verifier,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    }).toString(),
  );
  if (typeof body.access_token !== 'string' || String(body.token_type).toLowerCase() !== 'bearer') {
    throw new Error('token request failed');
  }
  tokens.set(user, {
    accessToken: body.access_token,
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
    expiresAt: typeof body.expires_in === 'number' ? Date.now() + body.expires_in * 1000 : undefined,
  });
  return true;
}

/**
 * The floors' token request: a form POST over a keep-alive `node:http` Agent, no redirect following, JSON
 * answer. (Node 20's global fetch was tried first: it cost more per request than the module's axios
 * client, so it was no floor.)
 */
const tokenUrl = new URL(TOKEN_ENDPOINT);
const tokenAgent = new Agent({ keepAlive: true, maxSockets: 64 });

export function postForm(body: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: tokenUrl.hostname,
        port: tokenUrl.port,
        path: tokenUrl.pathname,
        method: 'POST',
        agent: tokenAgent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          if (response.statusCode !== 200) return reject(new Error(`token endpoint answered ${response.statusCode}`));
          try {
            resolve(JSON.parse(text) as Record<string, unknown>);
          } catch (error) {
            reject(error);
          }
        });
        response.on('error', reject);
      },
    );
    request.setTimeout(10_000, () => request.destroy(new Error('token request timeout')));
    request.on('error', reject);
    request.end(body);
  });
}
