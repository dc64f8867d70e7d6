import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AuthCodeFlowModule,
  getFlowManagerToken,
  type FlowManager,
  type FlowManagerOptions,
} from '../../../lib/index.js';
import { followAuthorization } from '../../support/follow-authorization.js';
import { registerProviderOrigin, registerSecret, registerTokens } from '../../support/leak-capture.js';
import '../../support/leak-capture.lib.js';
import { generateSigningKey, signJwt, type SigningKey } from '../../support/signing-provider.js';

/** A reply of the fake token endpoint: an object is sent as JSON, a string as is. */
export interface Reply {
  status?: number;
  body: unknown;
  contentType?: string;
}

export type TokenGrant = { type: 'authorization_code' | 'refresh_token'; scope?: string; n: number };
export type ErrorKind = 'invalid_grant' | 'invalid_client' | 'invalid_request';

export interface RecordedTokenRequest {
  path: string;
  headers: IncomingMessage['headers'];
  contentType: string;
  params: Record<string, string>;
}

export interface PresetFakeSpec {
  /** Path of the authorization endpoint, as the preset builds it. */
  authorizePath: string;
  /** Path of the token endpoint, as the preset builds it. */
  tokenPath: string;
  /** How the provider expects the client to authenticate. */
  clientAuth: 'client_secret_basic' | 'client_secret_post' | 'none';
  /**
   * `required`: no challenge, no code; `supported`: checked when sent;
   * `rejected`: a `code_verifier` at the token endpoint fails with `invalid_client` (LinkedIn's behaviour).
   */
  pkce: 'required' | 'supported' | 'rejected';
  /** Media type the token request body must have. @default 'application/x-www-form-urlencoded' */
  requestBody?: 'application/x-www-form-urlencoded' | 'application/json';
  /** Sent as `iss` in the authorization response (RFC 9207), when set. */
  iss?: string;
  /** The provider's successful token response. */
  tokens: (grant: TokenGrant) => Reply;
  /** The provider's error response. @default RFC 6749 §5.2 JSON with HTTP 400 (401 for invalid_client) */
  error?: (kind: ErrorKind, description: string) => Reply;
  /**
   * An OpenID Connect provider: its JWKS (one RS256 key) is served at `jwksPath`, and every successful code
   * grant answer without an `id_token` gets one, signed, for `issuer`, the client and the flow's nonce (refresh
   * answers too with `onRefresh`), with `claims(grant)` added.
   */
  idToken?: {
    /** The `iss` claim; a function gets the fake's URL. */
    issuer: string | ((url: string) => string);
    jwksPath: string;
    onRefresh?: boolean;
    claims?: (grant: TokenGrant) => Record<string, unknown>;
  };
}

/** The subject of the ID tokens a preset fake signs. */
export const ID_TOKEN_SUBJECT = 'preset-user-1';

export const SECRET = 'se:cr+et&%/ value';
registerSecret(SECRET, 'client secret (preset fake SECRET)');
export const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/preset/callback';

/**
 * A loopback imitation of one provider's documented behaviour: single-use codes bound to client,
 * redirect URI and PKCE challenge; the provider's client authentication; its own response shapes.
 */
export class PresetFake {
  readonly tokenRequests: RecordedTokenRequest[] = [];
  readonly authorizeQueries: URLSearchParams[] = [];
  url = '';
  clientId = 'preset-client';
  clientSecret: string | undefined = SECRET;
  private readonly codes = new Map<string, { challenge?: string; scope?: string; nonce?: string; used: boolean }>();
  private signingKey: SigningKey | undefined;
  private readonly refreshTokens = new Set<string>();
  private counter = 0;

  private constructor(
    private readonly server: Server,
    readonly spec: PresetFakeSpec,
  ) {}

