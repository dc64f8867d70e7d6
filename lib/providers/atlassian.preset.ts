import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { applyPreset, assertPresetInput, commonProblems, requireSecret, type PresetOptions } from './preset.util.js';

/**
 * Atlassian Cloud (Jira, Confluence...), OAuth 2.0 (3LO) apps.
 *
 * - Authorization `https://auth.atlassian.com/authorize` with the required `audience=api.atlassian.com`
 *   and `prompt=consent`; token `https://auth.atlassian.com/oauth/token`, sent as a JSON body as
 *   Atlassian documents it; `client_secret_post`. No PKCE: 3LO does not document it.
 * - Scopes are space-delimited (e.g. `read:jira-work read:me`); `offline_access` is needed for a
 *   refresh token, which rotates on each refresh.
 * - Confidential clients only: `clientSecret` is required.
 * - No issuer is documented: a callback that carries `iss` is rejected (`issuer_unexpected`, RFC 9207). Should
 *   Atlassian start sending one, pass its `issuer`.
 *
 * @see https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/
 */
export function atlassian(options: PresetOptions): FlowManagerOptions {
  const problems = commonProblems('atlassian', options);
  requireSecret(options, '3LO apps authenticate with the client secret', problems);
  assertPresetInput('atlassian', problems);
  return applyPreset(
    {
      baseUri: 'https://auth.atlassian.com',
      authorizationPath: '/authorize',
      accessTokenPath: '/oauth/token',
      scopeDelimiter: ' ',
      pkce: false,
      clientAuthMethod: 'client_secret_post',
      postFormData: false,
      authorizationParams: { audience: 'api.atlassian.com', prompt: 'consent' },
    },
    options,
  );
}
