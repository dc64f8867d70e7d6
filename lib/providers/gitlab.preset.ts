import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import {
  applyPreset,
  assertPresetInput,
  commonProblems,
  isSecureUrl,
  requireSecretUnlessPublic,
  type PresetOptions,
} from './preset.util.js';

/**
 * GitLab.com or a self-managed GitLab: pass its URL as `baseUri` (a path prefix such as
 * `https://example.com/gitlab` is kept).
 *
 * - `{baseUri}/oauth/authorize`, `/oauth/token`, `/oauth/revoke`; PKCE (S256); `client_secret_post`.
 * - Scopes are space-delimited (e.g. `read_user openid`); every code exchange returns a refresh token,
 *   and each refresh returns a new one.
 * - ID tokens (scope `openid`) are verified against `{baseUri}/oauth/discovery/keys`; userinfo at `/oauth/userinfo`.
 * - Issuer: the instance URL, e.g. `https://gitlab.com` (GitLab is an OpenID Connect provider): an `iss` in the
 *   callback must match it.
 * - `clientSecret` is required for a confidential application (the default when registering one). A
 *   non-confidential application (PKCE, no secret) only when asked for with `clientAuthMethod: 'none'`.
 * - `baseUri` must be https (http only on localhost, or with `allowInsecureRequests`).
 *
 * @see https://docs.gitlab.com/api/oauth2/
 * @default baseUri 'https://gitlab.com'
 */
export function gitlab(options: PresetOptions): FlowManagerOptions {
  const problems = commonProblems('gitlab', options);
  requireSecretUnlessPublic(options, 'a confidential GitLab application authenticates with its secret', problems);
  const baseUri = options.baseUri ?? 'https://gitlab.com';
  if (!isSecureUrl(baseUri) && !(options.allowInsecureRequests === true && /^http:\/\//i.test(String(baseUri)))) {
    problems.push('baseUri must be the https URL of the GitLab instance, e.g. https://gitlab.example.com');
  } else if (/[?#]/.test(baseUri)) {
    problems.push('baseUri must not contain a query or a fragment');
  }
  assertPresetInput('gitlab', problems);
  const base = baseUri.replace(/\/+$/, '');
  return applyPreset(
    {
      baseUri: base,
      authorizationPath: '/oauth/authorize',
      accessTokenPath: '/oauth/token',
      revocationPath: '/oauth/revoke',
      jwksPath: '/oauth/discovery/keys',
      userInfoPath: '/oauth/userinfo',
      scopeDelimiter: ' ',
      pkce: true,
      clientAuthMethod: options.clientSecret === undefined ? 'none' : 'client_secret_post',
      issuer: base,
    },
    { ...options, baseUri: base },
  );
}
