import { InvalidArgumentError } from '../auth-code-flow.errors.js';
import { BROWSER_ID_INVALID } from '../auth-code-flow.messages.js';
import type { PendingAuthorization } from '../interfaces/state-store.interface.js';
import { createCodeVerifier } from '../utils/pkce.util.js';
import { sha256Base64url } from '../utils/sha256.util.js';

/** What a new pending authorization records of its flow; `browserBinding` is already hashed. */
export interface PendingAuthorizationFields extends Pick<PendingAuthorization, 'user' | 'returnTo' | 'browserBinding'> {
  browserId?: string;
}

/**
 * A new pending authorization for `provider`, with a fresh PKCE verifier when `pkce` is on, counted against
 * its user's quota, else its browser's (the browser id is kept only hashed). An invalid `browserId` is an
 * `InvalidArgumentError`.
 */
export function newPendingAuthorization(
  provider: string,
  pkce: boolean,
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
  if (pkce) record.codeVerifier = createCodeVerifier();
  if (fields.returnTo !== undefined) record.returnTo = fields.returnTo;
  if (fields.browserBinding !== undefined) record.browserBinding = fields.browserBinding;
  return record;
}
