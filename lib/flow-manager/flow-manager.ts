import { inspect } from 'node:util';
import { InvalidCallbackError, InvalidStateError } from '../auth-code-flow.errors.js';
import {
  CALLBACK_PARAM_MISSING,
  CALLBACK_PARAM_NOT_STRING,
  STATE_BINDING_UNCHECKABLE,
  STATE_NOT_FOUND,
} from '../auth-code-flow.messages.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import type { PendingAuthorization } from '../interfaces/state-store.interface.js';
import { randomValue } from '../utils/random.util.js';
import { sha256Base64url } from '../utils/sha256.util.js';
import { sanitizeReturnTo } from '../utils/return-to.util.js';
import { authorizationUrlFor } from './authorization-request.js';
import { assertNoReservedParams } from './authorization-url.js';
import { clientJwks, type ClientJwks } from './client-assertion.js';
import { matchingBinding } from './browser-binding-hash.js';
import { checkConsumedCallback } from './callback-checks.js';
import { parseCallbackParams } from './callback-params.js';
import { endSessionUrl, type EndSessionUrlOptions } from './end-session-url.js';
import type { CreateAuthorizationUrlOptions, HandleCallbackOptions } from './flow-manager-call-options.interface.js';
import type { FlowManagerDependencies } from './flow-manager-dependencies.interface.js';
import { consumePending, newPendingAuthorization, type PendingAuthorizationFields } from './pending-authorization.js';
import { fetchProtectedResource } from './protected-resource.js';
import { ProviderEndpoints } from './provider-endpoints.js';
import { bodyEncodingOf } from './token-endpoint.client.js';
import { assertRefreshToken, TokenRefresher } from './token-refresh.js';
import { revokeStoredTokens } from './token-revocation.js';
import { fetchUserInfo } from './user-info.js';

export type { CreateAuthorizationUrlOptions, HandleCallbackOptions } from './flow-manager-call-options.interface.js';
export type { FlowManagerDependencies } from './flow-manager-dependencies.interface.js';

/**
 * Runs the authorization code flow (RFC 6749 §4.1) with PKCE (RFC 7636) for one provider, and keeps
 * the resulting tokens. One instance per configured provider; inject it with `@InjectFlowManager(name)`.
 */
export class FlowManager {
  /** Static endpoints at once (no await); a discovering provider's once its metadata is loaded. */
  private readonly endpoints: ProviderEndpoints;
  private readonly refresher: TokenRefresher;

  constructor(
    readonly name: string,
    private readonly config: ResolvedProviderConfig,
    private readonly deps: FlowManagerDependencies,
  ) {
    this.endpoints = new ProviderEndpoints(config, deps.tokenClient, deps.httpTimeoutMs);
    this.refresher = new TokenRefresher({
      provider: name,
      tokenStore: deps.tokenStore,
      httpTimeoutMs: deps.httpTimeoutMs,
      refresh: async (refreshToken, current) =>
        (this.endpoints.ready() ?? (await this.endpoints.load())).grants.refresh(refreshToken, current),
      keep: (user, tokens) => deps.tokenStore.set(name, user, tokens),
      report: (user, tokens) => deps.onTokens?.({ provider: name, user, tokens }),
      prepare: async () => this.endpoints.ready() ?? (await this.endpoints.load()),
      boundToAnotherKey: (tokens) => this.endpoints.boundToAnotherKey(tokens),
    });
  }

  /** The configured redirect URI, exactly as sent to the provider. */
  get redirectUri(): string {
    return this.config.redirectUri;
  }

  /** `JSON.stringify` and `util.inspect` show the provider's name only: the configuration holds the client secret. */
  toJSON(): { name: string } {
    return { name: this.name };
  }

  [inspect.custom](): string {
    return `FlowManager { name: ${JSON.stringify(this.name)} }`;
  }

  // ---- the flow, step by step ------------------------------------------------------------------

  /** A new state value: 32 bytes from the CSPRNG, base64url (RFC 9700 §2.1). */
  makeState(): string {
    return randomValue();
  }

  /** Creates the pending authorization for `state`, bound to `user`, with a fresh PKCE verifier. */
  async storeUserState(user: string, state: string): Promise<void> {
    await this.savePending(state, { user });
  }

