import { SAFE_ERROR_CODE } from './auth-code-flow.constants.js';

/** The message of an `AuthCodeFlowConfigError`: what was given wrong (`RedisStateStore`, `github preset`…), then each problem. */
export const INVALID_OPTIONS_OF = (subject: string, problems: readonly string[]) =>
  `Invalid ${subject} options:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`;
export const INVALID_OPTIONS = (problems: readonly string[]) => INVALID_OPTIONS_OF('AuthCodeFlowModule', problems);
export const UNKNOWN_PROVIDER = (name: string, known: readonly string[]) =>
  `No OAuth provider named "${name}" is configured (configured: ${known.length ? known.join(', ') : 'none'}).`;
export const STATE_NOT_FOUND = 'The state is unknown, expired or already used.';
export const STATE_WRONG_PROVIDER = (provider: string) => `The state was not issued for provider "${provider}".`;
export const STATE_WRONG_USER = 'The state was issued for another user.';
export const STATE_WRONG_BROWSER = 'The state was issued to another browser.';
/** `origin` is the redirect URI's origin: configuration, never request input. */
export const STATE_BINDING_COOKIE_MISSING = (origin: string) =>
  `The browser sent no binding cookie for this flow; start the flow on ${origin}, the redirect URI's origin.`;
export const STATE_BINDING_UNCHECKABLE =
  'The state is bound to the browser that started the flow, which fetchAccessToken cannot check; ' +
  'complete it with handleCallback or the built-in callback route.';
export const STATE_WITHOUT_VERIFIER = 'The pending authorization has no PKCE verifier; it cannot be redeemed.';
export const AUTHORIZATION_DENIED = (error: string) =>
  SAFE_ERROR_CODE.test(error)
    ? `The provider answered the authorization request with "${error}".`
    : 'The provider answered the authorization request with an error.';
export const CALLBACK_PARAM_REPEATED = (name: string) => `The callback parameter "${name}" was given more than once.`;
export const CALLBACK_PARAM_NOT_STRING = (name: string) => `The callback parameter "${name}" must be a single string.`;
export const CALLBACK_PARAM_TOO_LONG = (name: string) => `The callback parameter "${name}" is too long.`;
export const CALLBACK_PARAM_MISSING = (name: string) => `The callback has no "${name}" parameter.`;
export const CALLBACK_CODE_AND_ERROR = 'The callback carries both "code" and "error".';
export const CALLBACK_ISSUER_MISMATCH = 'The callback\'s "iss" does not match the provider\'s issuer (RFC 9207).';
export const CALLBACK_ISSUER_MISSING =
  'The callback has no "iss" although the provider is known to send it (RFC 9207).';
export const CALLBACK_ISSUER_UNEXPECTED =
  'The callback carries "iss" but no issuer is configured to check it against (RFC 9207).';
export const RESERVED_AUTHORIZATION_PARAM = (name: string) =>
  `The authorization parameter "${name}" is set by the flow manager and cannot be overridden.`;
export const BROWSER_ID_INVALID = 'The browserId of createAuthorizationUrl must be a non-empty string.';
export const REFRESH_TOKEN_INVALID = 'The refreshToken of refreshAccessToken must be a non-empty string.';
export const REFRESH_LOCK_WAIT_EXPIRED =
  'Another instance holds the token refresh lock and no new tokens appeared in time; try again.';
// Messages built from a token, refresh or revocation endpoint's answer quote none of it: the provider's
// `error`, `error_description` and `token_type` stay on the error's properties (filtered), never here.
export const TOKEN_REQUEST_REJECTED = (operation: string, status: number) =>
  `The ${operation} request was rejected by the provider (HTTP ${status}).`;
export const TOKEN_ENDPOINT_FAILED = (operation: string, reason: string) =>
  `The ${operation} request failed: ${reason}.`;

/** Why a token endpoint's answer is unusable, for {@link TOKEN_ENDPOINT_FAILED}; in our words only. */
export const TOKEN_RESPONSE_PROBLEM = {
  redirect: (status: number) => `the token endpoint answered with a redirect (HTTP ${status}), which is never followed`,
  serverError: (status: number) => `the token endpoint answered HTTP ${status}`,
  statusWithoutError: (status: number) => `the token endpoint answered HTTP ${status} without an OAuth error`,
  unparseable: 'the token response is neither JSON nor form-encoded',
  tooDeep: (maxDepth: number) => `the token response nests deeper than ${maxDepth} levels`,
  tooManyValues: (maxValues: number) => `the token response holds more than ${maxValues} values`,
  keyTooLong: (maxLength: number) => `the token response has a member name longer than ${maxLength} characters`,
  normalizerFailed: 'normalizeTokenResponse threw',
  normalizerNotObject: 'normalizeTokenResponse did not return an object',
  noAccessToken: 'the token response has no access_token',
  unsupportedTokenType: 'the token type is not supported',
  notDpopBound: 'the token type is not DPoP, and requireDpopBoundTokens asks for DPoP-bound tokens',
  lifetimeMalformed: (field: string) => `${field} is not a non-negative integer`,
  lifetimeTooLong: (field: string) => `${field} is more than ten years`,
  notAString: (field: string) => `${field} is not a string`,
} as const;

