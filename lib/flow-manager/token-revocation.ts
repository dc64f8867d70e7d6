import { TokenEndpointError } from '../auth-code-flow.errors.js';
import { TOKEN_ENDPOINT_FAILED } from '../auth-code-flow.messages.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import { authenticateClient, type ClientCredentials } from './client-authentication.js';
import { isReauthorizationMarker } from './refresh-failure.js';
import type { TokenEndpointClient } from './token-endpoint.client.js';
import { mergedConfig, type UserCallContext } from './user-call-context.js';

type ClientConfig = ClientCredentials & Pick<ResolvedProviderConfig, 'tokenRequestHeaders'>;

/** What a revocation request is built from. */
export interface RevocationConfig extends ClientConfig {
  revocationEndpoint: string;
}

/**
 * Revokes the refresh token of `tokens`, else their access token (RFC 7009 §2.1), with the client's
 * authentication, in a form body. Anything but HTTP 200 is a `TokenEndpointError('http_status')`.
 */
export async function revokeToken(
  config: RevocationConfig,
  client: TokenEndpointClient,
  tokens: TokenSet,
  timeoutMs: number,
): Promise<void> {
  const [token, hint] = tokens.refreshToken
    ? [tokens.refreshToken, 'refresh_token']
    : [tokens.accessToken, 'access_token'];
  const params: Record<string, string> = { token, token_type_hint: hint };
  const url = config.revocationEndpoint;
  const response = await client.post({
    operation: 'revocation',
    url,
    params,
    headers: { ...config.tokenRequestHeaders },
    authenticate: (attemptParams, attemptHeaders) => authenticateClient(config, attemptParams, attemptHeaders),
    bodyEncoding: 'form',
    timeoutMs,
  });
  if (response.status !== 200) {
    const reason = `the revocation endpoint answered HTTP ${response.status}`;
    throw new TokenEndpointError('http_status', response.status, TOKEN_ENDPOINT_FAILED('revocation', reason));
  }
}

/** Revokes the user's stored tokens where the provider has a revocation endpoint (see {@link revokeToken}), then forgets them. */
export async function revokeStoredTokens(context: UserCallContext, user: string): Promise<void> {
  const { provider, deps } = context;
  const stored = await deps.tokenStore.get(provider, user);
  if (!stored) return;
  // A connection marked for re-authorization holds no token to revoke: it is only forgotten.
  if (isReauthorizationMarker(stored)) return deps.tokenStore.delete(provider, user);
  const config = await mergedConfig(context);
  const { revocationEndpoint } = config;
  if (revocationEndpoint) {
    await revokeToken({ ...config, revocationEndpoint }, deps.tokenClient, stored, deps.httpTimeoutMs);
  }
  await deps.tokenStore.delete(provider, user);
}