  /** True only for a live state stored for that user and this provider; does not consume it. */
  async checkUserState(user: string, state: string): Promise<boolean> {
    if (typeof state !== 'string' || state === '') return false;
    const record = await this.deps.stateStore.peek(state);
    return record !== undefined && record.provider === this.name && record.user === user;
  }

  /**
   * The provider's authorization URL for a stored state: `response_type=code`, client id, redirect URI, scope,
   * state, the S256 challenge of the state's verifier, the extras; with PAR pushed first ({@link authorizationUrlFor}).
   */
  async getAuthorizationEndpoint(state: string, params?: Record<string, string>): Promise<string> {
    const parts = this.endpoints.ready() ?? (await this.endpoints.load());
    const record = await this.deps.stateStore.peek(state);
    if (!record || record.provider !== this.name) throw new InvalidStateError('unknown_or_expired', STATE_NOT_FOUND);
    return authorizationUrlFor(parts, this.deps.stateStore, state, record, params);
  }

  /**
   * Exchanges `code` for tokens. The state is consumed first: an unknown, expired, used or other user's
   * state throws `InvalidStateError` and no request is sent. The tokens are stored for `user`. A state bound to a browser (one started by the built-in routes, or by `createAuthorizationUrl` with a
   * `browserBinding`) is refused with `InvalidStateError('wrong_browser')`: this call has no binding to check,
   * and redeeming it anyway would undo the binding. The state is spent all the same, and no request is sent.
   */
  async fetchAccessToken(
    user: string,
    code: string,
    state: string,
    options: { postFormData?: boolean } = {},
  ): Promise<TokenSet> {
    if (typeof state !== 'string' || state === '')
      throw new InvalidStateError('missing', CALLBACK_PARAM_MISSING('state'));
    if (typeof code !== 'string' || code === '')
      throw new InvalidCallbackError('missing_parameter', CALLBACK_PARAM_NOT_STRING('code'));
    const parts = this.endpoints.ready() ?? (await this.endpoints.load());
    const record = await this.consumeState(state, user);
    if (record.browserBinding !== undefined) throw new InvalidStateError('wrong_browser', STATE_BINDING_UNCHECKABLE);
    const bodyEncoding = options.postFormData === undefined ? undefined : bodyEncodingOf(options.postFormData);
    const tokens = await parts.grants.exchangeCode(code, record, bodyEncoding);
    await this.keepTokens(user, tokens);
    return tokens;
  }

  // ---- the same flow in two calls ----------------------------------------------------------------

  /** Starts a flow: creates the pending authorization and returns the URL to send the browser to (pushed, with PAR). */
  async createAuthorizationUrl(
    user: string | undefined,
    options: CreateAuthorizationUrlOptions = {},
  ): Promise<{ url: string; state: string }> {
    if (options.params) assertNoReservedParams(options.params);
    const parts = this.endpoints.ready() ?? (await this.endpoints.load());
    const state = this.makeState();
    const record = await this.savePending(state, {
      user,
      returnTo: sanitizeReturnTo(options.returnTo),
      browserBinding: options.browserBinding === undefined ? undefined : sha256Base64url(options.browserBinding),
      browserId: options.browserId,
    });
    return { url: await authorizationUrlFor(parts, this.deps.stateStore, state, record, options.params), state };
  }

  /**
   * Completes a flow from the callback's query: strict parameter checks, then the state is consumed and
   * checked (provider, user, browser), then `iss` (RFC 9207) and `error`, then the code is exchanged and
   * the tokens stored. Returns the tokens and the validated `returnTo` of the pending authorization.
   *
   * The browser check passes when the SHA-256 of any presented binding value equals the stored one (each
   * compared in constant time, all of them every time).
   */
  async handleCallback(
    user: string | undefined,
    query: Record<string, unknown> | URLSearchParams,
    options: HandleCallbackOptions = {},
  ): Promise<{ tokens: TokenSet; returnTo?: string }> {
    const params = parseCallbackParams(query);
    const parts = this.endpoints.ready() ?? (await this.endpoints.load());
    let spent: string | undefined;
    const record = await this.consumeState(params.state, user, (consumed) => {
      spent = matchingBinding(consumed.browserBinding, options.browserBinding);
      options.onStateConsumed?.(spent);
    });
    const code = checkConsumedCallback(parts.config, record, params, { presented: options.browserBinding, spent });
    const tokens = await parts.grants.exchangeCode(code, record);
    await this.keepTokens(user, tokens);
    return { tokens, returnTo: record.returnTo };
  }

