import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { applyPreset, assertPresetInput, commonProblems, type PresetOptions } from './preset.util.js';

export interface DropboxPresetOptions extends PresetOptions {
  /** Ask for a refresh token: adds `token_access_type=offline`. @default true */
  offline?: boolean;
}

/**
 * Dropbox.
 *
 * - Authorization `https://www.dropbox.com/oauth2/authorize`, token `https://api.dropboxapi.com/oauth2/token`;
 *   PKCE (S256); `client_secret_post`, or `none` for a PKCE-only public client.
 * - Scopes are space-delimited (e.g. `account_info.read files.content.read`), or left to the app console.
 * - `token_access_type=offline` gives a refresh token with short-lived (4 h) access tokens; a refresh
 *   returns none, and `getTokens` keeps the old one.
 * - A public client (no `clientSecret`) is allowed: Dropbox documents the PKCE flow without a secret.
 * - Issuer `https://www.dropbox.com` (its OpenID Connect issuer): an `iss` in the callback must match it;
 *   Dropbox does not document sending one.
 *
 * @see https://developers.dropbox.com/oauth-guide
 * @see https://www.dropbox.com/developers/documentation/http/documentation#oauth2-authorize
 * @see https://developers.dropbox.com/oidc-guide
 */
export function dropbox(options: DropboxPresetOptions): FlowManagerOptions {
  const problems = commonProblems('dropbox', options, ['offline']);
  if (options.offline !== undefined && typeof options.offline !== 'boolean')
    problems.push('offline must be true or false');
  assertPresetInput('dropbox', problems);
  return applyPreset(
    {
      baseUri: 'https://www.dropbox.com',
      authorizationPath: '/oauth2/authorize',
      accessTokenPath: 'https://api.dropboxapi.com/oauth2/token',
      scopeDelimiter: ' ',
      pkce: true,
      clientAuthMethod: options.clientSecret === undefined ? 'none' : 'client_secret_post',
      authorizationParams: options.offline === false ? {} : { token_access_type: 'offline' },
      issuer: 'https://www.dropbox.com',
    },
    options,
    ['offline'],
  );
}
