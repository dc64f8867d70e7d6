import { timingSafeEqual } from 'node:crypto';
import { EXPIRY_SKEW_SECONDS, MAX_BINDING_VALUES, RESERVED_AUTHORIZATION_PARAMS } from '../auth-code-flow.constants.js';
import {
  AuthorizationError,
  InvalidCallbackError,
  InvalidStateError,
  StoreUnavailableError,
  TokenEndpointError,
} from '../auth-code-flow.errors.js';
import {
  AUTHORIZATION_DENIED,
  BROWSER_ID_INVALID,
  CALLBACK_ISSUER_MISMATCH,
  CALLBACK_ISSUER_MISSING,
  CALLBACK_ISSUER_UNEXPECTED,
  CALLBACK_PARAM_MISSING,
  CALLBACK_PARAM_NOT_STRING,
  RESERVED_AUTHORIZATION_PARAM,
  STATE_BINDING_COOKIE_MISSING,
  STATE_BINDING_UNCHECKABLE,
  STATE_NOT_FOUND,
  STATE_WITHOUT_VERIFIER,
  STATE_WRONG_BROWSER,
  STATE_WRONG_PROVIDER,
  STATE_WRONG_USER,
  TOKEN_ENDPOINT_FAILED,
} from '../auth-code-flow.messages.js';
import type { TokensEvent } from '../interfaces/auth-code-flow-module-options.interface.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import type { PendingAuthorization, StateStore } from '../interfaces/state-store.interface.js';
import type { TokenStore } from '../interfaces/token-store.interface.js';
import { codeChallengeS256, createCodeVerifier } from '../utils/pkce.util.js';
import { randomValue } from '../utils/random.util.js';
import { sha256Base64url } from '../utils/sha256.util.js';
import { sanitizeReturnTo } from '../utils/return-to.util.js';
import { sleep } from '../utils/sleep.util.js';
import { appendQuery, formEncode, formEncodePairs } from '../utils/url.util.js';
import { authenticateClient } from './client-authentication.js';
import { parseCallbackParams } from './callback-params.js';
import { bodyEncodingOf, type TokenEndpointClient, type TokenRequestBodyEncoding } from './token-endpoint.client.js';
import { parseTokenResponse } from './token-response.parser.js';

export interface FlowManagerDependencies {
  stateStore: StateStore;
  tokenStore: TokenStore;
  tokenClient: TokenEndpointClient;
  stateTtlSeconds: number;
  httpTimeoutMs: number;
  onTokens?: (event: TokensEvent) => void | Promise<void>;
}

export interface CreateAuthorizationUrlOptions {
  /** Where to send the browser after the callback; kept only if it is a same-origin relative path. */
  returnTo?: string;
  /** Extra authorization parameters for this request, e.g. `{ login_hint: 'ada' }`. */
  params?: Record<string, string>;
  /**
   * A secret the browser holds, fresh for this flow (the built-in routes mint one at each authorize and keep it
   * in a cookie); only its SHA-256 is stored. Never pass a value the browser sent: it may have been planted.
   */
  browserBinding?: string;
  /**
   * A stable id of the browser, used only to bound its pending authorizations when there is no user: the
   * state store keeps a few per browser and provider and evicts the oldest beyond them. Only its hash is
   * stored. The built-in routes pass one from their cookie.
   */
  browserId?: string;
}

export interface HandleCallbackOptions {
  /**
   * The binding secrets the browser presented: the one given to `createAuthorizationUrl`, or several (the
   * built-in routes' cookie holds one per pending flow of the browser, newest last); the check passes when any
   * of them is this flow's. Only the newest {@link MAX_BINDING_VALUES} are looked at. Leave it undefined only
   * when the browser presented nothing at all (e.g. no cookie): the error then says where to start the flow.
   */
  browserBinding?: string | readonly string[];
  /**
   * Called once the state was consumed, before it is checked, with the presented value that is this flow's
   * binding (`undefined` when none is): that value is spent whatever the outcome, so its holder can forget it.
   */
  onStateConsumed?: (spentBinding: string | undefined) => void;
}

/**
 * Runs the authorization code flow (RFC 6749 §4.1) with PKCE (RFC 7636) for one provider, and keeps
 * the resulting tokens. One instance per configured provider; inject it with `@InjectFlowManager(name)`.
 */
