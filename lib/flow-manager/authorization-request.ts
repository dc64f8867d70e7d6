import type { PendingAuthorization, StateStore } from '../interfaces/state-store.interface.js';
import { assertNoReservedParams } from './authorization-url.js';
import type { ProviderParts } from './provider-endpoints.js';

/**
 * The URL to send the browser to for the stored `state`: built from its pending authorization, or, with
 * pushed authorization requests on (RFC 9126), pushed first and carrying only `client_id` and `request_uri`.
 * A failed push removes the pending authorization, so that no state outlives a flow that never started, and
 * throws: there is no fallback to a URL with the parameters in it.
 */
export async function authorizationUrlFor(
  parts: ProviderParts,
  stateStore: StateStore,
  state: string,
  record: Pick<PendingAuthorization, 'codeVerifier' | 'nonce'>,
  params?: Record<string, string>,
): Promise<string> {
  if (parts.pushedAuthorization === undefined) return parts.authorizationUrls.build(state, record, params);
  // The caller's own mistake leaves the state alone: it is found before anything is sent.
  if (params) assertNoReservedParams(params);
  try {
    return await parts.pushedAuthorization.authorizationUrl(state, record, params);
  } catch (error) {
    // The push's failure is the one to report; a store that fails here too leaves the state to its TTL.
    await stateStore.consume(state).catch(() => undefined);
    throw error;
  }
}
