import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { applyPreset, assertPresetInput, commonProblems, type PresetOptions } from './preset.util.js';

/**
 * X (formerly Twitter), OAuth 2.0 user context.
 *
 * - Authorization `https://x.com/i/oauth2/authorize`, token `https://api.x.com/2/oauth2/token`,
 *   revocation `https://api.x.com/2/oauth2/revoke`.
 * - PKCE is required (turning it off is refused). Confidential clients authenticate with
 *   `client_secret_basic`; public clients send only `client_id`.
 * - Scopes are space-delimited (e.g. `tweet.read users.read`); `offline.access` is needed for a refresh token.
 * - A public client (no `clientSecret`) is allowed: X documents public clients with PKCE.
 * - No issuer is documented: a callback that carries `iss` is rejected (`issuer_unexpected`, RFC 9207). Should
 *   X start sending one, pass its `issuer`.
 *
 * @see https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
 * @see https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
 */
export function x(options: PresetOptions): FlowManagerOptions {
  const problems = commonProblems('x', options);
  if (options.pkce === false) problems.push('pkce cannot be turned off: X requires PKCE');
  assertPresetInput('x', problems);
  return applyPreset(
    {
      baseUri: 'https://x.com',
      authorizationPath: '/i/oauth2/authorize',
      accessTokenPath: 'https://api.x.com/2/oauth2/token',
      revocationPath: 'https://api.x.com/2/oauth2/revoke',
      scopeDelimiter: ' ',
      pkce: true,
      clientAuthMethod: options.clientSecret === undefined ? 'none' : 'client_secret_basic',
    },
    options,
  );
}
