import type { TokenEndpointFailure } from '../auth-code-flow.errors.js';

/** A normalised token endpoint response (RFC 6749 §5.1). */
export interface TokenSet {
  accessToken: string;
  /** As the provider sent it, e.g. `bearer` or `Bearer`; `Bearer` when the response had no `token_type`. */
  tokenType: string;
  /** Lifetime in seconds, as the provider said. */
  expiresIn?: number;
  /** Epoch milliseconds, computed from `expiresIn` when the response was received. */
  expiresAt?: number;
  refreshToken?: string;
  scope?: string;
  idToken?: string;
  /**
   * The validated claims of `idToken` (OpenID Connect Core §3.1.3.7), set when the provider's scope includes
   * `openid`. A refresh response without an ID token keeps the previous token and claims.
   */
  idTokenClaims?: Record<string, unknown>;
  /**
   * RFC 7638 thumbprint of the DPoP key the tokens are bound to (RFC 9449), set when the provider answered
   * `token_type: DPoP`. Tokens with a thumbprint other than the manager's key are never sent.
   */
  dpopJkt?: string;
  /**
   * The whole parsed token response (JSON or form-encoded), as `normalizeTokenResponse` returned it when
   * there is one: plain data at most 32 levels deep, without `__proto__` members.
   */
  raw: Record<string, unknown>;
  /**
   * Set only on the marker a token store keeps for a connection that needs re-authorization (its
   * `accessToken` is `''`, and it holds no other token): the provider refused a refresh with `error`. The
   * manager never returns a marker; it throws `ReauthorizationRequiredError` instead. A custom store should
   * keep the field as it keeps the others; one that drops it still works (an empty `accessToken` is the
   * marker), only the error code is lost.
   */
  reauthorization?: { reason: 'refresh_rejected'; error: string };
  /**
   * Set on stored tokens whose last refresh failed for a while (a timeout, a network error, a 5xx or 429): no
   * refresh of them is sent before `until` (epoch ms) by any instance that shares the store. A successful
   * refresh, or new tokens from a flow, drop it.
   */
  refreshFailure?: { failure: TokenEndpointFailure; status?: number; until: number };
}
