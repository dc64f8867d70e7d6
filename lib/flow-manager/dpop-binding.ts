import { REAUTHORIZATION_REQUIRED } from '../auth-code-flow.messages.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import { ReauthorizationRequiredError } from '../reauthorization.errors.js';
import { hasChallengeError } from '../utils/www-authenticate.util.js';
import type { DpopProver } from './dpop-prover.js';
import { bearerAuthorization, type UserCallContext } from './user-call-context.js';

type Binding = Pick<TokenSet, 'tokenType' | 'dpopJkt'>;

/** Whether the tokens are DPoP-bound (RFC 9449): they keep a key's thumbprint, or their type says DPoP. */
export function isDpopBound(tokens: Binding): boolean {
  return tokens.dpopJkt !== undefined || tokens.tokenType.toLowerCase() === 'dpop';
}

/**
 * Whether the tokens are bound to a key `dpop` is not: another key, a key of an earlier process or another
 * instance, no key known (a DPoP type without a thumbprint), or any key when the manager has none.
 */
export async function boundToAnotherKey(dpop: DpopProver | undefined, tokens: Binding): Promise<boolean> {
  if (!isDpopBound(tokens)) return false;
  if (dpop === undefined) return true;
  await dpop.whenReady();
  return tokens.dpopJkt !== dpop.thumbprint;
}

/** Throws `ReauthorizationRequiredError` for tokens bound to a key the manager does not hold: they are never sent. */
export async function assertHeldKey(context: UserCallContext, user: string, tokens: Binding): Promise<void> {
  if (await boundToAnotherKey(context.endpoints.dpop, tokens)) {
    const { provider } = context;
    throw new ReauthorizationRequiredError(provider, user, 'dpop_key_mismatch', REAUTHORIZATION_REQUIRED(provider));
  }
}

/**
 * The request headers that present the access token: `Authorization: Bearer …`, or for DPoP-bound tokens
 * (whose key {@link assertHeldKey} checked) `Authorization: DPoP …` and a fresh `DPoP` proof of the method and
 * URL with `ath` and the server's last nonce (RFC 9449 §7.1).
 */
export async function accessTokenHeaders(
  context: UserCallContext,
  tokens: TokenSet,
  method: string,
  url: string | URL,
): Promise<Record<string, string>> {
  const dpop = context.endpoints.dpop;
  if (!isDpopBound(tokens) || dpop === undefined)
    return { Authorization: bearerAuthorization(context.provider, tokens) };
  const authorization = bearerAuthorization(context.provider, tokens, 'DPoP');
  return { Authorization: authorization, DPoP: await dpop.proof(method, url, tokens.accessToken) };
}

/** What a resource request's answer says about DPoP: its status, `DPoP-Nonce` and `WWW-Authenticate`. */
export interface DpopAnswer {
  status: number;
  nonce: string | undefined;
  challenge: string | null | undefined;
}

/**
 * Sends one resource request with the access token (see {@link accessTokenHeaders}). With DPoP-bound tokens,
 * the resource server's nonce is kept from every answer (RFC 9449 §9), and a 401 with a
 * `DPoP error="use_dpop_nonce"` challenge that brought a new nonce is sent once more, with a fresh proof
 * carrying it, when `replayable` (the body can be sent twice); the first answer is `discard`ed then.
 */
export async function sendWithDpopNonce<R>(
  context: UserCallContext,
  tokens: TokenSet,
  request: { method: string; url: string | URL; replayable: boolean },
  send: (headers: Record<string, string>) => Promise<R>,
  answerOf: (response: R) => DpopAnswer,
  discard: (response: R) => Promise<void>,
): Promise<R> {
  const { method, url } = request;
  const first = await send(await accessTokenHeaders(context, tokens, method, url));
  const dpop = context.endpoints.dpop;
  if (dpop === undefined || !isDpopBound(tokens)) return first;
  const answer = answerOf(first);
  const nonceKept = dpop.rememberNonce(url, answer.nonce);
  if (!nonceKept || !request.replayable || !asksForDpopNonce(answer)) return first;
  await discard(first);
  const second = await send(await accessTokenHeaders(context, tokens, method, url));
  dpop.rememberNonce(url, answerOf(second).nonce);
  return second;
}

function asksForDpopNonce(answer: DpopAnswer): boolean {
  return answer.status === 401 && hasChallengeError(answer.challenge, 'dpop', 'use_dpop_nonce');
}
