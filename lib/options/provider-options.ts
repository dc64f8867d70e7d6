import { DEFAULT_SCOPE_DELIMITER, RESERVED_AUTHORIZATION_PARAMS } from '../auth-code-flow.constants.js';
import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { isRecord } from '../utils/is-record.util.js';
import { isAbsoluteUrl, resolveEndpoint } from '../utils/url.util.js';
import type { ResolvedProviderConfig } from './resolved-options.interface.js';
import { resolveClientAuthentication } from './client-assertion-options.js';
import { resolveDpopOptions } from './dpop-options.js';
import { resolveIdTokenOptions } from './id-token-options.js';
import { PAR_PATH, resolveParOptions } from './par-options.js';
import {
  endpointUrl,
  knownKeys,
  optionalBoolean,
  optionalFunction,
  optionalString,
  redirectUrl,
  requiredString,
  stringRecord,
  unknownKeys,
} from './validators.util.js';

/** Every key of {@link FlowManagerOptions}: presets check their input against it too. */
export const PROVIDER_KEYS = knownKeys<FlowManagerOptions>({
  baseUri: true,
  authorizationPath: true,
  accessTokenPath: true,
  clientId: true,
  clientSecret: true,
  redirectUri: true,
  scope: true,
  scopeDelimiter: true,
  pkce: true,
  clientAuthMethod: true,
  clientPrivateKey: true,
  clientAssertionAlgorithm: true,
  clientKeyId: true,
  clientAssertionAudience: true,
  postFormData: true,
  authorizationParams: true,
  issuer: true,
  requireIssuerParameter: true,
  allowUnverifiedIssuer: true,
  revocationPath: true,
  jwksPath: true,
  userInfoPath: true,
  endSessionPath: true,
  idTokenSigningAlgorithms: true,
  idTokenIssuer: true,
  clockToleranceSeconds: true,
  normalizeTokenResponse: true,
  allowInsecureRequests: true,
  tokenRequestHeaders: true,
  discovery: true,
  pushedAuthorizationRequests: true,
  pushedAuthorizationRequestPath: true,
  dpop: true,
  dpopBindAuthorizationCode: true,
  requireDpopBoundTokens: true,
});

