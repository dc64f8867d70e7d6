import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import {
  applyPreset,
  assertPresetInput,
  commonProblems,
  requireSecretUnlessPublic,
  type PresetOptions,
} from './preset.util.js';

/**
 * Discord.
 *
 * - Authorization `https://discord.com/oauth2/authorize`, token `https://discord.com/api/oauth2/token`,
 *   revocation `/api/oauth2/token/revoke`; PKCE (S256 only); `client_secret_basic`.
 * - `clientSecret` is required, unless the app's "Public Client" setting is on and the caller asks for a public
 *   client with `clientAuthMethod: 'none'` (PKCE, no secret): a forgotten secret fails at start-up, not at the callback.
 * - Scopes are space-delimited (e.g. `identify email`); every code exchange returns a refresh token.
 * - Issuer `https://discord.com`: an `iss` in the callback must match it (RFC 9207). A callback without
 *   `iss` is still accepted, since Discord's sending of it is not documented on its OAuth2 page; pass
 *   `requireIssuerParameter: true` to insist.
 *
 * @see https://discord.com/developers/docs/topics/oauth2
 * @see https://discord.com/.well-known/oauth-authorization-server
 */
export function discord(options: PresetOptions): FlowManagerOptions {
  const problems = commonProblems('discord', options);
  requireSecretUnlessPublic(options, 'Discord authenticates the code exchange with the client secret', problems);
  assertPresetInput('discord', problems);
  return applyPreset(
    {
      baseUri: 'https://discord.com',
      authorizationPath: '/oauth2/authorize',
      accessTokenPath: '/api/oauth2/token',
      revocationPath: '/api/oauth2/token/revoke',
      scopeDelimiter: ' ',
      pkce: true,
      clientAuthMethod: options.clientSecret === undefined ? 'none' : 'client_secret_basic',
      issuer: 'https://discord.com',
    },
    options,
  );
}
