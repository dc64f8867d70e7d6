import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import {
  applyPreset,
  assertPresetInput,
  commonProblems,
  flattenErrorObject,
  requireSecret,
  type PresetOptions,
} from './preset.util.js';

export interface FacebookPresetOptions extends PresetOptions {
  /** Graph API version of the dialog and token endpoints, e.g. `v23.0`. @default 'v23.0' */
  graphVersion?: string;
}

/**
 * Facebook Login (manually built flow).
 *
 * - Authorization `https://www.facebook.com/{version}/dialog/oauth`, token
 *   `https://graph.facebook.com/{version}/oauth/access_token`; PKCE (S256); `client_secret_post`.
 * - Scopes (permissions) are comma-delimited (e.g. `email,public_profile`). No refresh tokens: long-lived
 *   tokens come from a separate exchange.
 * - Confidential clients only: `clientSecret` (the app secret) is required.
 * - Issuer `https://www.facebook.com` (its OpenID Connect issuer): an `iss` in the callback must match it;
 *   Facebook does not document sending one.
 * - Errors come as a Graph API object `{ error: { message, type, code } }`: it becomes `error`
 *   (the `type`, e.g. `OAuthException`) and `error_description`.
 *
 * @see https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
export function facebook(options: FacebookPresetOptions): FlowManagerOptions {
  const problems = commonProblems('facebook', options, ['graphVersion']);
  const version = options.graphVersion ?? 'v23.0';
  if (typeof version !== 'string' || !/^v\d{1,3}\.\d{1,3}$/.test(version))
    problems.push('graphVersion must look like v23.0');
  requireSecret(options, 'the code exchange authenticates with the app secret', problems);
  assertPresetInput('facebook', problems);
  return applyPreset(
    {
      baseUri: 'https://www.facebook.com',
      authorizationPath: `/${version}/dialog/oauth`,
      accessTokenPath: `https://graph.facebook.com/${version}/oauth/access_token`,
      scopeDelimiter: ',',
      pkce: true,
      clientAuthMethod: 'client_secret_post',
      issuer: 'https://www.facebook.com',
      normalizeTokenResponse: flattenErrorObject,
    },
    options,
    ['graphVersion'],
  );
}