/** Headers of token requests that the flow sets itself, or that would change how the body is framed. */
const RESERVED_TOKEN_REQUEST_HEADERS = new Set([
  'authorization',
  'content-type',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'accept',
  'accept-encoding',
  'host',
  'connection',
  'dpop',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Endpoints that are optional, and that discovery fills when they are not configured. */
const OPTIONAL_PATHS = ['revocationPath', 'jwksPath', 'userInfoPath', 'endSessionPath'] as const;

/** One provider's options (`providers.{name}`) checked, with the defaults applied and the endpoints resolved. */
export function resolveProvider(name: string, raw: unknown, problems: string[]): ResolvedProviderConfig | undefined {
  const at = `providers.${name}`;
  if (!isRecord(raw)) {
    problems.push(`${at} must be an object`);
    return undefined;
  }
  const before = problems.length;
  unknownKeys(raw, PROVIDER_KEYS, `${at}.`, problems);
  const allowInsecure = optionalBoolean(raw.allowInsecureRequests, `${at}.allowInsecureRequests`, problems) ?? false;

  const issuer = optionalString(raw.issuer, `${at}.issuer`, problems);
  const discoveryOption = optionalBoolean(raw.discovery, `${at}.discovery`, problems);
  const missingPaths = (['authorizationPath', 'accessTokenPath'] as const).filter((key) => raw[key] === undefined);
  const discovery = issuer !== undefined && missingPaths.length > 0 && discoveryOption !== false;
  if (discoveryOption === true && issuer === undefined) problems.push(`${at}.discovery needs ${at}.issuer`);
  if (discoveryOption === false && issuer !== undefined) {
    for (const key of missingPaths) problems.push(`${at}.${key} is required when ${at}.discovery is false`);
  }
  if (discovery && issuer !== undefined) endpointUrl(issuer, `${at}.issuer`, allowInsecure, problems);
  const needsBase =
    !discovery ||
    [...OPTIONAL_PATHS, PAR_PATH, 'authorizationPath', 'accessTokenPath'].some(
      (key) => typeof raw[key] === 'string' && !isAbsoluteUrl(raw[key]),
    );
  const baseUri =
    needsBase || raw.baseUri !== undefined
      ? endpointUrl(raw.baseUri, `${at}.baseUri`, allowInsecure, problems)
      : undefined;
  const pathOption = discovery || (discoveryOption === false && issuer !== undefined) ? optionalString : requiredString;
  const authorizationPath = pathOption(raw.authorizationPath, `${at}.authorizationPath`, problems);
  const accessTokenPath = pathOption(raw.accessTokenPath, `${at}.accessTokenPath`, problems);
  const clientId = requiredString(raw.clientId, `${at}.clientId`, problems);
  const clientSecret = optionalString(raw.clientSecret, `${at}.clientSecret`, problems);
  const redirectUri = redirectUrl(raw.redirectUri, `${at}.redirectUri`, allowInsecure, problems);
  let scopeDelimiter = DEFAULT_SCOPE_DELIMITER;
  if (raw.scopeDelimiter !== undefined) {
    // A delimiter may be only whitespace (the default is a space), so it is not trimmed.
    if (typeof raw.scopeDelimiter === 'string' && raw.scopeDelimiter !== '') scopeDelimiter = raw.scopeDelimiter;
    else problems.push(`${at}.scopeDelimiter must be a non-empty string`);
  }
  const scope = scopeValue(raw.scope, `${at}.scope`, scopeDelimiter, problems);
  const pkce = optionalBoolean(raw.pkce, `${at}.pkce`, problems) ?? true;
  const postFormData = optionalBoolean(raw.postFormData, `${at}.postFormData`, problems) ?? true;
  const requireIssuerParameter =
    optionalBoolean(raw.requireIssuerParameter, `${at}.requireIssuerParameter`, problems) ?? false;
  if (requireIssuerParameter && issuer === undefined) problems.push(`${at}.requireIssuerParameter needs ${at}.issuer`);
  const allowUnverifiedIssuer =
    optionalBoolean(raw.allowUnverifiedIssuer, `${at}.allowUnverifiedIssuer`, problems) ?? false;
  if (allowUnverifiedIssuer && issuer !== undefined) {
    problems.push(
      `${at}.allowUnverifiedIssuer cannot be combined with ${at}.issuer: with an issuer, every iss is checked against it`,
    );
  }
  optionalFunction(raw.normalizeTokenResponse, `${at}.normalizeTokenResponse`, problems);

  const { clientAuthMethod, clientAssertion } = resolveClientAuthentication(raw, at, clientSecret, issuer, problems);

  const authorizationParams = stringRecord(
    raw.authorizationParams,
    `${at}.authorizationParams`,
    problems,
    (key, value) => {
      if (typeof value !== 'string') return 'must be a string';
      if (RESERVED_AUTHORIZATION_PARAMS.has(key)) return 'is set by the flow manager and cannot be configured';
      return undefined;
    },
  );
  const tokenRequestHeaders = stringRecord(
    raw.tokenRequestHeaders,
    `${at}.tokenRequestHeaders`,
    problems,
    (name, value) => {
      if (!HEADER_NAME.test(name)) return 'is not a valid header name';
      if (RESERVED_TOKEN_REQUEST_HEADERS.has(name.toLowerCase()))
        return 'is set by the flow manager and cannot be configured';
      if (typeof value !== 'string' || /[\r\n\0]/.test(value)) return 'must be a string without line breaks';
      return undefined;
    },
  );

  const endpoint = (path: string | undefined, field: string) => {
    if (path === undefined || (baseUri === undefined && !isAbsoluteUrl(path))) return undefined;
    return endpointUrl(resolveEndpoint(baseUri ?? '', path), `${at}.${field}`, allowInsecure, problems);
  };
  const authorizationEndpoint = endpoint(authorizationPath, 'authorizationPath');
  const tokenEndpoint = endpoint(accessTokenPath, 'accessTokenPath');
  const [revocationEndpoint, jwksUri, userinfoEndpoint, endSessionEndpoint] = OPTIONAL_PATHS.map((key) =>
    endpoint(optionalString(raw[key], `${at}.${key}`, problems), key),
  );
  const par = resolveParOptions(raw, at, discovery, endpoint, problems);
  const idToken = resolveIdTokenOptions(raw, at, scope, scopeDelimiter, clientSecret, problems);
  if (idToken.validate && issuer === undefined && idToken.issuer === undefined)
    problems.push(`${at}.scope includes openid, so ID tokens are validated: set ${at}.issuer (or ${at}.idTokenIssuer)`);
  if (idToken.validate && !discovery && jwksUri === undefined)
    problems.push(`${at}.scope includes openid, so ID tokens are validated: set ${at}.jwksPath, or use discovery`);

  const dpop = resolveDpopOptions(raw, at, problems);

  if (problems.length > before) return undefined;
  return {
    name,
    authorizationEndpoint: authorizationEndpoint ?? '',
    tokenEndpoint: tokenEndpoint ?? '',
    ...(discovery
      ? {
          discovery: {
            requireIssuerParameterSet: raw.requireIssuerParameter !== undefined,
            allowInsecureRequests: allowInsecure,
          },
        }
      : {}),
    revocationEndpoint,
    jwksUri,
    userinfoEndpoint,
    endSessionEndpoint,
    idToken,
    clientId: clientId!,
    clientSecret,
    clientAuthMethod,
    clientAssertion,
    redirectUri: redirectUri!,
    scope,
    pkce,
    postFormData,
    allowInsecureRequests: allowInsecure,
    authorizationParams,
    issuer,
    requireIssuerParameter,
    allowUnverifiedIssuer,
    normalizeTokenResponse: raw.normalizeTokenResponse as ResolvedProviderConfig['normalizeTokenResponse'],
    tokenRequestHeaders,
    par,
    ...(dpop === undefined ? {} : { dpop }),
  };
}

function scopeValue(value: unknown, path: string, delimiter: string, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '')) {
    return value.length === 0 ? undefined : value.join(delimiter);
  }
  problems.push(`${path} must be a string or an array of non-empty strings`);
  return undefined;
}
