import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { applyPreset, assertPresetInput, commonProblems, isSecureUrl, type PresetOptions } from './preset.util.js';

/**
 * GitLab.com or a self-managed GitLab: pass its URL as `baseUri` (a path prefix such as
 * `https://example.com/gitlab` is kept).
 *
 * - `{baseUri}/oauth/authorize`, `/oauth/token`, `/oauth/revoke`; PKCE (S256); `client_secret_post`.
 * - Scopes are space-delimited (e.g. `read_user openid`); every code exchange returns a refresh token,
 *   and each refresh returns a new one.
 * - Issuer: the instance URL (GitLab is an OpenID Connect provider).
 * - `baseUri` must be https (http only on localhost, or with `allowInsecureRequests`).
 *
 * @see https://docs.gitlab.com/api/oauth2/
 * @default baseUri 'https://gitlab.com'
 */
export function gitlab(options: PresetOptions): FlowManagerOptions {
  const problems = commonProblems(options);
  const baseUri = options?.baseUri ?? 'https://gitlab.com';
  if (!isSecureUrl(baseUri) && !(options?.allowInsecureRequests === true && /^http:\/\//i.test(String(baseUri)))) {
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
      scopeDelimiter: ' ',
      pkce: true,
      clientAuthMethod: options.clientSecret === undefined ? 'none' : 'client_secret_post',
      issuer: base,
    },
    { ...options, baseUri: base },
  );
}
