import { TokenEndpointError, TokenRequestError } from '../auth-code-flow.errors.js';
import { TOKEN_ENDPOINT_FAILED, TOKEN_REQUEST_REJECTED } from '../auth-code-flow.messages.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';

export interface RawTokenResponse {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Parses a token endpoint body: JSON, or `application/x-www-form-urlencoded` as GitHub sends by default.
 * Returns undefined when the body is neither.
 */
export function parseTokenResponseBody(contentType: string, body: string): Record<string, unknown> | undefined {
  // The usual body, bare JSON, is parsed as it is; only other bodies pay for a trimmed copy.
  const trimmed = body.charCodeAt(0) === 0x7b ? body : body.trim();
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (mediaType === 'application/json' || mediaType.endsWith('+json') || trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
  if (mediaType === 'application/x-www-form-urlencoded' || mediaType === 'text/plain') {
    const params = new URLSearchParams(trimmed);
    if (!params.has('access_token') && !params.has('error')) return undefined;
    const result: Record<string, unknown> = {};
    for (const [key, value] of params) result[key] = value;
    return result;
  }
  return undefined;
}

/**
 * Turns a token endpoint response into a `TokenSet`, or throws: an OAuth error (RFC 6749 §5.2, also inside
 * an HTTP 200) is a `TokenRequestError`; anything else unusable is a `TokenEndpointError`. Nothing from the
 * body but the provider's `error` and `error_description` reaches an error.
 */
export function toTokenSet(
  response: RawTokenResponse,
  operation: string,
  normalize: ((body: Record<string, unknown>) => Record<string, unknown>) | undefined,
  now = Date.now(),
): TokenSet {
  const { status } = response;
  if (status >= 300 && status < 400) {
    throw new TokenEndpointError('redirect', status, TOKEN_ENDPOINT_FAILED(operation, `the token endpoint answered with a redirect (HTTP ${status}), which is never followed`));
  }
  const parsed = parseTokenResponseBody(response.contentType, response.body);
  const body = parsed && normalize ? normalize(parsed) : parsed;
  if (body && typeof body.error === 'string' && body.error !== '' && status < 500) {
    const description = typeof body.error_description === 'string' ? body.error_description : undefined;
    throw new TokenRequestError(body.error, description, status, TOKEN_REQUEST_REJECTED(operation, body.error, status));
  }
  if (status >= 500) {
    throw new TokenEndpointError('http_status', status, TOKEN_ENDPOINT_FAILED(operation, `the token endpoint answered HTTP ${status}`));
  }
  if (status < 200 || status >= 300) {
    throw new TokenEndpointError('http_status', status, TOKEN_ENDPOINT_FAILED(operation, `the token endpoint answered HTTP ${status} without an OAuth error`));
  }
  if (!body) {
    throw new TokenEndpointError('invalid_response', status, TOKEN_ENDPOINT_FAILED(operation, 'the token response is neither JSON nor form-encoded'));
  }
  return validateTokenBody(body, status, operation, now);
}

function validateTokenBody(body: Record<string, unknown>, status: number, operation: string, now: number): TokenSet {
  const invalid = (reason: string) => new TokenEndpointError('invalid_response', status, TOKEN_ENDPOINT_FAILED(operation, reason));
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') throw invalid('the token response has no access_token');
  const tokenType = body.token_type;
  if (typeof tokenType !== 'string' || tokenType === '') throw invalid('the token response has no token_type');
  // RFC 6749 §7.1: a client must not use a token whose type it does not understand.
  if (tokenType.toLowerCase() !== 'bearer') throw invalid(`the token type "${tokenType.slice(0, 40)}" is not supported`);

  const tokens: TokenSet = { accessToken, tokenType, raw: body };
  if (body.expires_in !== undefined && body.expires_in !== null && body.expires_in !== '') {
    const expiresIn = typeof body.expires_in === 'string' && /^\d+$/.test(body.expires_in) ? Number(body.expires_in) : body.expires_in;
    if (typeof expiresIn !== 'number' || !Number.isSafeInteger(expiresIn) || expiresIn < 0) throw invalid('expires_in is not a non-negative integer');
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

function optionalString(value: unknown, field: string, invalid: (reason: string) => Error): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(`${field} is not a string`);
  return value;
}
