import { EXPIRY_SKEW_SECONDS } from '../auth-code-flow.constants.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';

/** Expired (within {@link EXPIRY_SKEW_SECONDS} of `expiresAt`, or past it), and renewable. */
export function needsRefresh(tokens: TokenSet, now = Date.now()): boolean {
  const expired = tokens.expiresAt !== undefined && tokens.expiresAt - EXPIRY_SKEW_SECONDS * 1000 <= now;
  return expired && typeof tokens.refreshToken === 'string' && tokens.refreshToken !== '';
}

/** Whether `current`, the stored tokens, are no longer the `seen` ones a refresh was asked for. */
export type Replaced = (seen: TokenSet, current: TokenSet) => boolean;

/** The stored tokens are no longer the expired ones that were read: someone refreshed or replaced them. */
export function refreshedSince(seen: TokenSet, current: TokenSet): boolean {
  return current.accessToken !== seen.accessToken || !needsRefresh(current);
}

/** The stored tokens carry another access token than the one that was read (refreshed or replaced since). */
export function replacedSince(seen: TokenSet, current: TokenSet): boolean {
  return current.accessToken !== seen.accessToken;
}
