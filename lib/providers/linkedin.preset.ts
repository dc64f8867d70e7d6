import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { applyPreset, assertPresetInput, commonProblems, requireSecret, type PresetOptions } from './preset.util.js';

/**
 * LinkedIn (3-legged OAuth, and Sign In with LinkedIn using OpenID Connect).
 *
 * - Authorization `https://www.linkedin.com/oauth/v2/authorization`, token `/oauth/v2/accessToken`,
 *   revocation `/oauth/v2/revoke`; `client_secret_post`.
 * - No PKCE: LinkedIn supports it only for approved native apps, and its web flow answers
 *   `invalid_client` when a `code_verifier` is sent.
 * - Scopes are space-delimited (e.g. `openid profile email`); refresh tokens only for approved partners.
 * - Older responses carry no `token_type`: it becomes `bearer`.
 * - ID tokens (scope `openid`) are verified against `https://www.linkedin.com/oauth/openid/jwks`; userinfo at
 *   `https://api.linkedin.com/v2/userinfo`.
 * - Issuer `https://www.linkedin.com/oauth` (its OpenID Connect issuer): an `iss` in the callback must match it.
 * - Confidential clients only: `clientSecret` is required.
 *
 * @see https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
 * @see https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
 */
export function linkedin(options: PresetOptions): FlowManagerOptions {
  const problems = commonProblems('linkedin', options);
  requireSecret(options, 'LinkedIn web apps authenticate with the client secret', problems);
  assertPresetInput('linkedin', problems);
  return applyPreset(
    {
      baseUri: 'https://www.linkedin.com',
      authorizationPath: '/oauth/v2/authorization',
      accessTokenPath: '/oauth/v2/accessToken',
      revocationPath: '/oauth/v2/revoke',
      jwksPath: '/oauth/openid/jwks',
      userInfoPath: 'https://api.linkedin.com/v2/userinfo',
      scopeDelimiter: ' ',
      pkce: false,
      clientAuthMethod: 'client_secret_post',
      issuer: 'https://www.linkedin.com/oauth',
    },
    options,
  );
}
