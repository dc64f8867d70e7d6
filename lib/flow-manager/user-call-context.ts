import { InvalidArgumentError, NotConnectedError, TokenEndpointError } from '../auth-code-flow.errors.js';
import { ACCESS_TOKEN_UNSENDABLE, NOT_CONNECTED, USER_ARGUMENT_INVALID } from '../auth-code-flow.messages.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import type { FlowManagerDependencies } from './flow-manager-dependencies.interface.js';
import type { ProviderEndpoints } from './provider-endpoints.js';
import type { TokenRefresher } from './token-refresh.js';

/** What the calls a `FlowManager` makes for a connected user (userinfo, a protected resource, logout) need of it. */
export interface UserCallContext {
  provider: string;
  /** The provider's configuration from the options; the endpoints discovery fills are in `endpoints`. */
  config: ResolvedProviderConfig;
  endpoints: ProviderEndpoints;
  refresher: TokenRefresher;
  deps: FlowManagerDependencies;
}

/** The provider's configuration with every endpoint filled: at once when static or fresh, else after discovery. */
export async function mergedConfig(context: UserCallContext): Promise<ResolvedProviderConfig> {
  return (context.endpoints.ready() ?? (await context.endpoints.load())).config;
}

/** Throws `InvalidArgumentError` unless `user` is a non-empty string. */
export function checkUser(user: unknown, method: string): asserts user is string {
  if (typeof user !== 'string') throw new InvalidArgumentError('ERR_INVALID_ARG_TYPE', USER_ARGUMENT_INVALID(method));
  if (user === '') throw new InvalidArgumentError('ERR_INVALID_ARG_VALUE', USER_ARGUMENT_INVALID(method));
}

/** The user's tokens, refreshed first when due; `NotConnectedError` when there are none. */
export async function connectedTokens(context: UserCallContext, user: string): Promise<TokenSet> {
  const tokens = await context.refresher.getTokens(user);
  if (!tokens) throw new NotConnectedError(context.provider, user, NOT_CONNECTED(context.provider));
  return tokens;
}

/** Visible ASCII: what a header value can carry, and no line break that would let a token write its own headers. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/**
 * The `Authorization` value of an access token: `Bearer` (RFC 6750 §2.1), or `DPoP` for a DPoP-bound one
 * (RFC 9449 §7.1), which must go with a proof. A token that no header can carry is a
 * `TokenEndpointError('invalid_response')`: sent, it would fail with an error that quotes it.
 */
export function bearerAuthorization(provider: string, tokens: TokenSet, scheme: 'Bearer' | 'DPoP' = 'Bearer'): string {
  if (!HEADER_SAFE.test(tokens.accessToken)) {
    throw new TokenEndpointError('invalid_response', undefined, ACCESS_TOKEN_UNSENDABLE(provider));
  }
  return `${scheme} ${tokens.accessToken}`;
}
