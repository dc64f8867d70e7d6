import { MAX_ERROR_DESCRIPTION_LENGTH, MAX_EXPIRES_IN_SECONDS, SAFE_ERROR_CODE } from '../auth-code-flow.constants.js';
import { INVALID_ERROR_CODE, TokenEndpointError, TokenRequestError } from '../auth-code-flow.errors.js';
import { TOKEN_ENDPOINT_FAILED, TOKEN_REQUEST_REJECTED, TOKEN_RESPONSE_PROBLEM } from '../auth-code-flow.messages.js';
import type { TokenHttpResponse } from '../interfaces/token-http-transport.interface.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import { parseTokenResponseBody, UnacceptableBody } from './token-response-body.parser.js';

/**
 * The token types a token set may carry (RFC 6749 §7.1: a client must not use a type it does not
 * understand), lower-cased: `bearer` always, `dpop` (RFC 9449 §5) only in answer to a request with a proof.
 */
const BEARER_TOKEN_TYPES: ReadonlySet<string> = new Set(['bearer']);
const DPOP_TOKEN_TYPES: ReadonlySet<string> = new Set(['bearer', 'dpop']);
/** `TokenSet.tokenType` of a successful response without `token_type` (RFC 6750's spelling). */
export const DEFAULT_TOKEN_TYPE = 'Bearer';

/** What the request asked of the token type: whether it carried a DPoP proof, and whether a bearer answer is refused. */
export interface TokenTypeExpectation {
  dpopProof: boolean;
  /** `requireDpopBoundTokens`: a `token_type` other than `DPoP` is refused (RFC 9449 §5 lets a server send bearer tokens). */
  requireDpop: boolean;
}
const BEARER_ONLY: TokenTypeExpectation = { dpopProof: false, requireDpop: false };

/**
 * Turns a token endpoint response into a `TokenSet`, or throws: an OAuth error (RFC 6749 §5.2, also inside
 * an HTTP 200) is a `TokenRequestError`; anything else unusable is a `TokenEndpointError`. No message quotes
 * the body: only a filtered `error` and `error_description` reach the error's properties.
 */
export function parseTokenResponse(
  response: TokenHttpResponse,
  operation: string,
  normalize: ((body: Record<string, unknown>) => Record<string, unknown>) | undefined,
  now = Date.now(),
  expected: TokenTypeExpectation = BEARER_ONLY,
): TokenSet {
  const { status } = response;
  const failed = (reason: string) => TOKEN_ENDPOINT_FAILED(operation, reason);
  if (status >= 300 && status < 400)
    throw new TokenEndpointError('redirect', status, failed(TOKEN_RESPONSE_PROBLEM.redirect(status)));

  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = parseTokenResponseBody(response.contentType, response.body);
  } catch (error) {
    if (!(error instanceof UnacceptableBody)) throw error;
    // Outside 2xx the body only matters as an OAuth error; an unacceptable one is no body.
    if (status >= 200 && status < 300) throw new TokenEndpointError('invalid_response', status, failed(error.message));
  }
  const body = parsed && normalize ? normalized(parsed, normalize, status, failed) : parsed;

  if (body && carriesError(body) && status < 500) {
    const message = TOKEN_REQUEST_REJECTED(operation, status);
    throw new TokenRequestError(errorCode(body.error), errorDescription(body.error_description), status, message);
  }
  if (status >= 500 || status < 200 || status >= 300) {
    const reason =
      status >= 500 ? TOKEN_RESPONSE_PROBLEM.serverError(status) : TOKEN_RESPONSE_PROBLEM.statusWithoutError(status);
    const retryAfter = status === 429 || status === 503 ? retryAfterSeconds(response.retryAfter, now) : undefined;
    throw new TokenEndpointError(
      'http_status',
      status,
      failed(reason),
      retryAfter === undefined ? undefined : { retryAfter },
    );
  }
  if (!body) throw new TokenEndpointError('invalid_response', status, failed(TOKEN_RESPONSE_PROBLEM.unparseable));
  return validateTokenBody(body, status, failed, now, expected);
}

function normalized(
  body: Record<string, unknown>,
  normalize: (body: Record<string, unknown>) => Record<string, unknown>,
  status: number,
  failed: (reason: string) => string,
): Record<string, unknown> {
  let result: unknown;
  try {
    result = normalize(body);
  } catch (error) {
    // The normaliser's error may quote the body: only its name is kept.
    const cause = new Error(error instanceof Error ? error.name : 'unknown failure');
    throw new TokenEndpointError('invalid_response', status, failed(TOKEN_RESPONSE_PROBLEM.normalizerFailed), {
      cause,
    });
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new TokenEndpointError('invalid_response', status, failed(TOKEN_RESPONSE_PROBLEM.normalizerNotObject));
  }
  return result as Record<string, unknown>;
}

