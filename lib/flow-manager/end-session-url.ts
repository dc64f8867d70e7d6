import { EndpointNotConfiguredError, InvalidArgumentError } from '../auth-code-flow.errors.js';
import {
  END_SESSION_OPTIONS_INVALID,
  END_SESSION_STATE_INVALID,
  ENDPOINT_NOT_CONFIGURED,
  POST_LOGOUT_REDIRECT_URI_INVALID,
} from '../auth-code-flow.messages.js';
import { isRecord } from '../utils/is-record.util.js';
import { appendQuery, formEncodePairs, isSecureHttpUrl, parseHttpUrl } from '../utils/url.util.js';
import { checkUser, mergedConfig, type UserCallContext } from './user-call-context.js';

/** What `getEndSessionUrl` adds to the logout request besides `client_id`. */
export interface EndSessionUrlOptions {
  /**
   * Where the provider sends the browser after the logout: an absolute URL registered with the provider for
   * this client, https (plain http on localhost, or with `allowInsecureRequests`), without a fragment. Sent
   * exactly as given. Without it the provider shows its own page.
   */
  postLogoutRedirectUri?: string;
  /** An opaque value the provider hands back to `postLogoutRedirectUri` as `state`. */
  state?: string;
  /**
   * Also send the stored ID token as `id_token_hint`, for a provider that asks for it. The URL then carries the
   * ID token, which lands in the browser's history and the provider's access logs: off by default, since no
   * token belongs in a URL but the authorization request's (SECURITY.md), and `client_id` identifies the
   * client without it (RP-Initiated Logout 1.0 §2). @default false
   */
  idTokenHint?: boolean;
}

/**
 * The URL to send the browser to so the provider ends the user's session there (OpenID Connect RP-Initiated
 * Logout 1.0 §2): the provider's `end_session_endpoint`, its own query kept, with `client_id`, and
 * `post_logout_redirect_uri` and `state` when given; with `idTokenHint`, the stored ID token as
 * `id_token_hint` when the user has one (read as stored, never refreshed).
 *
 * With `idTokenHint` the URL carries the ID token: redirect the browser to it, never log it or show it. It does
 * not forget the user's tokens: call `revokeTokens` for that (before or after, as the app's logout needs).
 *
 * Throws `InvalidArgumentError` (user, options), `EndpointNotConfiguredError('end_session')`, and a
 * `DiscoveryError` when the provider's metadata cannot be loaded.
 */
export async function endSessionUrl(
  context: UserCallContext,
  user: string,
  options: EndSessionUrlOptions = {},
): Promise<string> {
  checkUser(user, 'getEndSessionUrl');
  const { postLogoutRedirectUri, state, idTokenHint } = checkedOptions(options, context.config.allowInsecureRequests);
  const { provider } = context;
  const config = await mergedConfig(context);
  const endpoint = config.endSessionEndpoint;
  if (endpoint === undefined) {
    throw new EndpointNotConfiguredError(provider, 'end_session', ENDPOINT_NOT_CONFIGURED(provider, 'end_session'));
  }
  const pairs: Array<[string, string]> = [['client_id', config.clientId]];
  if (idTokenHint) {
    const stored = await context.deps.tokenStore.get(provider, user);
    if (typeof stored?.idToken === 'string' && stored.idToken !== '') pairs.push(['id_token_hint', stored.idToken]);
  }
  if (postLogoutRedirectUri !== undefined) pairs.push(['post_logout_redirect_uri', postLogoutRedirectUri]);
  if (state !== undefined) pairs.push(['state', state]);
  return appendQuery(endpoint, formEncodePairs(pairs));
}

function checkedOptions(options: unknown, allowInsecure: boolean): EndSessionUrlOptions {
  if (!isRecord(options)) throw new InvalidArgumentError('ERR_INVALID_ARG_TYPE', END_SESSION_OPTIONS_INVALID);
  const { postLogoutRedirectUri, state, idTokenHint } = options;
  if (idTokenHint !== undefined && typeof idTokenHint !== 'boolean')
    throw new InvalidArgumentError('ERR_INVALID_ARG_TYPE', END_SESSION_OPTIONS_INVALID);
  if (postLogoutRedirectUri !== undefined) {
    if (typeof postLogoutRedirectUri !== 'string') {
      throw new InvalidArgumentError('ERR_INVALID_ARG_TYPE', POST_LOGOUT_REDIRECT_URI_INVALID);
    }
    const url = parseHttpUrl(postLogoutRedirectUri);
    const withFragment = postLogoutRedirectUri.includes('#');
    if (!url || withFragment || !isSecureHttpUrl(url, allowInsecure) || url.username !== '' || url.password !== '') {
      throw new InvalidArgumentError('ERR_INVALID_ARG_VALUE', POST_LOGOUT_REDIRECT_URI_INVALID);
    }
  }
  if (state !== undefined) {
    if (typeof state !== 'string') throw new InvalidArgumentError('ERR_INVALID_ARG_TYPE', END_SESSION_STATE_INVALID);
    if (state === '') throw new InvalidArgumentError('ERR_INVALID_ARG_VALUE', END_SESSION_STATE_INVALID);
  }
  return { postLogoutRedirectUri, state, idTokenHint } as EndSessionUrlOptions;
}
