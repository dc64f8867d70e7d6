import { IdTokenValidationError } from '../auth-code-flow.errors.js';
import { ID_TOKEN_INVALID, ID_TOKEN_PROBLEM } from '../auth-code-flow.messages.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import { authenticateClient } from './client-authentication.js';
import { bodyEncodingOf, type TokenEndpointClient, type TokenRequestBodyEncoding } from './token-endpoint.client.js';
import type { DpopProver } from './dpop-prover.js';
import { parseTokenResponse, type TokenTypeExpectation } from './token-response.parser.js';

/** What the grants need of an ID token validator (OpenID Connect Core §3.1.3.7): the verified claims, or a throw. */
export interface IdTokenVerifier {
  validate(
    idToken: string,
    expected: { nonce?: string; accessToken?: string; subject?: string },
  ): Promise<Record<string, unknown>>;
}

/**
 * One provider's token endpoint requests: the code grant (RFC 6749 §4.1.3) and the refresh grant (§6). With an
 * ID token verifier, the code grant's answer must carry a valid ID token for the flow's nonce, and a refresh
 * answer's ID token, when it has one, must be valid and name the same subject (OpenID Connect Core §12.2).
 * With a DPoP key, each request carries a proof (RFC 9449 §5), and tokens of `token_type: DPoP` keep the
 * key's thumbprint as `dpopJkt`.
 */
export class TokenGrants {
  /** The configured `postFormData`, as the token client takes it. */
  private readonly bodyEncoding: TokenRequestBodyEncoding;
  private readonly tokenTypes: TokenTypeExpectation;

  constructor(
    private readonly config: ResolvedProviderConfig,
    private readonly client: TokenEndpointClient,
    private readonly timeoutMs: number,
    private readonly idTokens?: IdTokenVerifier,
    private readonly dpop?: DpopProver,
  ) {
    this.bodyEncoding = bodyEncodingOf(config.postFormData);
    this.tokenTypes = { dpopProof: dpop !== undefined, requireDpop: config.dpop?.requireBoundTokens === true };
  }

  /**
   * Redeems `code` with the exact redirect URI of the authorization request and the flow's PKCE verifier; the
   * ID token, when the provider's are validated, is checked against the flow's `nonce`.
   */
  async exchangeCode(
    code: string,
    flow: { codeVerifier?: string; nonce?: string },
    bodyEncoding = this.bodyEncoding,
  ): Promise<TokenSet> {
    const params: Record<string, string> = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.config.redirectUri,
    };
    if (flow.codeVerifier) params.code_verifier = flow.codeVerifier;
    const tokens = await this.request('token', params, bodyEncoding);
    if (this.idTokens === undefined) return tokens;
    if (tokens.idToken === undefined) throw this.refusal('missing_id_token', ID_TOKEN_PROBLEM.missingIdToken);
    if (flow.nonce === undefined) throw this.refusal('nonce_missing', 'the pending authorization holds no nonce');
    tokens.idTokenClaims = await this.idTokens.validate(tokens.idToken, {
      nonce: flow.nonce,
      accessToken: tokens.accessToken,
    });
    return tokens;
  }

  /** Redeems a refresh token; `previous`, the tokens it belongs to, names the subject a new ID token must have. */
  async refresh(refreshToken: string, previous?: TokenSet): Promise<TokenSet> {
    const params = { grant_type: 'refresh_token', refresh_token: refreshToken };
    const tokens = await this.request('refresh', params, this.bodyEncoding);
    if (this.idTokens === undefined || tokens.idToken === undefined) return tokens;
    const subject = previous?.idTokenClaims?.sub;
    tokens.idTokenClaims = await this.idTokens.validate(tokens.idToken, {
      accessToken: tokens.accessToken,
      ...(typeof subject === 'string' ? { subject } : {}),
    });
    return tokens;
  }

  private refusal(reason: 'missing_id_token' | 'nonce_missing', detail: string): IdTokenValidationError {
    return new IdTokenValidationError(reason, ID_TOKEN_INVALID(this.config.name, detail));
  }

  private async request(
    operation: string,
    params: Record<string, string>,
    bodyEncoding: TokenRequestBodyEncoding,
  ): Promise<TokenSet> {
    const response = await this.client.post({
      operation,
      url: this.config.tokenEndpoint,
      params,
      headers: { ...this.config.tokenRequestHeaders },
      authenticate: (attemptParams, attemptHeaders) => authenticateClient(this.config, attemptParams, attemptHeaders),
      bodyEncoding,
      timeoutMs: this.timeoutMs,
      ...(this.dpop ? { dpop: this.dpop } : {}),
    });
    const tokens = parseTokenResponse(
      response,
      operation,
      this.config.normalizeTokenResponse,
      Date.now(),
      this.tokenTypes,
    );
    // Bearer tokens in answer to a proof (RFC 9449 §5 allows them) stay bearer tokens, unbound.
    if (this.dpop && tokens.tokenType.toLowerCase() === 'dpop') tokens.dpopJkt = this.dpop.thumbprint;
    return tokens;
  }
}
