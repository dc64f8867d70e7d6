import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { registerSecret } from './leak-capture.js';

/** A signing key of a test provider: its private half signs, its public JWK is what a JWKS publishes. */
export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  /** The public JWK with `kid`, `alg` and `use: 'sig'`. */
  publicJwk: JWK;
}

/** A fresh key pair for `alg` (`RS256`, `PS384`, `ES256`, `ES384`, `EdDSA`, …), published by no one yet. */
export async function generateSigningKey(alg = 'RS256', kid: string = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

export interface SignOptions {
  /** `alg` of the header. @default the key's `alg` (required with a `Uint8Array` key) */
  alg?: string;
  /** `kid` of the header; `null` leaves it out. @default the key's `kid` */
  kid?: string | null;
  /** A `SigningKey`, a private `CryptoKey`, or the bytes of an HMAC secret (`new TextEncoder().encode(secret)`). */
  key: SigningKey | CryptoKey | Uint8Array;
  /** More header parameters (`typ`, `crit`, …). */
  header?: Record<string, unknown>;
}

/** A compact JWS of `claims` exactly as given (no claim added), signed with jose's `SignJWT`; a secret to the leak capture. */
export async function signJwt(claims: JWTPayload, options: SignOptions): Promise<string> {
  const { key } = options;
  const signingKey = isSigningKey(key) ? key : undefined;
  const alg = options.alg ?? signingKey?.alg;
  if (alg === undefined) throw new TypeError('signJwt: give options.alg with a CryptoKey or a secret');
  const kid = options.kid === null ? undefined : (options.kid ?? signingKey?.kid);
  const token = await new SignJWT(claims)
    .setProtectedHeader({ ...options.header, alg, ...(kid === undefined ? {} : { kid }) })
    .sign(signingKey?.privateKey ?? (key as CryptoKey | Uint8Array));
  registerSecret(token, 'signed JWT (signing-provider signJwt)');
  return token;
}

function isSigningKey(key: SignOptions['key']): key is SigningKey {
  return typeof key === 'object' && 'privateKey' in key && 'publicJwk' in key;
}

/** How the JWKS route answers. */
export type JwksMode =
  /** 200 with `{ keys: [...published] }`, and `cacheControl` when set. */
  | 'ok'
  /** Headers never sent, the connection kept open until the provider closes. */
  | 'hang'
  /** 500 with a short text. */
  | 'error'
  /** 200 with a body that is not JSON. */
  | 'garbage'
  /** 200 with JSON that is not a JWK Set (`{ "keys": "none" }`). */
  | 'not-a-key-set';

/**
 * A loopback OpenID provider's signing side, for ID token tests: an HTTP server on 127.0.0.1 that serves its
 * JWK Set at `GET /jwks` (`jwksUri`), counts the requests, can rotate its keys and can be made to fail
 * (`mode`), plus `sign`, which signs claims with one of its keys.
 *
 * ```ts
 * const provider = await SigningProvider.start();   // one RS256 key published
 * const token = await provider.sign(provider.claims({ aud: 'client', nonce }));
 * provider.mode = 'hang';
 * await provider.close();
 * ```
 */
export class SigningProvider {
  /** The server's origin, `http://127.0.0.1:<port>`, also the default `iss` of {@link claims}. */
  readonly url: string;
  readonly jwksUri: string;
  /** The keys the JWKS publishes, in order; `sign` uses the first unless told otherwise. */
  published: SigningKey[] = [];
  mode: JwksMode = 'ok';
  /** The `Cache-Control` of a JWKS answer; none when undefined. */
  cacheControl: string | undefined;
  /** Extra members of the JWKS document's `keys` (malformed entries, private keys, …), after the published ones. */
  extraJwks: unknown[] = [];
  /** JWKS requests received, whatever the mode. */
  jwksRequests = 0;
  /** The `Accept` header of every JWKS request, in order. */
  readonly acceptHeaders: Array<string | undefined> = [];

  private constructor(private readonly server: Server) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.jwksUri = `${this.url}/jwks`;
  }

  /** Starts on port 0 and publishes one fresh key of each of `algs`. */
  static async start(algs: readonly string[] = ['RS256']): Promise<SigningProvider> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const provider = new SigningProvider(server);
    server.on('request', (req, res) => provider.answer(req, res));
    for (const alg of algs) await provider.addKey(alg);
    return provider;
  }

  /** Generates a key and publishes it after the others. */
  async addKey(alg = 'RS256', kid?: string): Promise<SigningKey> {
    const key = await generateSigningKey(alg, kid);
    this.published.push(key);
    return key;
  }

  /** Key rotation: a fresh key of `alg` (a new `kid`) replaces every published one. */
  async rotate(alg = 'RS256'): Promise<SigningKey> {
    const key = await generateSigningKey(alg);
    this.published = [key];
    return key;
  }

  /** Signs `claims` with `options.key`, by default the first published key (its `alg` and `kid`). */
  sign(claims: JWTPayload, options: Partial<SignOptions> = {}): Promise<string> {
    const key = options.key ?? this.published[0];
    if (key === undefined) throw new TypeError('SigningProvider.sign: no key published and none given');
    return signJwt(claims, { ...options, key });
  }

  /**
   * Valid ID token claims for `aud` (a client id): `iss` is {@link url}, `sub` `'user-1'`, `iat` now and `exp`
   * in five minutes; `extra` adds or overrides any (a value `undefined` removes the claim).
   */
  claims(extra: Record<string, unknown> & { aud: string | string[] }): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { iss: this.url, sub: 'user-1', iat: now, exp: now + 300, ...extra };
    for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
    return claims;
  }

  /** Closes the server and every connection, hanging ones included. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' || req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    this.jwksRequests++;
    this.acceptHeaders.push(req.headers.accept);
    switch (this.mode) {
      case 'hang':
        return;
      case 'error':
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('internal error');
        return;
      case 'garbage':
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('<html>not json</html>');
        return;
      case 'not-a-key-set':
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"keys":"none"}');
        return;
      case 'ok': {
        const headers: Record<string, string> = { 'Content-Type': 'application/jwk-set+json' };
        if (this.cacheControl !== undefined) headers['Cache-Control'] = this.cacheControl;
        const keys = [...this.published.map((key) => key.publicJwk), ...this.extraJwks];
        res.writeHead(200, headers).end(JSON.stringify({ keys }));
      }
    }
  }
}
