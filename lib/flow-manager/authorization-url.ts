import { RESERVED_AUTHORIZATION_PARAMS } from '../auth-code-flow.constants.js';
import { InvalidArgumentError, InvalidStateError } from '../auth-code-flow.errors.js';
import { RESERVED_AUTHORIZATION_PARAM, STATE_WITHOUT_VERIFIER } from '../auth-code-flow.messages.js';
import type { PendingAuthorization } from '../interfaces/state-store.interface.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import { codeChallengeS256 } from '../utils/pkce.util.js';
import { appendQuery, formEncode, formEncodePairs } from '../utils/url.util.js';

/** What the authorization URL is built from. */
export type AuthorizationUrlConfig = Pick<
  ResolvedProviderConfig,
  'authorizationEndpoint' | 'clientId' | 'redirectUri' | 'scope' | 'pkce' | 'authorizationParams'
>;

interface AuthorizationQueryParts {
  /** `response_type`, `client_id`, `redirect_uri` and `scope`: what precedes the state. */
  head: string;
  /** The configured and given extra parameters: what follows the PKCE challenge. */
  tail: string;
}

/**
 * Builds one provider's authorization URLs (RFC 6749 §4.1.1, RFC 7636 §4.3): `response_type=code`, client id,
 * redirect URI, scope, state, the S256 challenge, the nonce (OpenID Connect Core §3.1.2.1) and `dpop_jkt`
 * (RFC 9449 §10) when configured, then the configured extras, then the call's own.
 */
export class AuthorizationUrlBuilder {
  /** The query's parts that depend on the configuration only, encoded once. */
  private readonly staticQuery: AuthorizationQueryParts;

  /** `dpopJkt`: the DPoP key's thumbprint, sent as `dpop_jkt` (RFC 9449 §10) when given. */
  constructor(
    private readonly config: AuthorizationUrlConfig,
    private readonly dpopJkt?: () => string,
  ) {
    this.staticQuery = authorizationQueryParts(config);
  }

  /** The URL for `state`, whose pending authorization holds the PKCE verifier; `params` may not be reserved ones. */
  build(
    state: string,
    record: Pick<PendingAuthorization, 'codeVerifier' | 'nonce'>,
    params?: Record<string, string>,
  ): string {
    return appendQuery(this.config.authorizationEndpoint, this.query(state, record, params));
  }

  /** The URL's query, form-encoded: also the body of a pushed authorization request (RFC 9126 §2.1). */
  query(
    state: string,
    record: Pick<PendingAuthorization, 'codeVerifier' | 'nonce'>,
    params?: Record<string, string>,
  ): string {
    if (params) assertNoReservedParams(params);
    const { head, tail } = params ? authorizationQueryParts(this.config, params) : this.staticQuery;
    let query = `${head}&state=${formEncode(state)}`;
    if (this.config.pkce) {
      if (!record.codeVerifier) throw new InvalidStateError('missing_verifier', STATE_WITHOUT_VERIFIER);
      query += `&code_challenge=${codeChallengeS256(record.codeVerifier)}&code_challenge_method=S256`;
    }
    if (record.nonce !== undefined) query += `&nonce=${formEncode(record.nonce)}`;
    if (this.dpopJkt !== undefined) query += `&dpop_jkt=${this.dpopJkt()}`;
    return tail === '' ? query : `${query}&${tail}`;
  }
}

/** Throws `InvalidArgumentError` for a parameter the flow manager sets itself (`state`, `redirect_uri`, …). */
export function assertNoReservedParams(params: Record<string, string>): void {
  for (const name of Object.keys(params)) {
    if (RESERVED_AUTHORIZATION_PARAMS.has(name)) {
      throw new InvalidArgumentError('ERR_INVALID_ARG_VALUE', RESERVED_AUTHORIZATION_PARAM(name));
    }
  }
}

/**
 * The encoded authorization query around the state and the challenge. An extra `scope` replaces the
 * configured one in place; every other extra follows the challenge, the call's own after the configured.
 */
function authorizationQueryParts(
  config: AuthorizationUrlConfig,
  params?: Record<string, string>,
): AuthorizationQueryParts {
  const extras = { ...config.authorizationParams, ...params };
  const head: Array<[string, string]> = [
    ['response_type', 'code'],
    ['client_id', config.clientId],
    ['redirect_uri', config.redirectUri],
  ];
  const tail: Array<[string, string]> = [];
  if (config.scope !== undefined) head.push(['scope', extras.scope ?? config.scope]);
  for (const [name, value] of Object.entries(extras)) {
    if (name !== 'scope' || config.scope === undefined) tail.push([name, value]);
  }
  return { head: formEncodePairs(head), tail: formEncodePairs(tail) };
}
