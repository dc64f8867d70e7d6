import { InvalidArgumentError } from '../auth-code-flow.errors.js';
import { RESOURCE_INIT_INVALID, RESOURCE_REDIRECT_INVALID, RESOURCE_URL_INVALID } from '../auth-code-flow.messages.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import { isRecord } from '../utils/is-record.util.js';
import { isSecureHttpUrl, parseHttpUrl } from '../utils/url.util.js';
import { hasChallengeError, isInvalidBearerToken } from '../utils/www-authenticate.util.js';
import { isDpopBound, sendWithAccessToken, type DpopAnswer } from './dpop-binding.js';
import { checkUser, connectedTokens, type UserCallContext } from './user-call-context.js';

/**
 * Calls a resource server for the user with global `fetch`: `init` as given, with the user's access token
 * (refreshed first when due) in `Authorization: Bearer …` (RFC 6750 §2.1), replacing any `Authorization` of
 * `init.headers`. The answer is returned as it is, whatever its status: reading it is the app's business.
 *
 * DPoP-bound tokens (RFC 9449 §7) go as `Authorization: DPoP …` with a fresh `DPoP` proof per request (`htm`,
 * `htu` without query and fragment, `iat`, `jti`, `ath`, the server's last nonce), replacing any `DPoP` of
 * `init.headers`; a 401 `DPoP error="use_dpop_nonce"` with a `DPoP-Nonce` is sent once more with that nonce
 * (when the body can be). Tokens bound to a key the manager does not hold are never sent:
 * `ReauthorizationRequiredError`.
 *
 * - `url` must be absolute https (plain http only on localhost, 127.0.0.1 and [::1], or with the provider's
 *   `allowInsecureRequests`), else `InvalidArgumentError`: the token would travel in clear text.
 * - A redirect is never followed (`redirect: 'manual'`, always; another `init.redirect` is an
 *   `InvalidArgumentError`): following it would send the token to wherever the `Location` points. A 3xx is
 *   returned with its `Location` for the app to judge.
 * - Each request is bounded by `httpTimeoutMs`, reading the body included (`AbortSignal.timeout`, joined with
 *   `init.signal` when given); then `fetch` rejects with a `TimeoutError` `DOMException`, as it does with
 *   `TypeError` on a network failure.
 * - A 401 whose `WWW-Authenticate` has a Bearer challenge with `error="invalid_token"` (RFC 6750 §3.1), when
 *   a refresh token is stored: the tokens are refreshed at once (one refresh shared with concurrent callers)
 *   and the request is sent once more with the new token; that answer is returned, whatever it is. No second
 *   try when the body is a stream (it cannot be sent twice) or the refresh gave no new token: then the 401 is
 *   returned. A failed refresh throws its `TokenRequestError` or `TokenEndpointError`.
 *
 * Throws `InvalidArgumentError`, `NotConnectedError` (no stored tokens), `ReauthorizationRequiredError`, a
 * refresh's errors, or what `fetch` throws.
 */
export async function fetchProtectedResource(
  context: UserCallContext,
  user: string,
  url: string | URL,
  init: RequestInit = {},
): Promise<Response> {
  checkUser(user, 'fetchProtectedResource');
  const target = resourceUrl(url, context.config.allowInsecureRequests);
  if (!isRecord(init)) throw new InvalidArgumentError('ERR_INVALID_ARG_TYPE', RESOURCE_INIT_INVALID);
  if (init.redirect !== undefined && init.redirect !== 'manual') {
    throw new InvalidArgumentError('ERR_INVALID_ARG_VALUE', RESOURCE_REDIRECT_INVALID);
  }
  const timeoutMs = context.deps.httpTimeoutMs;
  const tokens = await connectedTokens(context, user);
  const response = await present(context, user, tokens, target, init, timeoutMs);
  if (!mayRetry(response, tokens, init)) return response;
  let refreshed: TokenSet | undefined;
  try {
    refreshed = await context.refresher.refreshNow(user, tokens);
  } catch (error) {
    await discard(response);
    throw error;
  }
  if (!refreshed || refreshed.accessToken === tokens.accessToken) return response;
  await discard(response);
  return present(context, user, refreshed, target, init, timeoutMs);
}

/** One request with `tokens` presented, and with DPoP-bound ones the nonce retry (see `sendWithAccessToken`). */
function present(
  context: UserCallContext,
  user: string,
  tokens: TokenSet,
  url: URL,
  init: RequestInit,
  timeoutMs: number,
): Promise<Response> {
  return sendWithAccessToken(context, user, tokens, {
    method: fetchMethod(init.method),
    url,
    replayable: isReplayable(init.body),
    send: (headers) => send(url, init, headers, timeoutMs),
    answerOf,
    discard,
  });
}

function answerOf(response: Response): DpopAnswer {
  const { status, headers } = response;
  return { status, nonce: headers.get('dpop-nonce') ?? undefined, challenge: headers.get('www-authenticate') };
}

/** The method as `fetch` sends it (and `htm` must name it): the six standard ones upper-cased, others as given. */
function fetchMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  const upper = method.toUpperCase();
  return ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'].includes(upper) ? upper : method;
}

/** `value` as an absolute URL that a token may travel to; `InvalidArgumentError` otherwise. */
function resourceUrl(value: unknown, allowInsecure: boolean): URL {
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw new InvalidArgumentError('ERR_INVALID_ARG_TYPE', RESOURCE_URL_INVALID);
  }
  const url = parseHttpUrl(String(value));
  if (!url || !isSecureHttpUrl(url, allowInsecure) || url.username !== '' || url.password !== '') {
    throw new InvalidArgumentError('ERR_INVALID_ARG_VALUE', RESOURCE_URL_INVALID);
  }
  return url;
}

function send(url: URL, init: RequestInit, credentials: Record<string, string>, timeoutMs: number): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(credentials)) headers.set(name, value);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  return fetch(url, { ...init, headers, signal, redirect: 'manual' });
}

/**
 * A 401 `invalid_token` (RFC 6750 §3.1; for DPoP-bound tokens in a Bearer or DPoP challenge, RFC 9449 §7.1), a
 * refresh token to renew the access token with, and a body that can be sent again.
 */
function mayRetry(response: Response, tokens: TokenSet, init: RequestInit): boolean {
  const challenge = response.headers.get('www-authenticate');
  return (
    response.status === 401 &&
    typeof tokens.refreshToken === 'string' &&
    tokens.refreshToken !== '' &&
    isReplayable(init.body) &&
    (isInvalidBearerToken(challenge) || (isDpopBound(tokens) && hasChallengeError(challenge, 'dpop', 'invalid_token')))
  );
}

/** Bodies `fetch` reads afresh on every call; a stream (a `ReadableStream`, an async iterable) is consumed by the first. */
export function isReplayable(body: RequestInit['body']): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof URLSearchParams ||
    body instanceof Blob ||
    body instanceof FormData ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body)
  );
}

/** Frees the connection of an answer that will not be read. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
