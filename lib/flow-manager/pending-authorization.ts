import { InvalidArgumentError, InvalidStateError } from '../auth-code-flow.errors.js';
import {
  BROWSER_ID_INVALID,
  STATE_NOT_FOUND,
  STATE_WITHOUT_VERIFIER,
  STATE_WRONG_PROVIDER,
  STATE_WRONG_USER,
} from '../auth-code-flow.messages.js';
import type { PendingAuthorization, StateStore } from '../interfaces/state-store.interface.js';
import { createCodeVerifier } from '../utils/pkce.util.js';
import { randomValue } from '../utils/random.util.js';
import { sha256Base64url } from '../utils/sha256.util.js';

/** What a new pending authorization records of its flow; `browserBinding` is already hashed. */
export interface PendingAuthorizationFields extends Pick<PendingAuthorization, 'user' | 'returnTo' | 'browserBinding'> {
  browserId?: string;
}

/**
 * A new pending authorization for `provider`, with a fresh PKCE verifier when `pkce` is on and a fresh nonce
 * when the provider's ID tokens are validated (OpenID Connect Core §3.1.2.1), counted against
 * its user's quota, else its browser's (the browser id is kept only hashed). An invalid `browserId` is an
 * `InvalidArgumentError`.
 */
export function newPendingAuthorization(
  provider: string,
  secrets: { pkce: boolean; nonce: boolean },
  fields: PendingAuthorizationFields,
): PendingAuthorization {
  const record: PendingAuthorization = { provider, createdAt: Date.now() };
  if (fields.user !== undefined) {
    record.user = fields.user;
    record.owner = `user:${fields.user}`;
  } else if (fields.browserId !== undefined) {
    if (typeof fields.browserId !== 'string')
      throw new InvalidArgumentError('ERR_INVALID_ARG_TYPE', BROWSER_ID_INVALID);
    if (fields.browserId === '') throw new InvalidArgumentError('ERR_INVALID_ARG_VALUE', BROWSER_ID_INVALID);
    record.owner = `browser:${sha256Base64url(fields.browserId)}`;
  }
  if (secrets.pkce) record.codeVerifier = createCodeVerifier();
  if (secrets.nonce) record.nonce = randomValue();
  if (fields.returnTo !== undefined) record.returnTo = fields.returnTo;
  if (fields.browserBinding !== undefined) record.browserBinding = fields.browserBinding;
  return record;
}

/** Whom a pending authorization must have been issued to, to be redeemed. */
export interface PendingAuthorizationOwner {
  provider: string;
  user: string | undefined;
  /** PKCE is on: a record without its verifier is never exchanged. */
  pkce: boolean;
}

/**
 * Consumes the state, then checks that it belongs to this provider and this user (RFC 9700 §2.1, §4.4).
 * `onConsumed` sees every record consumed, before any check can throw.
 */
export async function consumePending(
  stateStore: StateStore,
  state: string,
  expected: PendingAuthorizationOwner,
  onConsumed?: (record: PendingAuthorization) => void,
): Promise<PendingAuthorization> {
  const record = await stateStore.consume(state);
  if (!record) throw new InvalidStateError('unknown_or_expired', STATE_NOT_FOUND);
  onConsumed?.(record);
  if (record.provider !== expected.provider)
    throw new InvalidStateError('wrong_provider', STATE_WRONG_PROVIDER(expected.provider));
  if (record.user !== expected.user) throw new InvalidStateError('wrong_user', STATE_WRONG_USER);
  if (expected.pkce && !record.codeVerifier) throw new InvalidStateError('missing_verifier', STATE_WITHOUT_VERIFIER);
  return record;
}
