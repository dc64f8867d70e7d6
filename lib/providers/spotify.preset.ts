import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { applyPreset, assertPresetInput, commonProblems, type PresetOptions } from './preset.util.js';

/**
 * Spotify Web API.
 *
 * - Authorization `https://accounts.spotify.com/authorize`, token `https://accounts.spotify.com/api/token`;
 *   PKCE (S256); `client_secret_basic` (Spotify's documented header), or `none` for a PKCE-only public client.
 * - Scopes are space-delimited (e.g. `user-read-email playlist-read-private`); the code exchange
 *   always returns a refresh token; a refresh may return none, and `getTokens` then keeps the old one.
 * - A public client (no `clientSecret`) is allowed: Spotify documents the PKCE flow without a secret.
 * - No issuer is documented: a callback that carries `iss` is rejected (`issuer_unexpected`, RFC 9207). Should
 *   Spotify start sending one, pass its `issuer`.
 *
 * @see https://developer.spotify.com/documentation/web-api/tutorials/code-flow
 * @see https://developer.spotify.com/documentation/web-api/tutorials/refreshing-tokens
 */
export function spotify(options: PresetOptions): FlowManagerOptions {
  assertPresetInput('spotify', commonProblems('spotify', options));
  return applyPreset(
    {
      baseUri: 'https://accounts.spotify.com',
      authorizationPath: '/authorize',
      accessTokenPath: '/api/token',
      scopeDelimiter: ' ',
      pkce: true,
      clientAuthMethod: options.clientSecret === undefined ? 'none' : 'client_secret_basic',
    },
    options,
  );
}
