import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { applyPreset, assertPresetInput, commonProblems, requireSecret, type PresetOptions } from './preset.util.js';

export interface RedditPresetOptions extends PresetOptions {
  /** Ask for a refresh token: `duration=permanent` (else `temporary`, one hour). @default true */
  permanent?: boolean;
  /**
   * The `User-Agent` of token requests. Reddit asks for a unique, descriptive one, e.g.
   * `web:com.example.myapp:v1.2.3 (by /u/yourname)`.
   * @default `web:nestjs-auth-code-flow:<clientId>`
   */
  userAgent?: string;
}

/**
 * Reddit ("web app" clients).
 *
 * - Authorization `https://www.reddit.com/api/v1/authorize`, token `/api/v1/access_token`, revocation
 *   `/api/v1/revoke_token`; HTTP Basic client authentication (`client_secret_basic`). No PKCE: Reddit
 *   does not document it.
 * - Scopes are space-delimited (e.g. `identity read`); `duration=permanent` gives a refresh token.
 * - Reddit answers some errors (e.g. `invalid_grant`) in HTTP 200: they become `TokenRequestError`s.
 * - Token requests carry a `User-Agent` (`userAgent`), as Reddit's API rules ask of every client.
 * - "web app" clients are confidential: `clientSecret` is required.
 * - No issuer is documented: a callback that carries `iss` is rejected (`issuer_unexpected`, RFC 9207). Should
 *   Reddit start sending one, pass its `issuer`.
 *
 * @see https://github.com/reddit-archive/reddit/wiki/OAuth2
 */
export function reddit(options: RedditPresetOptions): FlowManagerOptions {
  const problems = commonProblems('reddit', options, ['permanent', 'userAgent']);
  if (options.permanent !== undefined && typeof options.permanent !== 'boolean')
    problems.push('permanent must be true or false');
  requireSecret(options, 'web apps authenticate with HTTP Basic', problems);
  if (options.userAgent !== undefined && (typeof options.userAgent !== 'string' || options.userAgent.trim() === ''))
    problems.push('userAgent must be a non-empty string');
  assertPresetInput('reddit', problems);
  return applyPreset(
    {
      baseUri: 'https://www.reddit.com',
      authorizationPath: '/api/v1/authorize',
      accessTokenPath: '/api/v1/access_token',
      revocationPath: '/api/v1/revoke_token',
      scopeDelimiter: ' ',
      pkce: false,
      clientAuthMethod: 'client_secret_basic',
      authorizationParams: { duration: options.permanent === false ? 'temporary' : 'permanent' },
      tokenRequestHeaders: { 'User-Agent': options.userAgent ?? `web:nestjs-auth-code-flow:${options.clientId}` },
    },
    options,
    ['permanent', 'userAgent'],
  );
}
