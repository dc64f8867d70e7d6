import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import {
  applyPreset,
  assertPresetInput,
  commonProblems,
  flattenErrorObject,
  requireSecret,
  type PresetOptions,
} from './preset.util.js';

type TokenBody = Record<string, unknown>;

/**
 * Stack Exchange's token errors: API-style errors (`error_name`, `error_message`, or an `error` object)
 * become RFC 6749 §5.2 errors. Its successful response, `{ access_token, expires }` without `token_type`,
 * needs nothing: every provider's missing `token_type` is bearer and `expires` counts as `expires_in`.
 */
export function normalizeStackExchange(body: TokenBody): TokenBody {
  let result = flattenErrorObject(body);
  if (result.error === undefined && typeof result.error_name === 'string') {
    result = { ...result, error: result.error_name };
    if (typeof result.error_message === 'string') result.error_description = result.error_message;
  }
  return result;
}

/**
 * Stack Exchange (Stack Overflow and the other sites): the worked example of the Python `auth-code-flow` package.
 *
 * - Authorization `https://stackoverflow.com/oauth`, token `https://stackoverflow.com/oauth/access_token/json`;
 *   the client id and secret are posted in a form body (`client_secret_post`). No PKCE: Stack Exchange
 *   does not document it.
 * - Scopes are space-delimited: `read_inbox`, `no_expiry`, `write_access`, `private_info`. There are no
 *   refresh tokens; `no_expiry` asks for a token that does not expire.
 * - The response has `expires` instead of `expires_in` and no `token_type` (see {@link normalizeStackExchange}).
 * - The explicit (server-side) flow posts the client secret: `clientSecret` is required.
 * - No issuer is documented: a callback that carries `iss` is rejected (`issuer_unexpected`, RFC 9207). Should
 *   Stack Exchange start sending one, pass its `issuer`.
 *
 * @see https://api.stackexchange.com/docs/authentication
 */
export function stackExchange(options: PresetOptions): FlowManagerOptions {
  const problems = commonProblems('stackExchange', options);
  requireSecret(options, 'the explicit flow posts the client secret', problems);
  assertPresetInput('stackExchange', problems);
  return applyPreset(
    {
      baseUri: 'https://stackoverflow.com',
      authorizationPath: '/oauth',
      accessTokenPath: '/oauth/access_token/json',
      scopeDelimiter: ' ',
      pkce: false,
      clientAuthMethod: 'client_secret_post',
      postFormData: true,
      normalizeTokenResponse: normalizeStackExchange,
    },
    options,
  );
}