/** What the routes answer for an unavailable store: no store, command or host named. */
export const PUBLIC_STORE_UNAVAILABLE = 'The service is temporarily unavailable; try again in a moment.';
/** What the routes answer when the in-memory state store is full. */
export const PUBLIC_STATE_STORE_FULL = 'Too many authorizations are pending; try again in a moment.';
/** What the routes answer for a provider name that is not configured (the configured names stay private). */
export const PUBLIC_UNKNOWN_PROVIDER = 'No such OAuth provider.';
export const HTTP_SERVICE_PEERS_MISSING = (proxyVariable: string | undefined) =>
  proxyVariable
    ? `tokenTransport is unset and ${proxyVariable} is set, so token requests go through 'http-service', which needs the peer ` +
      "dependencies @nestjs/axios and axios: install them, or set tokenTransport: 'node-http' to send token requests directly"
    : "tokenTransport 'http-service' needs the peer dependencies @nestjs/axios and axios: install them (npm install @nestjs/axios axios)";
/** `issuer` is configuration; `detail` names a rule or a field, never the provider's text. */
export const DISCOVERY_FAILED = (issuer: string, detail: string) =>
  `The metadata of issuer ${issuer} could not be used: ${detail}.`;
export const PUBLIC_DISCOVERY_FAILED = "The provider's configuration could not be loaded; try again shortly.";
/** `detail` names a rule or a claim, never a claim's value or the token. */
export const ID_TOKEN_INVALID = (provider: string, detail: string) =>
  `The ID token from provider ${provider} was refused: ${detail}.`;

/** Why an ID token was refused, for {@link ID_TOKEN_INVALID}: rules, claim and header names only, never a value. */
export const ID_TOKEN_PROBLEM = {
  missingIdToken: 'the token response has no id_token although the scope includes openid',
  malformed: 'it is not a signed JWT (compact JWS) with a JSON object payload',
  claimMissing: (claim: string) => `it has no "${claim}" claim`,
  claimMistyped: (claim: string) => `its "${claim}" claim has the wrong type`,
  algorithm: 'its "alg" is none or not one of the provider\'s allowed algorithms',
  signature: 'its signature does not verify',
  unknownKey: "no key of the provider's JWKS matches its header, even after fetching the JWKS again",
  jwksStatus: (status: number) => `the JWKS request answered HTTP ${status}`,
  jwksNotJson: 'the JWKS is not JSON',
  jwksNotKeySet: 'the JWKS is not an object with a keys array',
  jwksTooLarge: (maxBytes: number) => `the JWKS exceeds ${maxBytes} bytes`,
  jwksTimeout: (timeoutMs: number) => `the JWKS request got no complete answer within ${timeoutMs} ms`,
  jwksNetwork: (code: string) => `the JWKS request failed with network error ${code}`,
  jwksNoGet: 'the token transport has no get method to fetch the JWKS with',
  jwksUnusableKey: "the key of the provider's JWKS that matches its header cannot be used",
  noSecret: 'it is signed with a client secret and the provider has none configured',
  issuer: 'its "iss" claim is not the provider\'s issuer',
  tenant: 'its "tid" claim is not a tenant id to complete the issuer with',
  audience: 'its "aud" claim does not hold the client id',
  azpMissing: 'its "aud" claim holds several audiences and it has no "azp" claim',
  azp: 'its "azp" claim is not the client id',
  expired: 'it has expired ("exp")',
  issuedInFuture: 'its "iat" lies in the future beyond the clock tolerance',
  notYetValid: 'its "nbf" lies in the future beyond the clock tolerance',
  nonceMissing: 'it has no "nonce" claim although the authorization request sent one',
  nonce: 'its "nonce" claim is not the one the authorization request sent',
  atHash: 'its "at_hash" claim does not match the access token',
  subject: 'its "sub" claim is not the subject of the earlier ID token',
} as const;
/** An `IdTokenValidator` built with options that cannot verify any token: a mistake of the calling code. */
export const ID_TOKEN_VALIDATOR_ARGUMENT = (option: 'algorithms' | 'clientSecret' | 'keys') =>
  ({
    algorithms: 'The algorithms of an IdTokenValidator must be a non-empty list without none.',
    clientSecret: 'The algorithms of the IdTokenValidator hold an HMAC one, which needs the clientSecret.',
    keys: 'The algorithms of the IdTokenValidator hold an asymmetric one, which needs a key source (the JWKS).',
  })[option];
