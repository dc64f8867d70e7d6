import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import {
  applyPreset,
  assertPresetInput,
  commaScopeToSpaces,
  commonProblems,
  requireSecret,
  type PresetOptions,
} from './preset.util.js';

/**
 * GitHub OAuth apps and GitHub apps (user access tokens); GitHub Enterprise Server with `baseUri`.
 *
 * - Endpoints `https://github.com/login/oauth/authorize` and `/login/oauth/access_token`; PKCE (S256);
 *   the secret is posted in the body (`client_secret_post`), and is required.
 * - Scopes are space-delimited (e.g. `read:user user:email`); the token response lists them with commas,
 *   which becomes space-delimited (RFC 6749 §3.3).
 * - Without `Accept: application/json` GitHub answers form-encoded; errors such as `bad_verification_code`
 *   come in HTTP 200. Both are handled: an `error` field always becomes a `TokenRequestError`.
 * - Refresh tokens exist only for GitHub apps with expiring user tokens (no scope needed).
 * - No issuer is documented: a callback that carries `iss` is rejected (`issuer_unexpected`, RFC 9207). Should
 *   GitHub start sending one, pass its `issuer`.
 *
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 * @see https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
 */
export function github(options: PresetOptions): FlowManagerOptions {
  const problems = commonProblems('github', options);
  requireSecret(options, 'GitHub authenticates the web flow with the client secret', problems);
  assertPresetInput('github', problems);
  return applyPreset(
    {
      baseUri: 'https://github.com',
      authorizationPath: '/login/oauth/authorize',
      accessTokenPath: '/login/oauth/access_token',
      scopeDelimiter: ' ',
      pkce: true,
      clientAuthMethod: 'client_secret_post',
      normalizeTokenResponse: commaScopeToSpaces,
    },
    options,
  );
}