export class FlowManager {
  private readonly refreshes = new Map<string, Promise<TokenSet | undefined>>();
  /** The authorization query's parts that depend on the configuration only, encoded once. */
  private readonly staticAuthorizationQuery: AuthorizationQueryParts;

  constructor(
    readonly name: string,
    private readonly config: ResolvedProviderConfig,
    private readonly deps: FlowManagerDependencies,
  ) {
    this.staticAuthorizationQuery = authorizationQueryParts(config);
  }

  /** The configured redirect URI, exactly as sent to the provider. */
  get redirectUri(): string {
    return this.config.redirectUri;
  }

  // ---- the seed's flow, step by step -------------------------------------------------------------

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
   * The provider's authorization URL for a stored state: `response_type=code`, client id, redirect URI,
   * scope, state and the S256 challenge of the state's verifier, then the configured and given extras.
   */
  async getAuthorizationEndpoint(state: string, params?: Record<string, string>): Promise<string> {
    const record = await this.deps.stateStore.peek(state);
    if (!record || record.provider !== this.name) throw new InvalidStateError('unknown_or_expired', STATE_NOT_FOUND);
    return this.buildAuthorizationUrl(state, record, params);
  }

  /**
   * Exchanges `code` for tokens. The state is consumed first: an unknown, expired, used or other user's
   * state throws `InvalidStateError` and no request is sent. The tokens are stored for `user`.
   *
   * A state bound to a browser (one started by the built-in routes, or by `createAuthorizationUrl` with a
   * `browserBinding`) is refused with `InvalidStateError('wrong_browser')`: this call has no binding to check,
   * and redeeming it anyway would undo the binding. The state is spent all the same, and no request is sent.
   */
  async fetchAccessToken(user: string, code: string, state: string, options: { postFormData?: boolean } = {}): Promise<TokenSet> {
    if (typeof state !== 'string' || state === '') throw new InvalidStateError('missing', CALLBACK_PARAM_MISSING('state'));
    if (typeof code !== 'string' || code === '') throw new InvalidCallbackError('missing_parameter', CALLBACK_PARAM_NOT_STRING('code'));
    const record = await this.consumeState(state, user);
    if (record.browserBinding !== undefined) throw new InvalidStateError('wrong_browser', STATE_BINDING_UNCHECKABLE);
    const bodyEncoding = options.postFormData === undefined ? undefined : bodyEncodingOf(options.postFormData);
    const tokens = await this.exchangeCode(code, record, bodyEncoding);
    await this.keepTokens(user, tokens);
    return tokens;
  }

  // ---- the same flow in two calls ----------------------------------------------------------------

  /** Starts a flow: creates the pending authorization and returns the URL to send the browser to. */
  async createAuthorizationUrl(user: string | undefined, options: CreateAuthorizationUrlOptions = {}): Promise<{ url: string; state: string }> {
    if (options.params) assertNoReservedParams(options.params);
    const state = this.makeState();
    const record = await this.savePending(state, {
      user,
      returnTo: sanitizeReturnTo(options.returnTo),
      browserBinding: options.browserBinding === undefined ? undefined : hashBinding(options.browserBinding),
      browserId: options.browserId,
    });
    return { url: this.buildAuthorizationUrl(state, record, options.params), state };
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
    let spent: string | undefined;
    const record = await this.consumeState(params.state, user, (consumed) => {
      spent = matchingBinding(consumed.browserBinding, options.browserBinding);
      options.onStateConsumed?.(spent);
    });
    if (record.browserBinding !== undefined && spent === undefined) {
      // No binding at all usually means the cookie was set for another host: the flow started on, say,
      // localhost while the redirect URI names 127.0.0.1. The origin named is configuration, not request input.
      const message =
        options.browserBinding === undefined ? STATE_BINDING_COOKIE_MISSING(new URL(this.config.redirectUri).origin) : STATE_WRONG_BROWSER;
      throw new InvalidStateError('wrong_browser', message);
    }
    this.checkIssuer(params.iss);
    if (params.error !== undefined) {
      throw new AuthorizationError(params.error, params.errorDescription, params.errorUri, AUTHORIZATION_DENIED(params.error));
    }
    if (params.code === undefined || params.code === '') throw new InvalidCallbackError('missing_parameter', CALLBACK_PARAM_MISSING('code'));
    const tokens = await this.exchangeCode(params.code, record);
    await this.keepTokens(user, tokens);
    return { tokens, returnTo: record.returnTo };
  }

