import { MAX_TOKEN_RESPONSE_BYTES } from '../auth-code-flow.constants.js';
import { AuthCodeFlowConfigError, EndpointNotConfiguredError } from '../auth-code-flow.errors.js';
import {
  ENDPOINT_NOT_CONFIGURED,
  INVALID_OPTIONS,
  USERINFO_FAILED,
  USERINFO_PROBLEM,
} from '../auth-code-flow.messages.js';
import type { TokenHttpResponse, TokenHttpTransport } from '../interfaces/token-http-transport.interface.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import { TokenHttpFailure } from '../transport/token-http-failure.js';
import { UserInfoError } from '../userinfo.errors.js';
import { parseTokenResponseBody, UnacceptableBody } from './token-response-body.parser.js';
import { sendWithAccessToken } from './dpop-binding.js';
import { checkUser, connectedTokens, mergedConfig, type UserCallContext } from './user-call-context.js';

/** A system error code as Node and axios spell them; a custom transport's code of any other form is not repeated. */
const ERROR_CODE = /^[A-Z0-9_]{1,64}$/i;

/**
 * The user's claims from the provider's UserInfo endpoint (OpenID Connect Core §5.3): one GET through the
 * module's token transport (no redirect followed; bounded by `httpTimeoutMs` and 1 MiB) with the user's access
 * token, refreshed first when due, as `Authorization: Bearer`; a DPoP-bound one as `Authorization: DPoP` with a
 * fresh proof, sent once more with the server's nonce on a 401 `use_dpop_nonce` (RFC 9449 §7.1, §9).
 *
 * The answer must be HTTP 200 with an `application/json` object whose `sub` is a string, and equal to the
 * ID token's `sub` when the stored tokens hold validated ID token claims (§5.3.2: else the claims may belong
 * to someone else). A signed answer (`application/jwt`) is refused as `invalid_response` for now. The claims
 * are returned as plain data, without `__proto__` members.
 *
 * Throws, in this order: `InvalidArgumentError` (no user), `EndpointNotConfiguredError('userinfo')`,
 * `NotConnectedError`, a refresh's `TokenRequestError`/`TokenEndpointError`, `ReauthorizationRequiredError`
 * (tokens bound to a key the manager does not hold: nothing is sent), `UserInfoError`.
 */
export async function fetchUserInfo(context: UserCallContext, user: string): Promise<Record<string, unknown>> {
  checkUser(user, 'getUserInfo');
  const { provider } = context;
  const endpoint = (await mergedConfig(context)).userinfoEndpoint;
  if (endpoint === undefined) {
    throw new EndpointNotConfiguredError(provider, 'userinfo', ENDPOINT_NOT_CONFIGURED(provider, 'userinfo'));
  }
  const { transport } = context.deps.tokenClient;
  if (typeof transport.get !== 'function') {
    const problem = `providers.${provider}: getUserInfo needs a token transport with a get method`;
    throw new AuthCodeFlowConfigError([problem], INVALID_OPTIONS([problem]));
  }
  const tokens = await connectedTokens(context, user);
  const timeoutMs = context.deps.httpTimeoutMs;
  const response = await sendWithAccessToken(context, user, tokens, {
    method: 'GET',
    url: endpoint,
    replayable: true,
    send: (headers) => getUserInfo(transport, endpoint, headers, provider, timeoutMs),
    answerOf: ({ status, dpopNonce, wwwAuthenticate }) => ({ status, nonce: dpopNonce, challenge: wwwAuthenticate }),
    discard: async () => undefined,
  });
  return userInfoClaims(response, tokens, provider);
}

async function getUserInfo(
  transport: TokenHttpTransport,
  url: string,
  credentials: Record<string, string>,
  provider: string,
  timeoutMs: number,
): Promise<TokenHttpResponse> {
  try {
    return await transport.get!({
      url,
      headers: { Accept: 'application/json', ...credentials },
      timeoutMs,
      maxResponseBytes: MAX_TOKEN_RESPONSE_BYTES,
    });
  } catch (error) {
    throw transportFailure(error, provider, timeoutMs);
  }
}

/** A transport's failure as a `UserInfoError`; its cause is a bare summary, never the underlying error (it may hold the request). */
function transportFailure(error: unknown, provider: string, timeoutMs: number): UserInfoError {
  if (!(error instanceof TokenHttpFailure)) {
    const cause = new Error(error instanceof Error ? error.name : 'unknown failure');
    return new UserInfoError('network', undefined, USERINFO_FAILED(provider, USERINFO_PROBLEM.network(undefined)), {
      cause,
    });
  }
  const code = error.code !== undefined && ERROR_CODE.test(error.code) ? error.code : undefined;
  const [reason, detail]: [UserInfoError['reason'], string] =
    error.kind === 'timeout'
      ? ['timeout', USERINFO_PROBLEM.timeout(timeoutMs)]
      : error.kind === 'response_too_large'
        ? ['response_too_large', USERINFO_PROBLEM.tooLarge(MAX_TOKEN_RESPONSE_BYTES)]
        : ['network', USERINFO_PROBLEM.network(code)];
  return new UserInfoError(reason, undefined, USERINFO_FAILED(provider, detail), {
    cause: new Error(code ?? error.kind),
  });
}

/** The checked claims of a UserInfo answer (OpenID Connect Core §5.3.2, §5.3.3). */
export function userInfoClaims(
  response: TokenHttpResponse,
  tokens: Pick<TokenSet, 'idTokenClaims'>,
  provider: string,
): Record<string, unknown> {
  const fail = (reason: UserInfoError['reason'], detail: string) =>
    new UserInfoError(reason, response.status, USERINFO_FAILED(provider, detail));
  if (response.status !== 200) throw fail('http_status', USERINFO_PROBLEM.status(response.status));
  const mediaType = response.contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType === 'application/jwt') throw fail('invalid_response', USERINFO_PROBLEM.signed);
  if (mediaType !== 'application/json') throw fail('invalid_response', USERINFO_PROBLEM.notJson);
  let claims: Record<string, unknown> | undefined;
  try {
    claims = parseTokenResponseBody(mediaType, response.body);
  } catch (error) {
    if (!(error instanceof UnacceptableBody)) throw error;
  }
  if (claims === undefined) throw fail('invalid_response', USERINFO_PROBLEM.notObject);
  if (typeof claims.sub !== 'string' || claims.sub === '') throw fail('invalid_response', USERINFO_PROBLEM.noSubject);
  const expected = tokens.idTokenClaims?.sub;
  if (tokens.idTokenClaims !== undefined && claims.sub !== expected) {
    throw fail('subject_mismatch', USERINFO_PROBLEM.subjectMismatch);
  }
  return claims;
}
