/** Injection token of the {@link StateStore} in use. */
export const STATE_STORE = Symbol('AUTH_CODE_FLOW_STATE_STORE');
/** Injection token of the {@link TokenStore} in use. */
export const TOKEN_STORE = Symbol('AUTH_CODE_FLOW_TOKEN_STORE');
/** Injection token of the validated, normalised module options. */
export const RESOLVED_OPTIONS = Symbol('AUTH_CODE_FLOW_RESOLVED_OPTIONS');

export const DEFAULT_STATE_TTL_SECONDS = 600;
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
export const DEFAULT_STATE_STORE_MAX_ENTRIES = 100_000;
/** Pending authorizations one owner (a user, else a browser) may hold per provider; a save beyond it evicts the owner's oldest. */
export const DEFAULT_MAX_PENDING_PER_OWNER = 10;
/**
 * How many binding values the browser-binding cookie holds: one per pending flow of the browser, newest last.
 * It mirrors the state stores' per-owner quota of pending authorizations: a flow beyond it is dropped, oldest first.
 */
export const MAX_BINDING_VALUES = DEFAULT_MAX_PENDING_PER_OWNER;
export const DEFAULT_SCOPE_DELIMITER = ' ';
export const DEFAULT_ROUTES_PATH = 'oauth';

/** Token endpoint responses larger than this are refused: a provider, or something posing as one, cannot exhaust memory. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
/** Seconds before `expiresAt` at which a stored token already counts as expired. */
export const EXPIRY_SKEW_SECONDS = 30;
/** Deepest nesting of objects and arrays accepted in a token response; real ones nest two or three levels. */
export const MAX_TOKEN_RESPONSE_DEPTH = 32;
/** Most values (members and array items, at every level) accepted in a token response. */
export const MAX_TOKEN_RESPONSE_VALUES = 10_000;
/** Longest member name accepted in a token response. */
export const MAX_TOKEN_RESPONSE_KEY_LENGTH = 256;
/** Longest `error_description` kept from a token endpoint's error, in characters. */
export const MAX_ERROR_DESCRIPTION_LENGTH = 512;
/** Longest accepted `expires_in` (or `expires`): ten years, in seconds. */
export const MAX_EXPIRES_IN_SECONDS = 10 * 365 * 24 * 60 * 60;
/**
 * Retries of a token request that provably never left (the connection was refused or the host not
 * resolved): a code or refresh token that may have reached the server is never sent again.
 */
export const MAX_TOKEN_REQUEST_RETRIES = 2;
export const RETRY_BASE_DELAY_MS = 100;
/** Longest accepted callback parameter (state, code, iss, error...). */
export const MAX_CALLBACK_PARAM_LENGTH = 4096;
export const MAX_RETURN_TO_LENGTH = 2048;
/** A provider's `error` code that is safe to repeat in a message, a JSON body or a redirect's query. */
export const SAFE_ERROR_CODE = /^[a-z0-9_.-]{1,64}$/i;
/** 32 bytes from a CSPRNG, base64url: state, nonce and PKCE verifier (RFC 9700 §2.1, RFC 7636 §4.1). */
export const RANDOM_VALUE_BYTES = 32;

/** Injection token of the `TokenHttpTransport` that sends token, refresh and revocation requests. */
export const TOKEN_HTTP_TRANSPORT = Symbol('AUTH_CODE_FLOW_TOKEN_HTTP_TRANSPORT');

/** Authorization request parameters the flow manager sets itself; neither configuration nor callers may override them. */
export const RESERVED_AUTHORIZATION_PARAMS: ReadonlySet<string> = new Set([
  'response_type',
  'client_id',
  'redirect_uri',
  'state',
  'code_challenge',
  'code_challenge_method',
  'nonce',
  'dpop_jkt',
]);

/**
 * The static member by which `AuthCodeFlowGuard` and its subclasses are known (its value is
 * `AuthCodeFlowGuard` itself): the option checks sit in a layer below the guard and cannot import it.
 */
export const AUTH_CODE_FLOW_GUARD_BASE: unique symbol = Symbol('AuthCodeFlowGuard');

/** Provider metadata (discovery) is kept this long when its answer has no `Cache-Control: max-age`. */
export const DISCOVERY_DEFAULT_TTL_SECONDS = 4 * 60 * 60;
/** The bounds a metadata answer's `max-age` is held within. */
export const DISCOVERY_MIN_TTL_SECONDS = 60;
export const DISCOVERY_MAX_TTL_SECONDS = 24 * 60 * 60;
/** After a failed discovery, flows fail at once with the same error for this long, then the next one retries. */
export const DISCOVERY_FAILURE_BACKOFF_MS = 1000;

/** Default leeway for the `exp`, `iat` and `nbf` of ID tokens. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 60;

/** A provider's JWK Set (the keys of its ID tokens) is kept this long when its answer has no `Cache-Control: max-age`. */
export const JWKS_DEFAULT_TTL_SECONDS = 10 * 60;
/** The bounds a JWK Set answer's `max-age` is held within. */
export const JWKS_MIN_TTL_SECONDS = 60;
export const JWKS_MAX_TTL_SECONDS = 24 * 60 * 60;
/**
 * Least time between two fetches of a JWK Set, when a token names a key the set does not hold: tokens with
 * made-up `kid`s cannot turn into a stream of requests to the provider.
 */
export const JWKS_REFETCH_COOLDOWN_MS = 30_000;
