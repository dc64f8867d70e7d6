import {
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_ROUTES_PATH,
  DEFAULT_SCOPE_DELIMITER,
  DEFAULT_STATE_TTL_SECONDS,
  AUTH_CODE_FLOW_GUARD_BASE,
  RESERVED_AUTHORIZATION_PARAMS,
} from '../auth-code-flow.constants.js';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { INVALID_OPTIONS } from '../auth-code-flow.messages.js';
import type {
  AuthCodeFlowGuardClass,
  AuthCodeFlowModuleOptions,
  RoutesOptions,
  TokenTransportName,
} from '../interfaces/auth-code-flow-module-options.interface.js';
import type { AuthCodeFlowRequest } from '../interfaces/auth-code-flow-request.interface.js';
import type { ClientAuthMethod, FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { isLoopbackHost, resolveEndpoint, sameOriginPath } from '../utils/url.util.js';
import type { ResolvedModuleOptions, ResolvedProviderConfig, ResolvedRoutesOptions } from './resolved-options.interface.js';

const TOKEN_TRANSPORTS: readonly TokenTransportName[] = ['node-http', 'http-service'];

const MODULE_KEYS = new Set<keyof AuthCodeFlowModuleOptions>([
  'providers', 'stateTtlSeconds', 'stateStore', 'tokenStore', 'routes', 'resolveUser', 'onTokens', 'httpTimeoutMs', 'tokenTransport', 'isGlobal',
]);
/** Every key of {@link FlowManagerOptions}: presets check their input against it too. */
export const PROVIDER_KEYS: ReadonlySet<string> = new Set<keyof FlowManagerOptions>([
  'baseUri', 'authorizationPath', 'accessTokenPath', 'clientId', 'clientSecret', 'redirectUri', 'scope', 'scopeDelimiter',
  'pkce', 'clientAuthMethod', 'postFormData', 'authorizationParams', 'issuer', 'requireIssuerParameter', 'allowUnverifiedIssuer',
  'revocationPath', 'normalizeTokenResponse', 'allowInsecureRequests', 'tokenRequestHeaders',
]);
/** Headers of token requests that the flow sets itself, or that would change how the body is framed. */
const RESERVED_TOKEN_REQUEST_HEADERS = new Set([
  'authorization', 'content-type', 'content-length', 'content-encoding', 'transfer-encoding', 'accept', 'accept-encoding', 'host', 'connection',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ROUTES_KEYS = new Set<keyof RoutesOptions>(['path', 'successRedirect', 'failureRedirect', 'allowAnonymous', 'guards', 'guard']);
/** What `forRootAsync` needs of the routes before its factory runs. */
const REGISTRATION_ROUTES_KEYS = new Set<keyof RoutesOptions>(['path', 'guard']);
const GUARD_PROBLEM = 'routes.guard must be AuthCodeFlowGuard or a class that extends it (the app\'s other guards go in routes.guards)';
const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_post', 'client_secret_basic', 'none'];
const PROVIDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ROUTE_PATH = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

/** The default `resolveUser`: `request.user.id`, else `request.user.sub`, as a string. */
export function defaultResolveUser(request: AuthCodeFlowRequest): string | undefined {
  const user = request?.user;
  if (typeof user !== 'object' || user === null) return undefined;
  const { id, sub } = user as { id?: unknown; sub?: unknown };
  const value = id ?? sub;
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

/** What the module registered before the options were known (`forRootAsync`): they must agree. */
export interface RegistrationFacts {
  providerNames?: readonly string[];
  /** The controller's prefix, or false when no controller was registered. */
  routesPath?: string | false;
  /** The guard class the controller was registered with (`forRootAsync`'s `routes.guard`). */
  routesGuard?: RoutesOptions['guard'];
}

/** Whether `value` is `AuthCodeFlowGuard` or a class that extends it. */
export function isAuthCodeFlowGuardClass(value: unknown): value is AuthCodeFlowGuardClass {
  return typeof value === 'function' && typeof (value as Partial<AuthCodeFlowGuardClass>)[AUTH_CODE_FLOW_GUARD_BASE] === 'function';
}

/** A guard class as the resolved options keep it: undefined for `AuthCodeFlowGuard` itself. */
function customGuard(guard: AuthCodeFlowGuardClass | undefined): AuthCodeFlowGuardClass | undefined {
  return guard === undefined || guard[AUTH_CODE_FLOW_GUARD_BASE] === guard ? undefined : guard;
}

const guardName = (guard: AuthCodeFlowGuardClass | undefined) => guard?.name ?? 'AuthCodeFlowGuard';

/**
 * The problems of what `forRootAsync` is given before its factory runs: the provider names and the routes'
 * `path` and `guard` (the controller is built from them at definition time). Other route fields belong in
 * the factory's `routes`.
 */
export function registrationProblems(providerNames: unknown, routes: unknown): string[] {
  const problems: string[] = [];
  const validNames =
    Array.isArray(providerNames) && providerNames.length > 0 && providerNames.every((name) => typeof name === 'string' && name !== '');
  if (!validNames) {
    problems.push('providerNames must be a non-empty array of provider names (forRootAsync needs them before the factory runs)');
  }
  if (routes === undefined || routes === false) return problems;
  if (!isRecord(routes)) {
    problems.push('routes (forRootAsync) must be false or an object with path and guard');
    return problems;
  }
  for (const key of Object.keys(routes)) {
    if (!REGISTRATION_ROUTES_KEYS.has(key as keyof RoutesOptions)) {
      problems.push(
        ROUTES_KEYS.has(key as keyof RoutesOptions)
          ? `routes.${key}: forRootAsync's routes take only path and guard; give ${key} in the factory's routes`
          : `routes.${key} is not a known option${suggestion(key, REGISTRATION_ROUTES_KEYS)}`,
      );
    }
  }
  if (routes.path !== undefined) routePath(routes.path, problems);
  if (routes.guard !== undefined && !isAuthCodeFlowGuardClass(routes.guard)) problems.push(GUARD_PROBLEM);
  return problems;
}

/**
 * Validates the module options and applies the defaults. Every problem is collected, and the thrown
 * `AuthCodeFlowConfigError` names each by its path, e.g. `providers.github.redirectUri`.
 */
export function resolveOptions(options: unknown, registered: RegistrationFacts = {}): ResolvedModuleOptions {
  const expectedProviderNames = registered.providerNames;
  const problems: string[] = [];
  if (!isRecord(options)) throw new AuthCodeFlowConfigError(['options must be an object'], INVALID_OPTIONS(['options must be an object']));
  unknownKeys(options, MODULE_KEYS, '', problems);

  const providers = new Map<string, ResolvedProviderConfig>();
  if (!isRecord(options.providers) || Object.keys(options.providers).length === 0) {
    problems.push('providers must be an object with at least one provider');
  } else {
    for (const [name, raw] of Object.entries(options.providers)) {
      if (!PROVIDER_NAME.test(name)) {
        problems.push(`providers.${name}: the provider name must be 1-64 letters, digits, "-" or "_", starting with a letter or digit`);
        continue;
      }
      const resolved = resolveProvider(name, raw, problems);
      if (resolved) providers.set(name, resolved);
    }
    if (expectedProviderNames) {
      const configured = Object.keys(options.providers);
      for (const name of expectedProviderNames) {
        if (!configured.includes(name)) problems.push(`providers.${name} is missing: it is listed in providerNames`);
      }
      for (const name of configured) {
        if (!expectedProviderNames.includes(name)) problems.push(`providers.${name} is not listed in providerNames`);
      }
    }
  }

  const stateTtlSeconds = positiveInteger(options.stateTtlSeconds, 'stateTtlSeconds', DEFAULT_STATE_TTL_SECONDS, problems);
  const httpTimeoutMs = positiveInteger(options.httpTimeoutMs, 'httpTimeoutMs', DEFAULT_HTTP_TIMEOUT_MS, problems);
  const transport = options.tokenTransport;
  if (transport !== undefined && !TOKEN_TRANSPORTS.includes(transport as TokenTransportName) && typeof (transport as { post?: unknown } | null)?.post !== 'function') {
    problems.push(`tokenTransport must be one of ${TOKEN_TRANSPORTS.join(', ')}, or an object with a post(request) method`);
  }
  storeShape(options.stateStore, 'stateStore', ['save', 'peek', 'consume'], problems);
  storeShape(options.tokenStore, 'tokenStore', ['get', 'set', 'delete'], problems);
  optionalFunction(options.resolveUser, 'resolveUser', problems);
  optionalFunction(options.onTokens, 'onTokens', problems);
  optionalBoolean(options.isGlobal, 'isGlobal', problems);
  const routes = resolveRegisteredRoutes(options.routes, registered, problems);
  crossProviderProblems(providers, routes, problems);

  if (problems.length > 0) throw new AuthCodeFlowConfigError(problems, INVALID_OPTIONS(problems));
  return {
    providers,
    stateTtlSeconds,
    httpTimeoutMs,
    tokenTransport: transport as ResolvedModuleOptions['tokenTransport'],
    stateStore: options.stateStore as ResolvedModuleOptions['stateStore'],
    tokenStore: options.tokenStore as ResolvedModuleOptions['tokenStore'],
    resolveUser: (options.resolveUser as ResolvedModuleOptions['resolveUser']) ?? defaultResolveUser,
    onTokens: options.onTokens as ResolvedModuleOptions['onTokens'],
    routes: routes as ResolvedRoutesOptions | false,
  };
}

function resolveProvider(name: string, raw: unknown, problems: string[]): ResolvedProviderConfig | undefined {
  const at = `providers.${name}`;
  if (!isRecord(raw)) {
    problems.push(`${at} must be an object`);
    return undefined;
  }
  const before = problems.length;
  unknownKeys(raw, PROVIDER_KEYS, `${at}.`, problems);
  const allowInsecure = optionalBoolean(raw.allowInsecureRequests, `${at}.allowInsecureRequests`, problems) ?? false;

  const baseUri = endpointUrl(raw.baseUri, `${at}.baseUri`, allowInsecure, problems);
  const authorizationPath = requiredString(raw.authorizationPath, `${at}.authorizationPath`, problems);
  const accessTokenPath = requiredString(raw.accessTokenPath, `${at}.accessTokenPath`, problems);
  const revocationPath = optionalString(raw.revocationPath, `${at}.revocationPath`, problems);
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
  const issuer = optionalString(raw.issuer, `${at}.issuer`, problems);
  const requireIssuerParameter = optionalBoolean(raw.requireIssuerParameter, `${at}.requireIssuerParameter`, problems) ?? false;
  if (requireIssuerParameter && issuer === undefined) problems.push(`${at}.requireIssuerParameter needs ${at}.issuer`);
  const allowUnverifiedIssuer = optionalBoolean(raw.allowUnverifiedIssuer, `${at}.allowUnverifiedIssuer`, problems) ?? false;
  if (allowUnverifiedIssuer && issuer !== undefined) {
    problems.push(`${at}.allowUnverifiedIssuer cannot be combined with ${at}.issuer: with an issuer, every iss is checked against it`);
  }
  optionalFunction(raw.normalizeTokenResponse, `${at}.normalizeTokenResponse`, problems);

  let clientAuthMethod: ClientAuthMethod = clientSecret === undefined ? 'none' : 'client_secret_post';
  if (raw.clientAuthMethod !== undefined) {
    if (!CLIENT_AUTH_METHODS.includes(raw.clientAuthMethod as ClientAuthMethod)) {
      problems.push(`${at}.clientAuthMethod must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
    } else {
      clientAuthMethod = raw.clientAuthMethod as ClientAuthMethod;
      if (clientAuthMethod !== 'none' && clientSecret === undefined) {
        problems.push(`${at}.clientSecret is required with clientAuthMethod ${clientAuthMethod}`);
      }
    }
  }

  const authorizationParams = stringRecord(raw.authorizationParams, `${at}.authorizationParams`, problems, (key, value) => {
    if (typeof value !== 'string') return 'must be a string';
    if (RESERVED_AUTHORIZATION_PARAMS.has(key)) return 'is set by the flow manager and cannot be configured';
    return undefined;
  });
  const tokenRequestHeaders = stringRecord(raw.tokenRequestHeaders, `${at}.tokenRequestHeaders`, problems, (name, value) => {
    if (!HEADER_NAME.test(name)) return 'is not a valid header name';
    if (RESERVED_TOKEN_REQUEST_HEADERS.has(name.toLowerCase())) return 'is set by the flow manager and cannot be configured';
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) return 'must be a string without line breaks';
    return undefined;
  });

  const endpoint = (path: string | undefined, field: string) => {
    if (baseUri === undefined || path === undefined) return undefined;
    return endpointUrl(resolveEndpoint(baseUri, path), `${at}.${field}`, allowInsecure, problems);
  };
  const authorizationEndpoint = endpoint(authorizationPath, 'authorizationPath');
  const tokenEndpoint = endpoint(accessTokenPath, 'accessTokenPath');
  const revocationEndpoint = endpoint(revocationPath, 'revocationPath');

  if (problems.length > before) return undefined;
  return {
    name,
    authorizationEndpoint: authorizationEndpoint!,
    tokenEndpoint: tokenEndpoint!,
    revocationEndpoint,
    clientId: clientId!,
    clientSecret,
    clientAuthMethod,
    redirectUri: redirectUri!,
    scope,
    pkce,
    postFormData,
    authorizationParams,
    issuer,
    requireIssuerParameter,
    allowUnverifiedIssuer,
    normalizeTokenResponse: raw.normalizeTokenResponse as ResolvedProviderConfig['normalizeTokenResponse'],
    tokenRequestHeaders,
  };
}

/**
 * The routes: `forRootAsync` registered its controller (prefix and guard) before the factory ran, so an unset
 * `routes.path`/`routes.guard` follows that registration and a different one is a mistake. The factory may
 * still turn registered routes off: they then answer 404.
 */
function resolveRegisteredRoutes(
  raw: unknown,
  registered: RegistrationFacts,
  problems: string[],
): ResolvedRoutesOptions | false | undefined {
  const { routesPath, routesGuard } = registered;
  if (routesPath === false) {
    if (raw === undefined || raw === false) return false;
    const routes = resolveRoutes(raw, { path: DEFAULT_ROUTES_PATH }, problems);
    if (routes !== undefined) problems.push('routes: the module was registered with routes: false, so the factory cannot enable them');
    return routes;
  }
  const routes = resolveRoutes(raw, { path: routesPath ?? DEFAULT_ROUTES_PATH, guard: routesGuard }, problems);
  if (routesPath === undefined || !routes) return routes;
  if (routes.path !== routesPath) {
    problems.push(
      `routes: the factory's routes (path "${routes.path}") differ from the registration's (path "${routesPath}"); ` +
        'give forRootAsync the same routes',
    );
  }
  const registeredGuard = customGuard(routesGuard);
  if (routes.guard !== registeredGuard) {
    problems.push(
      `routes.guard: the factory's guard (${guardName(routes.guard)}) differs from the registration's (${guardName(registeredGuard)}); ` +
        "give it with forRootAsync's routes",
    );
  }
  return routes;
}

function resolveRoutes(
  raw: unknown,
  defaults: { path: string; guard?: RoutesOptions['guard'] },
  problems: string[],
): ResolvedRoutesOptions | false | undefined {
  if (raw === false) return false;
  if (raw !== undefined && !isRecord(raw)) {
    problems.push('routes must be false or an object');
    return undefined;
  }
  const routes = raw ?? {};
  unknownKeys(routes, ROUTES_KEYS, 'routes.', problems);
  const path = routes.path === undefined ? defaults.path : (routePath(routes.path, problems) ?? defaults.path);
  let guard = customGuard(defaults.guard);
  if (routes.guard !== undefined) {
    if (isAuthCodeFlowGuardClass(routes.guard)) guard = customGuard(routes.guard);
    else problems.push(GUARD_PROBLEM);
  }
  const successRedirect = redirectTarget(routes.successRedirect, 'routes.successRedirect', problems) ?? '/';
  const failureRedirect = redirectTarget(routes.failureRedirect, 'routes.failureRedirect', problems);
  const allowAnonymous = optionalBoolean(routes.allowAnonymous, 'routes.allowAnonymous', problems) ?? false;
  let guards: ResolvedRoutesOptions['guards'] = [];
  if (routes.guards !== undefined) {
    if (!Array.isArray(routes.guards) || routes.guards.some((guard) => typeof guard !== 'function' && !(isRecord(guard) && typeof guard.canActivate === 'function'))) {
      problems.push('routes.guards must be an array of guard classes or guard instances');
    } else {
      guards = routes.guards;
    }
  }
  return { path, successRedirect, failureRedirect, allowAnonymous, guards, guard };
}

/** A route prefix without its outer slashes, or undefined (and a problem) when it is not one. */
function routePath(value: unknown, problems: string[]): string | undefined {
  const trimmed = typeof value === 'string' ? value.replace(/^\/+|\/+$/g, '') : undefined;
  if (trimmed !== undefined && ROUTE_PATH.test(trimmed)) return trimmed;
  problems.push('routes.path must be a path of letters, digits, "-", "_" and "/"');
  return undefined;
}

/**
 * What no single provider's options show: two providers sharing a redirect URI, and (with the built-in
 * routes) a redirect URI that leads to another provider's callback route. Either way the provider sends the
 * browser to a callback that refuses the state (`wrong_provider`), after the user consented.
 */
function crossProviderProblems(
  providers: ReadonlyMap<string, ResolvedProviderConfig>,
  routes: ResolvedRoutesOptions | false | undefined,
  problems: string[],
): void {
  const byUri = new Map<string, string[]>();
  for (const { name, redirectUri } of providers.values()) {
    const href = new URL(redirectUri).href;
    byUri.set(href, [...(byUri.get(href) ?? []), name]);
  }
  for (const [href, [first, ...others]] of byUri) {
    for (const name of others) {
      problems.push(
        `providers.${name}.redirectUri is the same as providers.${first}.redirectUri (${href}): ` +
          'each provider needs its own redirect URI, or its callback cannot be told apart',
      );
    }
  }
  if (!routes) return;
  for (const [href, names] of byUri) {
    // A shared redirect URI is reported above already.
    if (names.length > 1) continue;
    const name = names[0]!;
    const target = callbackRouteProvider(new URL(href).pathname, routes.path);
    if (target !== undefined && target !== name && providers.has(target)) {
      problems.push(
        `providers.${name}.redirectUri leads to /${routes.path}/${target}/callback, the callback route of provider "${target}", ` +
          `which refuses ${name}'s states; use /${routes.path}/${name}/callback`,
      );
    }
  }
}

/**
 * The provider segment when `pathname` ends in the built-in callback route `/{routesPath}/{provider}/callback`
 * (a global prefix or a proxy may come before it). The fixed segments match case-insensitively, as Express routes.
 */
function callbackRouteProvider(pathname: string, routesPath: string): string | undefined {
  const segments = pathname.split('/').map(decodeSegment);
  if (segments.at(-1) === '') segments.pop();
  const prefix = routesPath.split('/');
  const start = segments.length - prefix.length - 2;
  if (start < 1 || segments.at(-1)?.toLowerCase() !== 'callback') return undefined;
  if (prefix.some((segment, i) => segments[start + i]?.toLowerCase() !== segment.toLowerCase())) return undefined;
  return segments[segments.length - 2];
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** An optional object of strings; `problemOf` names what is wrong with one entry, if anything. */
function stringRecord(
  value: unknown,
  path: string,
  problems: string[],
  problemOf: (key: string, value: unknown) => string | undefined,
): Readonly<Record<string, string>> {
  const result: Record<string, string> = {};
  if (value === undefined) return result;
  if (!isRecord(value)) {
    problems.push(`${path} must be an object of strings`);
    return result;
  }
  for (const [key, entry] of Object.entries(value)) {
    const problem = problemOf(key, entry);
    if (problem) problems.push(`${path}.${key.slice(0, 64)} ${problem}`);
    else result[key] = entry as string;
  }
  return Object.freeze(result);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function unknownKeys(value: Record<string, unknown>, known: ReadonlySet<string>, prefix: string, problems: string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) problems.push(`${prefix}${key.slice(0, 64)} is not a known option${suggestion(key, known)}`);
  }
}

/** ` (did you mean clientId?)` for a key that differs from a known one only in case, `-` or `_`. */
function suggestion(key: string, known: ReadonlySet<string>): string {
  const folded = foldKey(key);
  for (const candidate of known) if (foldKey(candidate) === folded) return ` (did you mean ${candidate}?)`;
  return '';
}

function foldKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function requiredString(value: unknown, path: string, problems: string[]): string | undefined {
  if (value === undefined || value === null || value === '') {
    problems.push(`${path} is required`);
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push(`${path} must be a non-empty string`);
    return undefined;
  }
  return value;
}

function optionalString(value: unknown, path: string, problems: string[]): string | undefined {
  return value === undefined ? undefined : requiredString(value, path, problems);
}

function optionalBoolean(value: unknown, path: string, problems: string[]): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  problems.push(`${path} must be true or false`);
  return undefined;
}

function optionalFunction(value: unknown, path: string, problems: string[]): void {
  if (value !== undefined && typeof value !== 'function') problems.push(`${path} must be a function`);
}

function positiveInteger(value: unknown, path: string, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  problems.push(`${path} must be a positive integer`);
  return fallback;
}

function storeShape(value: unknown, path: string, methods: readonly string[], problems: string[]): void {
  if (value === undefined) return;
  const missing = isRecord(value) ? methods.filter((method) => typeof value[method] !== 'function') : methods;
  if (missing.length > 0) problems.push(`${path} must implement ${methods.join(', ')} (missing: ${missing.join(', ')})`);
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** An endpoint the client sends secrets to: https, or http on loopback, unless explicitly allowed. */
function endpointUrl(value: unknown, path: string, allowInsecure: boolean, problems: string[]): string | undefined {
  const text = requiredString(value, path, problems);
  if (text === undefined) return undefined;
  const url = parseUrl(text);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    problems.push(`${path} must be an absolute http(s) URL`);
    return undefined;
  }
  if (url.protocol === 'http:' && !allowInsecure && !isLoopbackHost(url.hostname)) {
    problems.push(`${path} must use https (plain http is allowed for localhost only, or with allowInsecureRequests)`);
    return undefined;
  }
  if (url.hash || text.includes('#')) {
    problems.push(`${path} must not contain a fragment`);
    return undefined;
  }
  return url.href;
}

/**
 * The redirect URI is compared exactly by the provider (RFC 9700 §4.1.3): absolute http(s), no fragment; and
 * https off loopback, since the code travels in it (RFC 6749 §3.1.2.1, RFC 9700 §4.1.1).
 */
function redirectUrl(value: unknown, path: string, allowInsecure: boolean, problems: string[]): string | undefined {
  const text = requiredString(value, path, problems);
  if (text === undefined) return undefined;
  const url = parseUrl(text);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    problems.push(`${path} must be an absolute http(s) URL`);
    return undefined;
  }
  if (url.protocol === 'http:' && !allowInsecure && !isLoopbackHost(url.hostname)) {
    problems.push(
      `${path} must use https (plain http is allowed for localhost only, or with allowInsecureRequests): the code would travel in clear text`,
    );
    return undefined;
  }
  if (url.hash || text.includes('#')) {
    problems.push(`${path} must not contain a fragment (RFC 6749 §3.1.2)`);
    return undefined;
  }
  return text;
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

/** A relative path (`/…`) or an absolute http(s) URL. */
function redirectTarget(value: unknown, path: string, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  // Kept in the URL parser's form: spaces and non-ASCII percent-encoded, as a Location header needs them.
  if (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')) {
    const path = sameOriginPath(value);
    if (path !== undefined) return path;
  } else if (typeof value === 'string') {
    const url = parseUrl(value);
    if (url && (url.protocol === 'https:' || url.protocol === 'http:')) return url.href;
  }
  problems.push(`${path} must be a same-origin path starting with "/" or an absolute http(s) URL`);
  return undefined;
}