  static async start(spec: PresetFakeSpec): Promise<PresetFake> {
    const server = createServer();
    const fake = new PresetFake(server, spec);
    if (spec.idToken) fake.signingKey = await generateSigningKey('RS256');
    server.on('request', (req, res) => void fake.dispatch(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    registerProviderOrigin(fake.url);
    return fake;
  }

  /** A refresh token the fake will honour (the tokens callback should use it). */
  refreshToken(n: number): string {
    const token = `refresh-${n}`;
    this.refreshTokens.add(token);
    return token;
  }

  /** Follows an authorization URL as the browser would after consent; returns the callback's query. */
  authorize(authorizationUrl: string): Promise<URLSearchParams> {
    return followAuthorization(authorizationUrl);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    try {
      if (req.method === 'GET' && url.pathname === this.spec.authorizePath)
        return this.authorizeEndpoint(url.searchParams, res);
      if (req.method === 'GET' && this.signingKey && url.pathname === this.spec.idToken?.jwksPath)
        return send(res, { body: { keys: [this.signingKey.publicJwk] } });
      if (req.method === 'POST' && url.pathname === this.spec.tokenPath) {
        return await this.tokenEndpoint(url.pathname, req.headers, Buffer.concat(chunks).toString('utf8'), res);
      }
      send(res, { status: 404, body: { error: 'not_found' } });
    } catch (error) {
      send(res, { status: 500, body: { error: 'server_error', error_description: String(error) } });
    }
  }

  private authorizeEndpoint(q: URLSearchParams, res: ServerResponse): void {
    this.authorizeQueries.push(q);
    registerSecret(q.get('state'), 'state (preset fake)', 'state');
    registerSecret(q.get('nonce'), 'nonce (preset fake)', 'nonce');
    if (
      q.get('client_id') !== this.clientId ||
      q.get('redirect_uri') !== REDIRECT_URI ||
      q.get('response_type') !== 'code'
    ) {
      return send(res, {
        status: 400,
        body: 'unknown client, redirect_uri or response_type',
        contentType: 'text/plain',
      });
    }
    const challenge = q.get('code_challenge') ?? undefined;
    if (challenge !== undefined && q.get('code_challenge_method') !== 'S256')
      return send(res, { status: 400, body: 'S256 only', contentType: 'text/plain' });
    const redirect = new URL(REDIRECT_URI);
    if (this.spec.pkce === 'required' && challenge === undefined) {
      redirect.searchParams.set('error', 'invalid_request');
      redirect.searchParams.set('error_description', 'Missing required parameter [code_challenge].');
    } else {
      const code = randomBytes(16).toString('hex');
      registerSecret(code, 'code (preset fake)', 'code');
      const nonce = q.get('nonce') ?? undefined;
      this.codes.set(code, { challenge, scope: q.get('scope') ?? undefined, nonce, used: false });
      redirect.searchParams.set('code', code);
    }
    if (q.has('state')) redirect.searchParams.set('state', q.get('state')!);
    if (this.spec.iss !== undefined) redirect.searchParams.set('iss', this.spec.iss);
    res.writeHead(302, { Location: redirect.toString() }).end();
  }

  private async tokenEndpoint(
    path: string,
    headers: IncomingMessage['headers'],
    body: string,
    res: ServerResponse,
  ): Promise<void> {
    const contentType = String(headers['content-type'] ?? '');
    const params = contentType.startsWith('application/json')
      ? stringFields(JSON.parse(body))
      : Object.fromEntries(new URLSearchParams(body));
    this.tokenRequests.push({ path, headers, contentType, params });
    registerSecret(params.code_verifier, 'PKCE verifier (preset fake)');
    registerSecret(params.refresh_token, 'refresh token (preset fake)');
    const error = (kind: ErrorKind, description: string) =>
      send(
        res,
        this.spec.error?.(kind, description) ?? {
          status: kind === 'invalid_client' ? 401 : 400,
          body: { error: kind, error_description: description },
        },
      );

    const expectedBody = this.spec.requestBody ?? 'application/x-www-form-urlencoded';
    if (!contentType.startsWith(expectedBody)) return error('invalid_request', `the body must be ${expectedBody}`);
    if (!this.authenticated(headers, params)) return error('invalid_client', 'client authentication failed');
    if (this.spec.pkce === 'rejected' && params.code_verifier !== undefined)
      return error('invalid_client', 'Client authentication failed');

    if (params.grant_type === 'refresh_token') {
      if (!this.refreshTokens.has(params.refresh_token ?? '')) return error('invalid_grant', 'unknown refresh token');
      const grant: TokenGrant = { type: 'refresh_token', n: ++this.counter };
      const reply = this.spec.tokens(grant);
      return send(res, this.spec.idToken?.onRefresh ? await this.withIdToken(reply, grant) : reply);
    }
    if (params.grant_type !== 'authorization_code') return error('invalid_request', 'unsupported grant_type');
    const issued = this.codes.get(params.code ?? '');
    if (!issued || issued.used) return error('invalid_grant', 'The code passed is incorrect or expired.');
    issued.used = true;
    if (params.redirect_uri !== REDIRECT_URI) return error('invalid_grant', 'redirect_uri mismatch');
    if (issued.challenge !== undefined) {
      const computed = createHash('sha256')
        .update(params.code_verifier ?? '')
        .digest('base64url');
      if (computed !== issued.challenge) return error('invalid_grant', 'PKCE verification failed');
    } else if (params.code_verifier !== undefined && this.spec.pkce !== 'supported') {
      return error('invalid_request', 'unexpected code_verifier');
    }
    const grant: TokenGrant = { type: 'authorization_code', scope: issued.scope, n: ++this.counter };
    send(res, await this.withIdToken(this.spec.tokens(grant), grant, issued.nonce));
  }

  /** The reply with a signed `id_token` added, for an OpenID Connect fake's successful JSON answer without one. */
  private async withIdToken(reply: Reply, grant: TokenGrant, nonce?: string): Promise<Reply> {
    const body = reply.body;
    if (!this.signingKey || (reply.status ?? 200) !== 200 || typeof body !== 'object' || body === null) return reply;
    if ('id_token' in body || 'error' in body || (body as { ok?: unknown }).ok === false) return reply;
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss:
        typeof this.spec.idToken!.issuer === 'string' ? this.spec.idToken!.issuer : this.spec.idToken!.issuer(this.url),
      aud: this.clientId,
      sub: ID_TOKEN_SUBJECT,
      iat: now,
      exp: now + 300,
      ...(nonce === undefined ? {} : { nonce }),
      ...this.spec.idToken!.claims?.(grant),
    };
    return { ...reply, body: { ...body, id_token: await signJwt(claims, { key: this.signingKey }) } };
  }

  /** The provider's one client authentication method, RFC 6749 §2.3.1 (form-urlencoded before base64). */
  private authenticated(headers: IncomingMessage['headers'], params: Record<string, string>): boolean {
    const header = headers.authorization;
    switch (this.spec.clientAuth) {
      case 'client_secret_basic': {
        if (!header?.startsWith('Basic ') || params.client_secret !== undefined) return false;
        const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        return (
          formDecode(decoded.slice(0, colon)) === this.clientId &&
          formDecode(decoded.slice(colon + 1)) === this.clientSecret
        );
      }
      case 'client_secret_post':
        return header === undefined && params.client_id === this.clientId && params.client_secret === this.clientSecret;
      case 'none':
        return header === undefined && params.client_id === this.clientId && params.client_secret === undefined;
    }
  }
}

export function send(res: ServerResponse, reply: Reply): void {
  registerTokens(reply.body, 'preset fake');
  const isText = typeof reply.body === 'string';
  res
    .writeHead(reply.status ?? 200, {
      'Content-Type': reply.contentType ?? (isText ? 'text/plain' : 'application/json; charset=utf-8'),
      'Cache-Control': 'no-store',
    })
    .end(isText ? (reply.body as string) : JSON.stringify(reply.body));
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function stringFields(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

/** The real module with one provider configured from a preset; returns its flow manager. */
export async function moduleWith(
  name: string,
  options: FlowManagerOptions,
): Promise<{ moduleRef: TestingModule; manager: FlowManager }> {
  const moduleRef = await Test.createTestingModule({
    imports: [AuthCodeFlowModule.forRoot({ providers: { [name]: options }, routes: false })],
  }).compile();
  await moduleRef.init();
  return { moduleRef, manager: moduleRef.get<FlowManager>(getFlowManagerToken(name)) };
}

/** createAuthorizationUrl, then the fake's consent; returns the authorization URL and the callback query. */
export async function authorize(
  manager: FlowManager,
  fake: PresetFake,
  user = 'ada',
): Promise<{ url: URL; callback: URLSearchParams }> {
  const { url } = await manager.createAuthorizationUrl(user);
  return { url: new URL(url), callback: await fake.authorize(url) };
}