/**
 * The body is an error response: its `error` is a non-empty string, or an object (as Graph-style APIs send,
 * when no normaliser flattened it) in a body without an access token.
 */
function carriesError(body: Record<string, unknown>): boolean {
  const { error } = body;
  if (typeof error === 'string') return error !== '';
  return typeof error === 'object' && error !== null && typeof body.access_token !== 'string';
}

/** RFC 6749 §5.2 codes are NQSCHARs; only a short code of a narrower, unremarkable set is kept (the PAR error too). */
export function errorCode(value: unknown): string {
  return typeof value === 'string' && SAFE_ERROR_CODE.test(value) ? value : INVALID_ERROR_CODE;
}

/** C0 and C1 controls (CR and LF among them), the line and paragraph separators, and the bidirectional controls. */
const UNSAFE_CHARACTERS = /[\p{Cc}\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

export function errorDescription(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Clean a bounded prefix only: a 1 MiB description costs no more than a short one.
  let cleaned = value.slice(0, MAX_ERROR_DESCRIPTION_LENGTH * 4).replace(UNSAFE_CHARACTERS, '');
  if (cleaned.length > MAX_ERROR_DESCRIPTION_LENGTH) {
    const cut =
      MAX_ERROR_DESCRIPTION_LENGTH - (isHighSurrogate(cleaned.charCodeAt(MAX_ERROR_DESCRIPTION_LENGTH - 1)) ? 1 : 0);
    cleaned = cleaned.slice(0, cut);
  }
  return cleaned.trim() === '' ? undefined : cleaned;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** `Retry-After` (RFC 9110 §10.2.3) in whole seconds from `now`, or undefined when absent or unreadable. */
function retryAfterSeconds(header: string | undefined, now: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d{1,10}$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

function validateTokenBody(
  body: Record<string, unknown>,
  status: number,
  failed: (reason: string) => string,
  now: number,
  expected: TokenTypeExpectation,
): TokenSet {
  const invalid = (reason: string) => new TokenEndpointError('invalid_response', status, failed(reason));
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') throw invalid(TOKEN_RESPONSE_PROBLEM.noAccessToken);
  const tokenType = tokenTypeOf(body.token_type, expected.dpopProof ? DPOP_TOKEN_TYPES : BEARER_TOKEN_TYPES);
  if (tokenType === undefined) throw invalid(TOKEN_RESPONSE_PROBLEM.unsupportedTokenType);
  if (expected.requireDpop && tokenType.toLowerCase() !== 'dpop') throw invalid(TOKEN_RESPONSE_PROBLEM.notDpopBound);

  const tokens: TokenSet = { accessToken, tokenType, raw: body };
  // Facebook's and Stack Exchange's `expires` means `expires_in`; the standard name wins when both are sent.
  const [field, lifetime] =
    isAbsent(body.expires_in) && !isAbsent(body.expires) ? ['expires', body.expires] : ['expires_in', body.expires_in];
  if (!isAbsent(lifetime)) {
    const expiresIn = typeof lifetime === 'string' && /^\d+$/.test(lifetime) ? Number(lifetime) : lifetime;
    if (typeof expiresIn !== 'number' || !Number.isSafeInteger(expiresIn) || expiresIn < 0) {
      throw invalid(TOKEN_RESPONSE_PROBLEM.lifetimeMalformed(field));
    }
    if (expiresIn > MAX_EXPIRES_IN_SECONDS) throw invalid(TOKEN_RESPONSE_PROBLEM.lifetimeTooLong(field));
    tokens.expiresIn = expiresIn;
    tokens.expiresAt = now + expiresIn * 1000;
  }
  const refreshToken = optionalString(body.refresh_token, 'refresh_token', invalid);
  if (refreshToken !== undefined) tokens.refreshToken = refreshToken;
  const scope = optionalString(body.scope, 'scope', invalid);
  if (scope !== undefined) tokens.scope = scope;
  const idToken = optionalString(body.id_token, 'id_token', invalid);
  if (idToken !== undefined) tokens.idToken = idToken;
  return tokens;
}

/**
 * The token set's type: a supported `token_type` as the provider spelled it, {@link DEFAULT_TOKEN_TYPE}
 * when the response has none (what passport-oauth2 and Authlib assume; a DPoP-bound answer must name its
 * type, RFC 9449 §5), undefined for any other.
 */
function tokenTypeOf(value: unknown, supported: ReadonlySet<string>): string | undefined {
  if (isAbsent(value)) return DEFAULT_TOKEN_TYPE;
  return typeof value === 'string' && supported.has(value.toLowerCase()) ? value : undefined;
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function optionalString(value: unknown, field: string, invalid: (reason: string) => Error): string | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'string') throw invalid(TOKEN_RESPONSE_PROBLEM.notAString(field));
  return value;
}
