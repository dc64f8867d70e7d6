import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { isRecord } from '../utils/is-record.util.js';
import {
  applyPreset,
  assertPresetInput,
  commaScopeToSpaces,
  commonProblems,
  joinScope,
  pipe,
  requireSecret,
  type PresetOptions,
} from './preset.util.js';

type TokenBody = Record<string, unknown>;

export interface SlackPresetOptions extends PresetOptions {
  /** User scopes (`user_scope`), for a user token acting as the installing user; comma-joined. */
  userScope?: string | string[];
}

/**
 * Slack's Web API envelope: `{ ok: false, error }` (in HTTP 200) is an OAuth error; `ok: true` is
 * dropped from consideration and the body is kept.
 */
export function slackEnvelope(body: TokenBody): TokenBody {
  if (body.ok !== false) return body;
  return { ...body, error: typeof body.error === 'string' && body.error !== '' ? body.error : 'slack_error' };
}

/**
 * `oauth.v2.access`: the bot token is at the top level (`token_type: bot`); with user scopes only, the
 * user token is inside `authed_user` (`token_type: user`) and is promoted to the top level. Slack's
 * tokens are sent as `Authorization: Bearer`, so `bot` and `user` become `Bearer`.
 */
export function slackAuthedUser(body: TokenBody): TokenBody {
  let result = body;
  const user = body.authed_user;
  if (
    typeof body.error !== 'string' &&
    (body.access_token === undefined || body.access_token === '') &&
    isRecord(user) &&
    typeof user.access_token === 'string'
  ) {
    result = { ...body, access_token: user.access_token, token_type: user.token_type ?? 'user' };
    for (const key of ['scope', 'refresh_token', 'expires_in'] as const) {
      if (user[key] !== undefined) result[key] = user[key];
      else delete result[key];
    }
  }
  if (typeof result.token_type === 'string' && ['bot', 'user', 'app'].includes(result.token_type.toLowerCase())) {
    result = { ...result, token_type: 'Bearer' };
  }
  return result;
}

/**
 * Slack apps, OAuth v2 (installing an app: bot and user tokens). For "Sign in with Slack", see
 * {@link slackOpenId}.
 *
 * - Authorization `https://slack.com/oauth/v2/authorize`, token `https://slack.com/api/oauth.v2.access`;
 *   PKCE (S256); `client_secret_basic`, as Slack asks.
 * - Scopes are comma-delimited; `userScope` becomes `user_scope`. At least one of them is needed.
 * - Responses: the `ok`/`error` envelope (errors in HTTP 200), `token_type: bot`, and the user token
 *   inside `authed_user` when only user scopes were asked for (see {@link slackAuthedUser}).
 * - Refresh tokens only with token rotation turned on for the app.
 * - Confidential clients only: `clientSecret` is required.
 * - No issuer is documented for app installation: a callback that carries `iss` is rejected (`issuer_unexpected`,
 *   RFC 9207). Should Slack start sending one, pass its `issuer`.
 *
 * @see https://docs.slack.dev/authentication/installing-with-oauth
 * @see https://docs.slack.dev/reference/methods/oauth.v2.access
 */
export function slack(options: SlackPresetOptions): FlowManagerOptions {
  const problems = commonProblems('slack', options, ['userScope']);
  requireSecret(options, 'oauth.v2.access authenticates the app with its client secret', problems);
  const empty = (value: unknown) => value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
  if (empty(options.scope) && empty(options.userScope) && options.authorizationParams?.user_scope === undefined) {
    problems.push('scope (bot scopes) or userScope (user scopes) is required');
  }
  if (
    options.userScope !== undefined &&
    typeof options.userScope !== 'string' &&
    !(Array.isArray(options.userScope) && options.userScope.every((s) => typeof s === 'string'))
  ) {
    problems.push('userScope must be a string or an array of strings');
  }
  assertPresetInput('slack', problems);
  const userScope = joinScope(options.userScope, ',');
  return applyPreset(
    {
      baseUri: 'https://slack.com',
      authorizationPath: '/oauth/v2/authorize',
      accessTokenPath: '/api/oauth.v2.access',
      scopeDelimiter: ',',
      pkce: true,
      clientAuthMethod: 'client_secret_basic',
      authorizationParams: userScope ? { user_scope: userScope } : {},
      normalizeTokenResponse: pipe(slackEnvelope, slackAuthedUser, commaScopeToSpaces),
    },
    options,
    ['userScope'],
  );
}

/**
 * Sign in with Slack (OpenID Connect).
 *
 * - Authorization `https://slack.com/openid/connect/authorize`, token `https://slack.com/api/openid.connect.token`;
 *   PKCE (S256); `client_secret_post`.
 * - ID tokens are verified against `https://slack.com/openid/connect/keys`; userinfo at `/api/openid.connect.userInfo`.
 * - Issuer `https://slack.com` (its OpenID Connect issuer): an `iss` in the callback must match it.
 * - Confidential clients only: `openid.connect.token` authenticates the app with its `clientSecret`, which is
 *   required (Slack documents no public client for Sign in with Slack).
 * - Scopes are space-delimited; `openid email profile` unless given.
 * - Responses use Slack's `ok`/`error` envelope (errors in HTTP 200).
 *
 * @see https://docs.slack.dev/authentication/sign-in-with-slack
 */
export function slackOpenId(options: PresetOptions): FlowManagerOptions {
  const problems = commonProblems('slackOpenId', options);
  requireSecret(options, 'openid.connect.token authenticates the app with its client secret', problems);
  assertPresetInput('slackOpenId', problems);
  return applyPreset(
    {
      baseUri: 'https://slack.com',
      authorizationPath: '/openid/connect/authorize',
      accessTokenPath: '/api/openid.connect.token',
      jwksPath: '/openid/connect/keys',
      userInfoPath: '/api/openid.connect.userInfo',
      scopeDelimiter: ' ',
      scope: ['openid', 'email', 'profile'],
      pkce: true,
      clientAuthMethod: 'client_secret_post',
      issuer: 'https://slack.com',
      normalizeTokenResponse: slackEnvelope,
    },
    options,
  );
}
