import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { applyPreset, assertPresetInput, commonProblems, requireSecret, type PresetOptions } from './preset.util.js';

export interface GooglePresetOptions extends PresetOptions {
  /**
   * Ask for a refresh token: adds `access_type=offline` and `prompt=consent` (without `prompt=consent`
   * Google sends a refresh token only the first time a user consents).
   * @default true
   */
  offline?: boolean;
}

/**
 * Google (OAuth 2.0 for web server applications, and OpenID Connect).
 *
 * - Authorization `https://accounts.google.com/o/oauth2/v2/auth`, token `https://oauth2.googleapis.com/token`,
 *   revocation `https://oauth2.googleapis.com/revoke`; PKCE (S256); `client_secret_post`.
 * - Scopes are space-delimited, e.g. `openid email profile` or full URLs such as
 *   `https://www.googleapis.com/auth/drive.readonly`.
 * - ID tokens (scope `openid`) are verified against `https://www.googleapis.com/oauth2/v3/certs`; userinfo at
 *   `https://openidconnect.googleapis.com/v1/userinfo`. Static endpoints, no discovery: they are documented and stable.
 * - Issuer `https://accounts.google.com`: Google adds `iss` to some authorization responses (RFC 9207)
 *   without announcing it, so a present `iss` must match but a missing one is accepted.
 * - Confidential clients only: a "Web application" OAuth client authenticates with its `clientSecret`, PKCE or
 *   not, so the secret is required (Google has no public client for a web server).
 * - A refresh response carries no new refresh token: `getTokens` keeps the old one.
 *
 * @see https://developers.google.com/identity/protocols/oauth2/web-server
 * @see https://developers.google.com/identity/openid-connect/openid-connect
 */
export function google(options: GooglePresetOptions): FlowManagerOptions {
  const problems = commonProblems('google', options, ['offline']);
  if (options.offline !== undefined && typeof options.offline !== 'boolean')
    problems.push('offline must be true or false');
  requireSecret(options, 'Google web application clients authenticate with their client secret', problems);
  assertPresetInput('google', problems);
  const offline = options.offline ?? true;
  return applyPreset(
    {
      baseUri: 'https://accounts.google.com',
      authorizationPath: '/o/oauth2/v2/auth',
      accessTokenPath: 'https://oauth2.googleapis.com/token',
      revocationPath: 'https://oauth2.googleapis.com/revoke',
      jwksPath: 'https://www.googleapis.com/oauth2/v3/certs',
      userInfoPath: 'https://openidconnect.googleapis.com/v1/userinfo',
      scopeDelimiter: ' ',
      pkce: true,
      clientAuthMethod: 'client_secret_post',
      authorizationParams: offline ? { access_type: 'offline', prompt: 'consent' } : {},
      issuer: 'https://accounts.google.com',
      requireIssuerParameter: false,
    },
    options,
    ['offline'],
  );
}
