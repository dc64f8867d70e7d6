import type { TokenSet } from '../interfaces/token-set.interface.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import { authenticateClient } from './client-authentication.js';
import { bodyEncodingOf, type TokenEndpointClient, type TokenRequestBodyEncoding } from './token-endpoint.client.js';
import { parseTokenResponse } from './token-response.parser.js';

/** One provider's token endpoint requests: the code grant (RFC 6749 §4.1.3) and the refresh grant (§6). */
export class TokenGrants {
  /** The configured `postFormData`, as the token client takes it. */
  private readonly bodyEncoding: TokenRequestBodyEncoding;

  constructor(
    private readonly config: ResolvedProviderConfig,
    private readonly client: TokenEndpointClient,
    private readonly timeoutMs: number,
  ) {
    this.bodyEncoding = bodyEncodingOf(config.postFormData);
  }

  /** Redeems `code` with the exact redirect URI of the authorization request and the flow's PKCE verifier. */
  exchangeCode(code: string, codeVerifier: string | undefined, bodyEncoding = this.bodyEncoding): Promise<TokenSet> {
    const params: Record<string, string> = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.config.redirectUri,
    };
    if (codeVerifier) params.code_verifier = codeVerifier;
    return this.request('token', params, bodyEncoding);
  }

  refresh(refreshToken: string): Promise<TokenSet> {
    return this.request('refresh', { grant_type: 'refresh_token', refresh_token: refreshToken }, this.bodyEncoding);
  }

  private async request(
    operation: string,
    params: Record<string, string>,
    bodyEncoding: TokenRequestBodyEncoding,
  ): Promise<TokenSet> {
    const headers: Record<string, string> = { ...this.config.tokenRequestHeaders };
    authenticateClient(this.config, params, headers);
    const response = await this.client.post({
      operation,
      url: this.config.tokenEndpoint,
      params,
      headers,
      bodyEncoding,
      timeoutMs: this.timeoutMs,
    });
    return parseTokenResponse(response, operation, this.config.normalizeTokenResponse);
  }
}