  // ---- after the flow ----------------------------------------------------------------------------

  /** Redeems a refresh token (RFC 6749 §6) with the provider's client authentication. */
  async refreshAccessToken(refreshToken: string): Promise<TokenSet> {
    assertRefreshToken(refreshToken);
    return (this.endpoints.ready() ?? (await this.endpoints.load())).grants.refresh(refreshToken);
  }

  /**
   * The user's stored tokens; when they have expired and a refresh token exists they are refreshed first
   * (concurrent calls for one user share one refresh), keeping the old refresh token if none is returned.
   * Undefined when the user has no tokens. A refresh the provider refuses for good (`invalid_grant`,
   * `unauthorized_client`, `invalid_client`) drops the tokens and throws `ReauthorizationRequiredError`
   * (reason `refresh_rejected`), as does every later call until a new flow stores tokens or `revokeTokens`
   * forgets the connection. A transient failure throws `TokenEndpointError`, keeps the tokens, and holds the
   * user's refreshes back (`Retry-After`, else a short exponential back-off): calls meanwhile fail at once.
   */
  getTokens(user: string): Promise<TokenSet | undefined> {
    return this.refresher.getTokens(user);
  }

  /** Revokes the user's refresh (else access) token where the provider has a revocation endpoint (RFC 7009), then forgets the tokens. */
  revokeTokens(user: string): Promise<void> {
    return revokeStoredTokens(this.userCalls, user);
  }

  /** The user's claims from the UserInfo endpoint (OpenID Connect Core §5.3), whose `sub` must be the ID token's. */
  getUserInfo(user: string): Promise<Record<string, unknown>> {
    return fetchUserInfo(this.userCalls, user);
  }

  /** `fetch` with the user's access token; no redirect followed; on a 401 `invalid_token`, one refresh and retry. */
  fetchProtectedResource(user: string, url: string | URL, init?: RequestInit): Promise<Response> {
    return fetchProtectedResource(this.userCalls, user, url, init);
  }

  /** The provider's logout URL (OpenID Connect RP-Initiated Logout 1.0) with the stored ID token as `id_token_hint`. */
  getEndSessionUrl(user: string, options?: EndSessionUrlOptions): Promise<string> {
    return endSessionUrl(this.userCalls, user, options);
  }

  /** The public key of `private_key_jwt` as a JWK Set (RFC 7517 §5), to register by URL; `{ keys: [] }` without one. */
  getClientJwks(): ClientJwks {
    return clientJwks(this.config);
  }

  // ---- internals ---------------------------------------------------------------------------------

  private async savePending(state: string, fields: PendingAuthorizationFields): Promise<PendingAuthorization> {
    const secrets = { pkce: this.config.pkce, nonce: this.config.idToken.validate };
    const record = newPendingAuthorization(this.name, secrets, fields);
    await this.deps.stateStore.save(state, record, this.deps.stateTtlSeconds);
    return record;
  }

  /** Consumes the state, then checks its provider, user and verifier: see {@link consumePending}. */
  private consumeState(state: string, user: string | undefined, onConsumed?: (record: PendingAuthorization) => void) {
    const expected = { provider: this.name, user, pkce: this.config.pkce };
    return consumePending(this.deps.stateStore, state, expected, onConsumed);
  }

  private get userCalls() {
    const { name: provider, config, endpoints, refresher, deps } = this;
    return { provider, config, endpoints, refresher, deps };
  }

  private async keepTokens(user: string | undefined, tokens: TokenSet): Promise<void> {
    if (user !== undefined) await this.deps.tokenStore.set(this.name, user, tokens);
    if (this.deps.onTokens) await this.deps.onTokens({ provider: this.name, user, tokens });
  }
}
