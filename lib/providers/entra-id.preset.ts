import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import {
  applyPreset,
  assertPresetInput,
  commonProblems,
  requireSecretUnlessPublic,
  type PresetOptions,
} from './preset.util.js';

export interface EntraIdPresetOptions extends PresetOptions {
  /**
   * The directory: a tenant id (GUID), a verified domain (`contoso.onmicrosoft.com`), or one of
   * `common`, `organizations`, `consumers`.
   */
  tenant: string;
}

const TENANT = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Microsoft Entra ID (formerly Azure AD), Microsoft identity platform v2.0 endpoints.
 *
 * - `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize` and `/token`; PKCE (S256);
 *   `client_secret_post`. National clouds: override `baseUri` (e.g. `https://login.microsoftonline.us`).
 * - Scopes are space-delimited; `offline_access` is needed for a refresh token.
 * - Issuer `{baseUri}/{tenant}/v2.0` when `tenant` is a tenant id: an `iss` in the callback must match it.
 *   A domain or a multi-tenant alias (`common`, `organizations`, `consumers`) has no single issuer, so none is
 *   set; Entra ID does not document `iss` in authorization responses, and should one come it is rejected
 *   (`issuer_unexpected`): use the tenant id then, or for a multi-tenant app `allowUnverifiedIssuer: true`.
 * - ID tokens (scope `openid`): verified against `{baseUri}/{tenant}/discovery/v2.0/keys`. With a domain or a
 *   multi-tenant alias their `iss` must be `{baseUri}/{tid}/v2.0`, `{tid}` being the token's own `tid` claim
 *   (`idTokenIssuer` with the `{tenantid}` placeholder, as Microsoft's metadata writes it). Userinfo at Microsoft
 *   Graph's `https://graph.microsoft.com/oidc/userinfo`; logout at `/{tenant}/oauth2/v2.0/logout`.
 * - `clientSecret` is required: a redirect URI of the "Web" platform belongs to a confidential client. A public
 *   client (a "Mobile and desktop applications" redirect URI, public client flows allowed; PKCE) only when asked
 *   for with `clientAuthMethod: 'none'`. "Single-page application" redirect URIs cannot be used from a server.
 *
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
 */
export function entraId(options: EntraIdPresetOptions): FlowManagerOptions {
  const problems = commonProblems('entraId', options, ['tenant']);
  const tenant: unknown = (options as Partial<EntraIdPresetOptions>).tenant;
  if (tenant === undefined || tenant === '')
    problems.push('tenant is required: a tenant id, a verified domain, or common, organizations or consumers');
  else if (typeof tenant !== 'string' || !TENANT.test(tenant))
    problems.push('tenant must be a tenant id (GUID), a domain name, or common, organizations or consumers');
  requireSecretUnlessPublic(options, 'Entra ID web apps authenticate with a client secret', problems);
  assertPresetInput('entraId', problems);
  const baseUri = (options.baseUri ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
  return applyPreset(
    {
      baseUri,
      authorizationPath: `/${options.tenant}/oauth2/v2.0/authorize`,
      accessTokenPath: `/${options.tenant}/oauth2/v2.0/token`,
      scopeDelimiter: ' ',
      pkce: true,
      jwksPath: `/${options.tenant}/discovery/v2.0/keys`,
      userInfoPath: 'https://graph.microsoft.com/oidc/userinfo',
      endSessionPath: `/${options.tenant}/oauth2/v2.0/logout`,
      clientAuthMethod: options.clientSecret === undefined ? 'none' : 'client_secret_post',
      ...(GUID.test(options.tenant)
        ? { issuer: `${baseUri}/${options.tenant}/v2.0` }
        : { idTokenIssuer: `${baseUri}/{tenantid}/v2.0` }),
    },
    options,
    ['tenant'],
  );
}
