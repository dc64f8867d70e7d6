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
async function assertHeldKey(context: UserCallContext, user: string, tokens: Binding): Promise<void> {
  if (await boundToAnotherKey(context.endpoints.dpop, tokens)) {
    const { provider } = context;
    throw new ReauthorizationRequiredError(provider, user, 'dpop_key_mismatch', REAUTHORIZATION_REQUIRED(provider));
  }
}

/** What a resource request's answer says about DPoP: its status, `DPoP-Nonce` and `WWW-Authenticate`. */
export interface DpopAnswer {
  status: number;
  nonce: string | undefined;
  challenge: string | null | undefined;
}

/** How one resource request is sent, and what is read of its answer. */
export interface ResourceExchange<R> {
  method: string;
  url: string | URL;
  /** The body can be sent twice. */
  replayable: boolean;
  send: (headers: Record<string, string>) => Promise<R>;
  answerOf: (response: R) => DpopAnswer;
  /** Frees an answer that will not be returned. */
  discard: (response: R) => Promise<void>;
}

/**
 * Sends one resource request for `user` with the access token: `Authorization: Bearer …`, or for DPoP-bound
 * tokens `Authorization: DPoP …` and a fresh `DPoP` proof of the method and URL with `ath` and the server's
 * last nonce (RFC 9449 §7.1). Tokens bound to a key the manager does not hold are never sent
 * (`ReauthorizationRequiredError`). With DPoP-bound tokens, the resource server's nonce is kept from every
 * answer (§9), and a 401 with a `DPoP error="use_dpop_nonce"` challenge that brought a nonce is sent once
 * more, with a fresh proof carrying it, when the body can be; the first answer is discarded then.
 */
export async function sendWithAccessToken<R>(
  context: UserCallContext,
  user: string,
  tokens: TokenSet,
  exchange: ResourceExchange<R>,
): Promise<R> {
  await assertHeldKey(context, user, tokens);
  const { provider } = context;
  if (!isDpopBound(tokens)) return exchange.send({ Authorization: bearerAuthorization(provider, tokens) });
  // assertHeldKey has shown that the manager holds the key the tokens are bound to.
  const dpop = context.endpoints.dpop!;
  const authorization = bearerAuthorization(provider, tokens, 'DPoP');
  const { method, url } = exchange;
  const send = async () =>
    exchange.send({ Authorization: authorization, DPoP: await dpop.proof(method, url, tokens.accessToken) });
  const first = await send();
  const answer = exchange.answerOf(first);
  const nonceKept = dpop.rememberNonce(url, answer.nonce);
  if (!nonceKept || !exchange.replayable || !asksForDpopNonce(answer)) return first;
  await exchange.discard(first);
  const second = await send();
  dpop.rememberNonce(url, exchange.answerOf(second).nonce);
  return second;
}

function asksForDpopNonce(answer: DpopAnswer): boolean {
  return answer.status === 401 && hasChallengeError(answer.challenge, 'dpop', 'use_dpop_nonce');
}