export const NOT_CONNECTED = (provider: string) =>
  `The user has no tokens for provider ${provider}: connect the account first.`;
export const ENDPOINT_NOT_CONFIGURED = (provider: string, endpoint: string) =>
  `Provider ${provider} has no ${endpoint} endpoint: set it in the options, or use an issuer whose metadata names one.`;
export const PUBLIC_JWKS_UNAVAILABLE = "The provider's signing keys could not be loaded; try again shortly.";
/** `detail` is one of {@link USERINFO_PROBLEM}: our words, never the provider's. */
export const USERINFO_FAILED = (provider: string, detail: string) =>
  `The userinfo request to provider ${provider} failed: ${detail}.`;
export const USERINFO_PROBLEM = {
  status: (status: number) => `the userinfo endpoint answered HTTP ${status}`,
  signed: 'the answer is a signed JWT (application/jwt), which is not supported',
  notJson: 'the answer is not application/json',
  notObject: 'the answer is not a JSON object within the bounds on token responses',
  noSubject: 'the answer has no string sub',
  subjectMismatch: "the answer's sub is not the ID token's",
  timeout: (timeoutMs: number) => `no complete answer within ${timeoutMs} ms`,
  tooLarge: (maxBytes: number) => `the answer exceeds ${maxBytes} bytes`,
  network: (code: string | undefined) => `network error ${code ?? 'without a code'}`,
  noGet: 'the token transport has no get method',
} as const;
export const USER_ARGUMENT_INVALID = (method: string) => `The user of ${method} must be a non-empty string.`;
export const ACCESS_TOKEN_UNSENDABLE = (provider: string) =>
  `The stored access token of provider ${provider} holds characters an Authorization header cannot carry.`;
export const RESOURCE_URL_INVALID =
  'The url of fetchProtectedResource must be an absolute https URL without credentials ' +
  '(plain http only for localhost, or with allowInsecureRequests).';
export const RESOURCE_INIT_INVALID = 'The init of fetchProtectedResource must be an object.';
export const RESOURCE_REDIRECT_INVALID =
  'fetchProtectedResource never follows a redirect (the access token would go along): init.redirect may only be "manual".';
export const END_SESSION_OPTIONS_INVALID = 'The options of getEndSessionUrl must be an object.';
export const POST_LOGOUT_REDIRECT_URI_INVALID =
  'The postLogoutRedirectUri of getEndSessionUrl must be an absolute https URL without credentials or fragment ' +
  '(plain http only for localhost, or with allowInsecureRequests).';
export const END_SESSION_STATE_INVALID = 'The state of getEndSessionUrl must be a non-empty string.';
/** The operation of a pushed authorization request (RFC 9126), for {@link TOKEN_ENDPOINT_FAILED}. */
export const PAR_OPERATION = 'pushed authorization';
/** Why a PAR endpoint's answer is unusable, for {@link TOKEN_ENDPOINT_FAILED}; in our words only. */
export const PAR_RESPONSE_PROBLEM = {
  redirect: (status: number) => `the PAR endpoint answered with a redirect (HTTP ${status}), which is never followed`,
  status: (status: number) => `the PAR endpoint answered HTTP ${status}, not 201 Created`,
  rejected: (status: number) => `the PAR endpoint refused the request with an OAuth error (HTTP ${status})`,
  notObject: 'the answer is not a JSON object',
  requestUri: (maxLength: number) => `its request_uri is not a string of 1 to ${maxLength} visible ASCII characters`,
  expiresIn: 'its expires_in is not a positive integer of at most ten years',
} as const;
/** Why a discovering provider's pushed authorization settings cannot be used, for {@link DISCOVERY_FAILED}. */
export const PAR_METADATA_PROBLEM = {
  required: (provider: string) =>
    'it requires pushed authorization requests (require_pushed_authorization_requests), ' +
    `which providers.${provider}.pushedAuthorizationRequests: false turns off`,
  noEndpoint: (provider: string) =>
    'it names no pushed_authorization_request_endpoint, which pushed authorization requests need: ' +
    `set providers.${provider}.pushedAuthorizationRequestPath`,
} as const;
export const PUBLIC_NO_CLIENT_KEYS = 'This provider has no client key (clientPrivateKey) to publish.';
export const REAUTHORIZATION_REQUIRED = (provider: string) =>
  `The stored tokens of provider ${provider} are DPoP-bound to a key this manager does not hold: connect the account again.`;
export const REFRESH_REJECTED = (provider: string) =>
  `Provider ${provider} refused to refresh the stored tokens (the grant was revoked or has expired): connect the account again.`;
export const REFRESH_BACKING_OFF = (seconds: number) =>
  TOKEN_ENDPOINT_FAILED('refresh', `an earlier refresh failed, and none is sent for ${seconds} s`);
