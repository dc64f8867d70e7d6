import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWTPayload } from 'jose';

/** What the server decided about one request. */
export type DpopOutcome = 'ok' | 'no_token' | 'unknown_token' | 'invalid_dpop_proof' | 'use_dpop_nonce';

export interface DpopResourceRequest {
  method: string;
  /** The request's URL, query included. */
  url: string;
  authorization: string | undefined;
  proof: string | undefined;
  /** The proof's verified claims, when its signature, `typ` and `alg` held. */
  claims?: JWTPayload;
  outcome: DpopOutcome;
  /** Why a proof was refused (our words, for the test's assertions). */
  problem?: string;
}

/**
 * A small resource server of the tests' own that checks DPoP as RFC 9449 §7.1 asks: `Authorization: DPoP`,
 * one `DPoP` proof verified with jose against its embedded key (`typ: dpop+jwt`, ES256/EdDSA/PS256/RS256),
 * `htm` and `htu` (no query, no fragment) of the request, `ath` of the token, a `jti` it has not seen, an `iat`
 * within a minute, the key's thumbprint equal to the token's `jkt`, and, when `requireNonce` is on, its current
 * nonce (else 401 `use_dpop_nonce` with a `DPoP-Nonce`). Tokens are known through {@link accept}.
 */
export class DpopResourceServer {
  readonly requests: DpopResourceRequest[] = [];
  url = '';
  requireNonce = false;
  /** The nonce it currently wants; {@link rotateNonce} replaces it. */
  nonce = randomBytes(16).toString('base64url');
  /** Every proof's nonce is refused as stale, and a new one handed out: a client must give up after one retry. */
  refuseEveryNonce = false;
  /** Sent as `DPoP-Nonce` in its 200 answers, when set (RFC 9449 §9: a server may hand out the next one early). */
  nextNonceOnSuccess: string | undefined;
  private readonly tokens = new Map<string, string>();
  private readonly seenJtis = new Set<string>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<DpopResourceServer> {
    const server = createServer();
    const resource = new DpopResourceServer(server);
    server.on('request', (req, res) => void resource.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    resource.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return resource;
  }

  /** Accepts `accessToken`, bound to the key whose thumbprint is `jkt`. */
  accept(accessToken: string, jkt: string): void {
    this.tokens.set(accessToken, jkt);
  }

  rotateNonce(): string {
    this.nonce = randomBytes(16).toString('base64url');
    return this.nonce;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for await (const chunk of req) void chunk;
    const authorization = req.headers.authorization;
    const proof = typeof req.headers.dpop === 'string' ? req.headers.dpop : undefined;
    const record: DpopResourceRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      authorization,
      proof,
      outcome: 'ok',
    };
    this.requests.push(record);
    const refuse = (outcome: DpopOutcome, problem: string, headers: Record<string, string> = {}) => {
      record.outcome = outcome;
      record.problem = problem;
      const error =
        outcome === 'no_token' ? '' : `, error="${outcome === 'unknown_token' ? 'invalid_token' : outcome}"`;
      res.writeHead(401, { 'WWW-Authenticate': `DPoP algs="ES256 EdDSA PS256 RS256"${error}`, ...headers }).end();
    };
    const token = /^DPoP (\S+)$/.exec(authorization ?? '')?.[1];
    if (token === undefined) return refuse('no_token', 'no DPoP authorization');
    const jkt = this.tokens.get(token);
    if (jkt === undefined) return refuse('unknown_token', 'unknown access token');
    if (proof === undefined) return refuse('invalid_dpop_proof', 'no proof');
    let verified;
    try {
      verified = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: ['ES256', 'EdDSA', 'PS256', 'RS256'],
      });
    } catch {
      return refuse('invalid_dpop_proof', 'signature, typ or alg');
    }
    const { payload, protectedHeader } = verified;
    record.claims = payload;
    const expectedHtu = `${this.url}${new URL(req.url ?? '/', this.url).pathname}`;
    const ath = createHash('sha256').update(token).digest('base64url');
    const now = Math.floor(Date.now() / 1000);
    if (payload.htm !== req.method) return refuse('invalid_dpop_proof', 'htm');
    if (payload.htu !== expectedHtu) return refuse('invalid_dpop_proof', 'htu');
    if (payload.ath !== ath) return refuse('invalid_dpop_proof', 'ath');
    if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > 60) return refuse('invalid_dpop_proof', 'iat');
    if (typeof payload.jti !== 'string' || this.seenJtis.has(payload.jti))
      return refuse('invalid_dpop_proof', 'jti replayed');
    this.seenJtis.add(payload.jti);
    if ((await calculateJwkThumbprint(protectedHeader.jwk!)) !== jkt) return refuse('invalid_dpop_proof', 'key');
    if (this.refuseEveryNonce) this.rotateNonce();
    if ((this.requireNonce || this.refuseEveryNonce) && payload.nonce !== this.nonce)
      return refuse('use_dpop_nonce', 'nonce', { 'DPoP-Nonce': this.nonce });
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.nextNonceOnSuccess !== undefined) {
      this.nonce = this.nextNonceOnSuccess;
      headers['DPoP-Nonce'] = this.nextNonceOnSuccess;
      this.nextNonceOnSuccess = undefined;
    }
    res.writeHead(200, headers).end(JSON.stringify({ ok: true, method: req.method }));
  }
}