  // ---- after the flow ----------------------------------------------------------------------------

  /** Redeems a refresh token (RFC 6749 §6) with the provider's client authentication. */
  async refreshAccessToken(refreshToken: string): Promise<TokenSet> {
    if (typeof refreshToken !== 'string' || refreshToken === '') {
      throw new TokenEndpointError('invalid_response', undefined, TOKEN_ENDPOINT_FAILED('refresh', 'no refresh token was given'));
    }
    return this.requestTokens('refresh', { grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  /**
   * The user's stored tokens; when they have expired and a refresh token exists they are refreshed first
   * (concurrent calls for one user share one refresh), keeping the old refresh token if none is returned.
   */
  async getTokens(user: string): Promise<TokenSet | undefined> {
    const stored = await this.deps.tokenStore.get(this.name, user);
    if (!stored || !needsRefresh(stored)) return stored;
    const running = this.refreshes.get(user);
    if (running) return running;
    const refresh = this.refreshStored(user, stored).finally(() => this.refreshes.delete(user));
    this.refreshes.set(user, refresh);
    return refresh;
  }

  /** Revokes the user's refresh (else access) token where the provider has a revocation endpoint (RFC 7009), then forgets the tokens. */
  async revokeTokens(user: string): Promise<void> {
    const stored = await this.deps.tokenStore.get(this.name, user);
    if (!stored) return;
    if (this.config.revocationEndpoint) {
      const [token, hint] = stored.refreshToken ? [stored.refreshToken, 'refresh_token'] : [stored.accessToken, 'access_token'];
      const params: Record<string, string> = { token, token_type_hint: hint };
      const headers: Record<string, string> = { ...this.config.tokenRequestHeaders };
      authenticateClient(this.config, params, headers);
      const response = await this.deps.tokenClient.post({
        operation: 'revocation',
        url: this.config.revocationEndpoint,
        params,
        headers,
        bodyEncoding: 'form',
        timeoutMs: this.deps.httpTimeoutMs,
      });
      if (response.status !== 200) {
        throw new TokenEndpointError('http_status', response.status, TOKEN_ENDPOINT_FAILED('revocation', `the revocation endpoint answered HTTP ${response.status}`));
      }
    }
    await this.deps.tokenStore.delete(this.name, user);
  }

  // ---- internals ---------------------------------------------------------------------------------

  private async savePending(
    state: string,
    fields: Pick<PendingAuthorization, 'user' | 'returnTo' | 'browserBinding'> & { browserId?: string },
  ): Promise<PendingAuthorization> {
    const record: PendingAuthorization = { provider: this.name, createdAt: Date.now() };
    if (fields.user !== undefined) record.user = fields.user;
    // Whose quota of pending authorizations this one counts against; the browser id is kept only hashed.
    if (fields.user !== undefined) record.owner = `user:${fields.user}`;
    else if (fields.browserId !== undefined) {
      if (typeof fields.browserId !== 'string' || fields.browserId === '') throw new TypeError(BROWSER_ID_INVALID);
      record.owner = `browser:${sha256Base64url(fields.browserId)}`;
    }
    if (this.config.pkce) record.codeVerifier = createCodeVerifier();
    if (fields.returnTo !== undefined) record.returnTo = fields.returnTo;
    if (fields.browserBinding !== undefined) record.browserBinding = fields.browserBinding;
    await this.deps.stateStore.save(state, record, this.deps.stateTtlSeconds);
    return record;
  }

  private buildAuthorizationUrl(state: string, record: PendingAuthorization, params?: Record<string, string>): string {
    if (params) assertNoReservedParams(params);
    const { head, tail } = params ? authorizationQueryParts(this.config, params) : this.staticAuthorizationQuery;
    let query = `${head}&state=${formEncode(state)}`;
    if (this.config.pkce) {
      if (!record.codeVerifier) throw new InvalidStateError('missing_verifier', STATE_WITHOUT_VERIFIER);
      query += `&code_challenge=${codeChallengeS256(record.codeVerifier)}&code_challenge_method=S256`;
    }
    return appendQuery(this.config.authorizationEndpoint, tail === '' ? query : `${query}&${tail}`);
  }

  /**
   * Consumes the state, then checks that it belongs to this provider and this user (RFC 9700 §2.1, §4.4).
   * `onConsumed` sees every record consumed, before any check can throw.
   */
  private async consumeState(
    state: string,
    user: string | undefined,
    onConsumed?: (record: PendingAuthorization) => void,
  ): Promise<PendingAuthorization> {
    const record = await this.deps.stateStore.consume(state);
    if (!record) throw new InvalidStateError('unknown_or_expired', STATE_NOT_FOUND);
    onConsumed?.(record);
    if (record.provider !== this.name) throw new InvalidStateError('wrong_provider', STATE_WRONG_PROVIDER(this.name));
    if (record.user !== user) throw new InvalidStateError('wrong_user', STATE_WRONG_USER);
    if (this.config.pkce && !record.codeVerifier) throw new InvalidStateError('missing_verifier', STATE_WITHOUT_VERIFIER);
    return record;
  }

  /**
   * RFC 9207 §2.4: an `iss` must equal the configured issuer; a provider known to send it must send it. An `iss`
   * with no issuer to compare it with is refused too (unless the app opted out): the provider that sent it may
   * not be the one this callback belongs to (mix-up, RFC 9700 §4.4).
   */
  private checkIssuer(iss: string | undefined): void {
    if (iss === undefined) {
      if (this.config.requireIssuerParameter) throw new InvalidCallbackError('issuer_missing', CALLBACK_ISSUER_MISSING);
      return;
    }
    if (this.config.issuer === undefined) {
      if (!this.config.allowUnverifiedIssuer) throw new InvalidCallbackError('issuer_unexpected', CALLBACK_ISSUER_UNEXPECTED);
      return;
    }
    if (iss !== this.config.issuer) throw new InvalidCallbackError('issuer_mismatch', CALLBACK_ISSUER_MISMATCH);
  }

  private exchangeCode(code: string, record: PendingAuthorization, bodyEncoding?: TokenRequestBodyEncoding): Promise<TokenSet> {
    const params: Record<string, string> = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.config.redirectUri,
    };
    if (record.codeVerifier) params.code_verifier = record.codeVerifier;
    return this.requestTokens('token', params, bodyEncoding);
  }

  private async requestTokens(
    operation: string,
    params: Record<string, string>,
    bodyEncoding = bodyEncodingOf(this.config.postFormData),
  ): Promise<TokenSet> {
    const headers: Record<string, string> = { ...this.config.tokenRequestHeaders };
    authenticateClient(this.config, params, headers);
    const response = await this.deps.tokenClient.post({
      operation,
      url: this.config.tokenEndpoint,
      params,
      headers,
      bodyEncoding,
      timeoutMs: this.deps.httpTimeoutMs,
    });
    return parseTokenResponse(response, operation, this.config.normalizeTokenResponse);
  }

  /**
   * Refreshes `seen`, the user's expired tokens, once across every instance. With a token store that has
   * `acquireRefreshLock` (e.g. `RedisTokenStore`) the instance that takes the lock refreshes while the
   * others poll the store for the new tokens; when the lock frees without new tokens (its holder failed or
   * died), a waiter takes it over. Waiting is bounded: past twice the lock's TTL it fails with
   * `StoreUnavailableError`.
   */
  private async refreshStored(user: string, seen: TokenSet): Promise<TokenSet | undefined> {
    const store = this.deps.tokenStore;
    if (!store.acquireRefreshLock) return this.refreshIfStillDue(user, seen);
    // The lock outlives the refresh request's whole time budget, so it cannot expire under a live holder.
    const lockTtlMs = this.deps.httpTimeoutMs + REFRESH_LOCK_MARGIN_MS;
    const waitUntil = Date.now() + 2 * lockTtlMs;
    for (;;) {
      const lock = await store.acquireRefreshLock(this.name, user, lockTtlMs);
      if (lock) {
        try {
          return await this.refreshIfStillDue(user, seen);
        } finally {
          // An unreleased lock expires by itself; a failed release must not hide the refresh's outcome.
          await lock.release().catch(() => undefined);
        }
      }
      if (Date.now() >= waitUntil) throw new StoreUnavailableError(REFRESH_LOCK_WAIT_EXPIRED);
      await sleep(REFRESH_POLL_INTERVAL_MS);
      const current = await store.get(this.name, user);
      if (!current || refreshedSince(seen, current)) return current;
    }
  }

  /**
   * Re-reads the tokens (another caller may have refreshed or deleted them since `seen` was read) and
   * refreshes them only if they are still the expired ones. A rotated refresh token replaces the old one;
   * a response without one keeps the old one (RFC 6749 §6).
   */
  private async refreshIfStillDue(user: string, seen: TokenSet): Promise<TokenSet | undefined> {
    const current = await this.deps.tokenStore.get(this.name, user);
    if (!current || refreshedSince(seen, current)) return current;
    const refreshToken = current.refreshToken!;
    const refreshed = await this.refreshAccessToken(refreshToken);
    if (!refreshed.refreshToken) refreshed.refreshToken = refreshToken;
    await this.keepTokens(user, refreshed);
    return refreshed;
  }

  private async keepTokens(user: string | undefined, tokens: TokenSet): Promise<void> {
    if (user !== undefined) await this.deps.tokenStore.set(this.name, user, tokens);
    if (this.deps.onTokens) await this.deps.onTokens({ provider: this.name, user, tokens });
  }
}

interface AuthorizationQueryParts {
  /** `response_type`, `client_id`, `redirect_uri` and `scope`: what precedes the state. */
  head: string;
  /** The configured and given extra parameters: what follows the PKCE challenge. */
  tail: string;
}

/**
 * The encoded authorization query around the state and the challenge. An extra `scope` replaces the
 * configured one in place; every other extra follows the challenge, the call's own after the configured.
 */
function authorizationQueryParts(config: ResolvedProviderConfig, params?: Record<string, string>): AuthorizationQueryParts {
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

function assertNoReservedParams(params: Record<string, string>): void {
  for (const name of Object.keys(params)) {
    if (RESERVED_AUTHORIZATION_PARAMS.has(name)) throw new TypeError(RESERVED_AUTHORIZATION_PARAM(name));
  }
}

function isExpired(tokens: TokenSet, now = Date.now()): boolean {
  return tokens.expiresAt !== undefined && tokens.expiresAt - EXPIRY_SKEW_SECONDS * 1000 <= now;
}

/** How long a cross-instance refresh lock lives beyond the refresh request's time budget (`httpTimeoutMs`). */
const REFRESH_LOCK_MARGIN_MS = 2_000;
/** How often an instance waiting for another instance's refresh reads the token store. */
const REFRESH_POLL_INTERVAL_MS = 50;
const REFRESH_LOCK_WAIT_EXPIRED = 'Another instance holds the token refresh lock and no new tokens appeared in time; try again.';

/** Expired, and renewable. */
function needsRefresh(tokens: TokenSet): boolean {
  return isExpired(tokens) && typeof tokens.refreshToken === 'string' && tokens.refreshToken !== '';
}

/** The stored tokens are no longer the expired ones that were read: someone refreshed or replaced them. */
function refreshedSince(seen: TokenSet, current: TokenSet): boolean {
  return current.accessToken !== seen.accessToken || !needsRefresh(current);
}

function hashBinding(value: string): string {
  return sha256Base64url(value);
}

/**
 * The presented value whose SHA-256 is `storedHash`, if any. Every one of the newest {@link MAX_BINDING_VALUES}
 * is hashed and compared in constant time, with no early exit: the time depends on their count only.
 */
function matchingBinding(storedHash: string | undefined, presented: string | readonly string[] | undefined): string | undefined {
  if (storedHash === undefined || presented === undefined) return undefined;
  const values = typeof presented === 'string' ? [presented] : presented.slice(-MAX_BINDING_VALUES);
  const expected = Buffer.from(storedHash);
  let match: string | undefined;
  for (const value of values) {
    if (typeof value !== 'string' || value === '') continue;
    const actual = Buffer.from(hashBinding(value));
    if (expected.length === actual.length && timingSafeEqual(expected, actual) && match === undefined) match = value;
  }
  return match;
}
