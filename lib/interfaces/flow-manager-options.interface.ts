import type { JsonWebKey, KeyObject } from 'node:crypto';

export type ClientAuthMethod =
  'client_secret_post' | 'client_secret_basic' | 'none' | 'private_key_jwt' | 'client_secret_jwt';

/** The JWS algorithm of a client assertion: asymmetric for `private_key_jwt`, HMAC for `client_secret_jwt`. */
export type ClientAssertionAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519'
  | 'HS256'
  | 'HS384'
  | 'HS512';

/** One OAuth provider: the Python `auth-code-flow` package's attributes, camelCased, plus what RFC 9700 asks of a client. */
export interface FlowManagerOptions {
  /** Base URL the relative paths are appended to, e.g. `https://stackoverflow.com`. Optional with discovery. */
  baseUri?: string;
  /** Authorization endpoint: a path appended to `baseUri`, or an absolute URL. Optional with discovery. */
  authorizationPath?: string;
  /** Token endpoint: a path appended to `baseUri`, or an absolute URL. Optional with discovery. */
  accessTokenPath?: string;
  /**
   * Load the missing endpoints from the issuer's metadata (OpenID Connect Discovery 1.0, RFC 8414), on the
   * first flow that needs them. Explicit paths override the metadata.
   * @default true when `issuer` is set and `authorizationPath` or `accessTokenPath` is missing
   */
  discovery?: boolean;
  clientId: string;
  /** Absent for a public client. */
  clientSecret?: string;
  /** Sent as configured in the authorization and token requests; never derived from the request (RFC 9700 §4.13). */
  redirectUri: string;
  scope?: string | string[];
  /** Joins an array `scope`. @default ' ' */
  scopeDelimiter?: string;
  /** PKCE with S256 (RFC 7636). Turn off only for a provider that rejects it. @default true */
  pkce?: boolean;
  /**
   * How the client authenticates at the token endpoint, for the token, refresh, revocation and pushed
   * authorization requests: a secret (RFC 6749 §2.3.1), none, or a signed JWT (RFC 7523 §2.2, OpenID Connect
   * Core §9): `private_key_jwt` with `clientPrivateKey`, `client_secret_jwt` (an HMAC of `clientSecret`).
   * @default 'private_key_jwt' with a `clientPrivateKey`, else 'client_secret_post' with a `clientSecret`, else 'none'
   */
  clientAuthMethod?: ClientAuthMethod;
  /**
   * The private key of `private_key_jwt`: a private JWK, a PEM string (PKCS#8, PKCS#1 or SEC1, unencrypted)
   * or a `KeyObject`. RSA (at least 2048 bits), EC P-256/P-384/P-521 or Ed25519. It is checked and imported
   * once at start-up, and never appears in an error, a log line or `JSON.stringify` of the resolved options;
   * its public half is served by `FlowManager.getClientJwks()` (and the `routes.clientJwks` route).
   */
  clientPrivateKey?: JsonWebKey | string | KeyObject;
  /**
   * The `alg` of the client assertions. It must fit the key: RS* or PS* for RSA, ES256/ES384/ES512 for the
   * EC curve, EdDSA or Ed25519 for Ed25519, HS* for `client_secret_jwt`.
   * @default the JWK's `alg`, else RS256 (RSA), ES256/ES384/ES512 (by curve), EdDSA (Ed25519), HS256 (secret); when the
   * metadata's `token_endpoint_auth_signing_alg_values_supported` lacks that default, the next the key fits that it
   * lists (RSA: PS256, RS384, PS384, RS512, PS512; Ed25519: Ed25519; secret: HS384, HS512)
   */
  clientAssertionAlgorithm?: ClientAssertionAlgorithm;
  /** The `kid` of the assertions' header and of the key in `getClientJwks()`. @default the JWK's `kid`, else its RFC 7638 thumbprint */
  clientKeyId?: string;
  /**
   * The `aud` of the assertions: the issuer identifier (FAPI 2.0; draft-ietf-oauth-rfc7523bis, which closes
   * the audience-injection attacks on a token endpoint URL), or the token endpoint URL (OpenID Connect Core §9),
   * for every request: some servers want the latter (Entra ID's documentation names its token endpoint).
   * @default 'issuer' when `issuer` is set, else 'token_endpoint'
   */
  clientAssertionAudience?: 'issuer' | 'token_endpoint';
  /** `true`: the token request's parameters go in a form body (RFC 6749 §4.1.3); `false`: a JSON body (the Python package's default). @default true */
  postFormData?: boolean;
  /** Static extra authorization parameters, e.g. `{ access_type: 'offline' }`. */
  authorizationParams?: Record<string, string>;
  /**
   * The provider's issuer identifier (RFC 8414 `issuer`): an `iss` in the callback must equal it exactly
   * (RFC 9207), and so must an ID token's `iss`. Without it, a callback that carries `iss` is rejected
   * (`InvalidCallbackError`, reason `issuer_unexpected`), unless `allowUnverifiedIssuer` is set.
   */
  issuer?: string;
  /**
   * The provider always sends `iss` in its authorization responses (RFC 9207
   * `authorization_response_iss_parameter_supported`): a callback without it is rejected. Needs `issuer`.
   * @default false
   */
  requireIssuerParameter?: boolean;
  /**
   * DANGEROUS: accept a callback that carries an `iss` although no `issuer` is configured, without checking it.
   * This gives up RFC 9207's mix-up defence (RFC 9700 §4.4): with several providers, a malicious or
   * compromised one can get the app to send it a code, or tokens, that another provider issued.
   * Set `issuer` instead whenever the provider documents one. Cannot be combined with `issuer`.
   * @default false
   */
  allowUnverifiedIssuer?: boolean;
  /**
   * Extra headers of the token, refresh and revocation requests, e.g. the unique `User-Agent` Reddit asks
   * for. Headers the protocol sets (`Authorization`, `Content-Type`, `Accept`, ...) cannot be given.
   */
  tokenRequestHeaders?: Record<string, string>;
  /**
   * Push every authorization request to the provider's PAR endpoint first (RFC 9126), with the client's
   * authentication, and send the browser with only `client_id` and the `request_uri` it answers: no parameter
   * of the request travels in the browser's URL. A failed push fails the flow (`PushedAuthorizationError`);
   * it never falls back to a plain authorization URL. `false` while the metadata requires PAR is refused at the
   * first flow (`DiscoveryError`). A provider without discovery needs `pushedAuthorizationRequestPath`.
   * @default what the metadata requires (`require_pushed_authorization_requests`); false without discovery
   */
  pushedAuthorizationRequests?: boolean;
  /**
   * The PAR endpoint (RFC 9126 §2): a path appended to `baseUri`, or an absolute URL. With discovery it comes
   * from the metadata's `pushed_authorization_request_endpoint`. Without discovery, it needs
   * `pushedAuthorizationRequests: true`.
   */
  pushedAuthorizationRequestPath?: string;
  /** Token revocation endpoint (RFC 7009): a path appended to `baseUri`, or an absolute URL. */
  revocationPath?: string;
  /**
   * The provider's JWK Set (OpenID Connect Core §10.1.1), against which ID tokens are verified: a path appended
   * to `baseUri`, or an absolute URL. With discovery it comes from the metadata's `jwks_uri`.
   */
  jwksPath?: string;
  /** The UserInfo endpoint (OpenID Connect Core §5.3), for `getUserInfo`. With discovery: the metadata's. */
  userInfoPath?: string;
  /** The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0), for `getEndSessionUrl`. With discovery: the metadata's. */
  endSessionPath?: string;
  /**
   * The `alg` values an ID token may be signed with. `none` is never accepted; an HMAC algorithm (`HS256`,
   * verified with the client secret) only when listed here and a `clientSecret` is set.
   * @default ['RS256'] plus the asymmetric algorithms of the metadata's `id_token_signing_alg_values_supported`
   */
  idTokenSigningAlgorithms?: string[];
  /**
   * The `iss` an ID token must carry, when it differs from `issuer` or no `issuer` is set: for Entra ID's
   * multi-tenant endpoints, `https://login.microsoftonline.com/{tenantid}/v2.0`, where `{tenantid}` stands for
   * the token's own `tid` claim. @default issuer
   */
  idTokenIssuer?: string;
  /** Leeway for the `exp`, `iat` and `nbf` of ID tokens, for clocks that drift. @default 60 */
  clockToleranceSeconds?: number;
  /**
   * Adapts a provider's token response to RFC 6749 §5.1 before it is validated, e.g. a scope array or an
   * error object (a missing `token_type` and an `expires` field need none). Presets set it; it receives the
   * parsed body and returns the body to validate, which becomes `raw`. If it throws, the exchange fails with
   * `TokenEndpointError('invalid_response')`.
   */
  normalizeTokenResponse?: (body: Record<string, unknown>) => Record<string, unknown>;
  /**
   * DPoP (RFC 9449): token and refresh requests carry a proof signed with the manager's key, and DPoP-bound
   * tokens are presented with a fresh proof per request (`fetchProtectedResource`, `getUserInfo`). `true`: an
   * ES256 key pair generated when the manager starts (non-extractable; one per process, so tokens bound to it
   * cannot be used by another instance or after a restart: give a key to share them). `{ privateKey }`: an
   * EC P-256 (ES256), RSA of 2048 bits or more (PS256, or RS256 when the JWK says `alg: 'RS256'`) or Ed25519
   * (EdDSA) private key, as a JWK or a `KeyObject`, imported once at start-up.
   * @default false
   */
  dpop?: boolean | { privateKey: JsonWebKey | KeyObject };
  /**
   * Sends `dpop_jkt`, the thumbprint of the DPoP key, in the authorization request (RFC 9449 §10): the code can
   * only be redeemed with a proof of this key. Needs `dpop`. @default false
   */
  dpopBindAuthorizationCode?: boolean;
  /**
   * Refuses a token response whose `token_type` is not `DPoP` (RFC 9449 §5 lets a server answer a DPoP request
   * with bearer tokens; without this option they are accepted and used as bearer tokens). Needs `dpop`.
   * @default false
   */
  requireDpopBoundTokens?: boolean;
  /**
   * DANGEROUS: allows plain-http endpoints and a plain-http `redirectUri` on hosts other than localhost, which
   * sends the client secret, the code and the tokens in clear text (RFC 6749 §3.1.2.1). Only for development networks.
   * @default false
   */
  allowInsecureRequests?: boolean;
}
