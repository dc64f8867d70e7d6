import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { followAuthorization } from './follow-authorization.js';
import { registerProviderOrigin, registerSecret, registerTokens } from './leak-capture.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** The body as form fields, or the JSON body's string fields. */
  params: Record<string, string>;
  /** The connection it came on (`destroyed` once closed). */
  connection: Socket;
}

export interface IssuedCode {
  clientId: string;
  redirectUri: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  scope?: string;
  used: boolean;
}

export interface FakeClient {
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => unknown;

/**
 * A loopback OAuth 2.0 provider that behaves as RFC 6749 and RFC 7636 ask: it issues single-use codes
 * bound to client, redirect URI and PKCE challenge, checks client authentication, and records every request.
 * Paths: GET /oauth/authorize, POST /oauth/token. Any path can be given another handler.
 */
export class FakeProvider {
  readonly requests: RecordedRequest[] = [];
  readonly codes = new Map<string, IssuedCode>();
  private readonly clients = new Map<string, FakeClient>();
  private readonly handlers = new Map<string, Handler>();
  url = '';
  tokenCounter = 0;
  /** Extra fields of successful token responses, e.g. `{ refresh_token: 'r1', expires_in: 3600 }`. */
  tokenExtras: Record<string, unknown> = { expires_in: 3600, scope: 'read' };

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeProvider> {
    const server = createServer();
    const provider = new FakeProvider(server);
    server.on('request', (req, res) => void provider.dispatch(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    provider.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    registerProviderOrigin(provider.url);
    return provider;
  }

  registerClient(client: FakeClient): void {
    registerSecret(client.clientSecret, `client secret of ${client.clientId} (fake provider)`);
    this.clients.set(client.clientId, client);
  }

  /** Replaces the behaviour of `METHOD /path`. */
  on(method: string, path: string, handler: Handler): void {
    this.handlers.set(`${method} ${path}`, handler);
  }

  /** Forgets recorded requests and custom handlers (registered clients and issued codes stay). */
  reset(): void {
    this.requests.length = 0;
    this.handlers.clear();
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  /** Follows an authorization URL as a browser would after the user consents; returns the callback's query. */
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
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      params: parseParams(req.headers['content-type'] ?? '', body),
      connection: req.socket,
    };
    this.requests.push(request);
    registerRequestSecrets(request);
    const handler = this.handlers.get(`${request.method} ${request.path}`) ?? this.defaultHandler(request);
    try {
      await handler(request, res);
    } catch (error) {
      if (!res.headersSent) json(res, 500, { error: 'server_error', error_description: String(error) });
    }
  }

  private defaultHandler(request: RecordedRequest): Handler {
    if (request.method === 'GET' && request.path === '/oauth/authorize')
      return (req, res) => this.authorizeEndpoint(req, res);
    if (request.method === 'POST' && request.path === '/oauth/token') return (req, res) => this.tokenEndpoint(req, res);
    return (_req, res) => json(res, 404, { error: 'not_found' });
  }

  private authorizeEndpoint(request: RecordedRequest, res: ServerResponse): void {
    const q = request.query;
    const client = this.clients.get(q.get('client_id') ?? '');
    if (!client || q.get('redirect_uri') !== client.redirectUri)
      return json(res, 400, { error: 'invalid_request', error_description: 'unknown client or redirect_uri' });
    const redirect = new URL(client.redirectUri);
    if (q.get('response_type') !== 'code') redirect.searchParams.set('error', 'unsupported_response_type');
    else {
      const code = randomBytes(16).toString('hex');
      registerSecret(code, 'code (fake provider)', 'code');
      this.codes.set(code, {
        clientId: client.clientId,
        redirectUri: client.redirectUri,
        codeChallenge: q.get('code_challenge') ?? undefined,
        codeChallengeMethod: q.get('code_challenge_method') ?? undefined,
        scope: q.get('scope') ?? undefined,
        used: false,
      });
      redirect.searchParams.set('code', code);
    }
    if (q.has('state')) redirect.searchParams.set('state', q.get('state')!);
    res.writeHead(302, { Location: redirect.toString() }).end();
  }

  private tokenEndpoint(request: RecordedRequest, res: ServerResponse): void {
    const p = request.params;
    const client = this.authenticate(request);
    if (!client) return json(res, 401, { error: 'invalid_client' });
    if (p.grant_type === 'refresh_token') {
      if (!p.refresh_token?.startsWith('refresh-')) return json(res, 400, { error: 'invalid_grant' });
      return this.issueTokens(res, undefined);
    }
    if (p.grant_type !== 'authorization_code') return json(res, 400, { error: 'unsupported_grant_type' });
    const issued = this.codes.get(p.code ?? '');
    if (!issued || issued.used || issued.clientId !== client.clientId)
      return json(res, 400, { error: 'invalid_grant', error_description: 'unknown or used code' });
    issued.used = true;
    if (p.redirect_uri !== issued.redirectUri)
      return json(res, 400, { error: 'invalid_grant', error_description: 'redirect_uri mismatch' });
    if (issued.codeChallenge !== undefined) {
      const verifier = p.code_verifier ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (issued.codeChallengeMethod !== 'S256' || challenge !== issued.codeChallenge) {
        return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      }
    } else if (p.code_verifier !== undefined) {
      return json(res, 400, { error: 'invalid_grant', error_description: 'unexpected code_verifier' });
    }
    this.issueTokens(res, issued.scope);
  }

  private issueTokens(res: ServerResponse, scope: string | undefined): void {
    const n = ++this.tokenCounter;
    json(res, 200, {
      access_token: `access-${n}`,
      token_type: 'Bearer',
      refresh_token: `refresh-${n}`,
      ...this.tokenExtras,
      ...(scope ? { scope } : {}),
    });
  }

  /** client_secret_basic (form-urlencoded id and secret, RFC 6749 §2.3.1), client_secret_post, or none for a public client. */
  private authenticate(request: RecordedRequest): FakeClient | undefined {
    const header = request.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const id = formDecode(decoded.slice(0, colon));
      const secret = formDecode(decoded.slice(colon + 1));
      const client = this.clients.get(id);
      return client && client.clientSecret === secret && request.params.client_secret === undefined
        ? client
        : undefined;
    }
    const client = this.clients.get(request.params.client_id ?? '');
    if (!client) return undefined;
    if (client.clientSecret === undefined) return request.params.client_secret === undefined ? client : undefined;
    return request.params.client_secret === client.clientSecret ? client : undefined;
  }
}

/** Sends `body` as JSON; the tokens in it are registered with the leak capture. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  registerTokens(body, 'fake provider');
  res
    .writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers })
    .end(JSON.stringify(body));
}

/** What the module sends a provider: the authorization request's state and nonce, the token request's secrets. */
function registerRequestSecrets({ query, params }: RecordedRequest): void {
  registerSecret(query.get('state'), 'state (fake provider)', 'state');
  registerSecret(query.get('nonce'), 'nonce (fake provider)', 'nonce');
  registerSecret(params.code, 'code (fake provider)', 'code');
  registerSecret(params.code_verifier, 'PKCE verifier (fake provider)');
  registerSecret(params.refresh_token, 'refresh token (fake provider)');
  registerSecret(params.client_secret, 'client secret (fake provider)');
  registerSecret(params.client_assertion, 'client assertion (fake provider)');
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function parseParams(contentType: string, body: string): Record<string, string> {
  if (contentType.startsWith('application/json')) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string')) as Record<
        string,
        string
      >;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}
