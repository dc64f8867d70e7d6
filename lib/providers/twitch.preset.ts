import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import {
  applyPreset,
  assertPresetInput,
  commonProblems,
  requireSecret,
  scopeArrayToString,
  type PresetOptions,
} from './preset.util.js';

/**
 * Twitch.
 *
 * - Authorization `https://id.twitch.tv/oauth2/authorize`, token `/oauth2/token`, revocation
 *   `/oauth2/revoke`; `client_secret_post`. No PKCE: Twitch does not document it.
 * - Scopes are space-delimited in the request (e.g. `user:read:email`); the response lists them as a
 *   JSON array, which becomes a space-delimited string. Every code exchange returns a refresh token.
 * - Issuer `https://id.twitch.tv/oauth2` (its OpenID Connect issuer): an `iss` in the callback must match it.
 * - Confidential clients only: `clientSecret` is required.
 *
 * @see https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#authorization-code-grant-flow
 * @see https://dev.twitch.tv/docs/authentication/refresh-tokens/
 */
export function twitch(options: PresetOptions): FlowManagerOptions {
  const problems = commonProblems('twitch', options);
  requireSecret(options, 'the authorization code grant posts the client secret', problems);
  assertPresetInput('twitch', problems);
  return applyPreset(
    {
      baseUri: 'https://id.twitch.tv',
      authorizationPath: '/oauth2/authorize',
      accessTokenPath: '/oauth2/token',
      revocationPath: '/oauth2/revoke',
      scopeDelimiter: ' ',
      pkce: false,
      clientAuthMethod: 'client_secret_post',
      issuer: 'https://id.twitch.tv/oauth2',
      normalizeTokenResponse: scopeArrayToString,
    },
    options,
  );
}
