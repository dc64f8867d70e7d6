import { DEFAULT_HTTP_TIMEOUT_MS, DEFAULT_STATE_TTL_SECONDS } from '../auth-code-flow.constants.js';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { INVALID_OPTIONS } from '../auth-code-flow.messages.js';
import type {
  AuthCodeFlowModuleOptions,
  TokenTransportName,
} from '../interfaces/auth-code-flow-module-options.interface.js';
import type { AuthCodeFlowRequest } from '../interfaces/auth-code-flow-request.interface.js';
import { isRecord } from '../utils/is-record.util.js';
import { asUserId } from '../utils/user-id.util.js';
import { crossProviderProblems } from './cross-provider-checks.js';
import { resolveProvider } from './provider-options.js';
import type { RegistrationFacts } from './registration-facts.interface.js';
import type {
  ResolvedModuleOptions,
  ResolvedProviderConfig,
  ResolvedRoutesOptions,
} from './resolved-options.interface.js';
import { registrationRoutesProblems, resolveRegisteredRoutes } from './routes-options.js';
import {
  knownKeys,
  objectWithMethods,
  optionalBoolean,
  optionalFunction,
  positiveInteger,
  unknownKeys,
} from './validators.util.js';

const TOKEN_TRANSPORTS: readonly TokenTransportName[] = ['node-http', 'http-service'];

const MODULE_KEYS = knownKeys<AuthCodeFlowModuleOptions>({
  providers: true,
  stateTtlSeconds: true,
  stateStore: true,
  tokenStore: true,
  routes: true,
  resolveUser: true,
  onTokens: true,
  httpTimeoutMs: true,
  tokenTransport: true,
  isGlobal: true,
});
const PROVIDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The default `resolveUser`: `request.user.id`, else `request.user.sub`, as a string. */
export function defaultResolveUser(request: AuthCodeFlowRequest): string | undefined {
  const user = request?.user;
  if (!isRecord(user)) return undefined;
  return asUserId(user.id ?? user.sub);
}

/**
 * The problems of what `forRootAsync` is given before its factory runs: the provider names and the routes'
 * `path` and `guard` (the controller is built from them at definition time). Other route fields belong in
 * the factory's `routes`.
 */
export function registrationProblems(providerNames: unknown, routes: unknown): string[] {
  const problems: string[] = [];
  const validNames =
    Array.isArray(providerNames) &&
    providerNames.length > 0 &&
    providerNames.every((name) => typeof name === 'string' && name !== '');
  if (!validNames) {
    problems.push(
      'providerNames must be a non-empty array of provider names (forRootAsync needs them before the factory runs)',
    );
  }
  registrationRoutesProblems(routes, problems);
  return problems;
}

/**
 * Validates the module options and applies the defaults. Every problem is collected, and the thrown
 * `AuthCodeFlowConfigError` names each by its path, e.g. `providers.github.redirectUri`.
 */
export function resolveOptions(options: unknown, registered: RegistrationFacts = {}): ResolvedModuleOptions {
  const problems: string[] = [];
  if (!isRecord(options))
    throw new AuthCodeFlowConfigError(['options must be an object'], INVALID_OPTIONS(['options must be an object']));
  unknownKeys(options, MODULE_KEYS, '', problems);

  const providers = resolveProviders(options.providers, registered.providerNames, problems);

  const stateTtlSeconds = positiveInteger(
    options.stateTtlSeconds,
    'stateTtlSeconds',
    DEFAULT_STATE_TTL_SECONDS,
    problems,
  );
  const httpTimeoutMs = positiveInteger(options.httpTimeoutMs, 'httpTimeoutMs', DEFAULT_HTTP_TIMEOUT_MS, problems);
  const transport = options.tokenTransport;
  const isTransport = (value: unknown) =>
    TOKEN_TRANSPORTS.includes(value as TokenTransportName) ||
    typeof (value as { post?: unknown } | null)?.post === 'function';
  if (transport !== undefined && !isTransport(transport)) {
    problems.push(
      `tokenTransport must be one of ${TOKEN_TRANSPORTS.join(', ')}, or an object with a post(request) method`,
    );
  }
  objectWithMethods(options.stateStore, 'stateStore', ['save', 'peek', 'consume'], problems);
  objectWithMethods(options.tokenStore, 'tokenStore', ['get', 'set', 'delete'], problems);
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

/** `providers`: each provider's options, and (`forRootAsync`) exactly the names the registration listed. */
function resolveProviders(
  raw: unknown,
  expectedProviderNames: readonly string[] | undefined,
  problems: string[],
): Map<string, ResolvedProviderConfig> {
  const providers = new Map<string, ResolvedProviderConfig>();
  if (!isRecord(raw) || Object.keys(raw).length === 0) {
    problems.push('providers must be an object with at least one provider');
    return providers;
  }
  for (const [name, options] of Object.entries(raw)) {
    if (!PROVIDER_NAME.test(name)) {
      problems.push(
        `providers.${name}: the provider name must be 1-64 letters, digits, "-" or "_", starting with a letter or digit`,
      );
      continue;
    }
    const resolved = resolveProvider(name, options, problems);
    if (resolved) providers.set(name, resolved);
  }
  if (expectedProviderNames) {
    const configured = Object.keys(raw);
    for (const name of expectedProviderNames) {
      if (!configured.includes(name)) problems.push(`providers.${name} is missing: it is listed in providerNames`);
    }
    for (const name of configured) {
      if (!expectedProviderNames.includes(name)) problems.push(`providers.${name} is not listed in providerNames`);
    }
  }
  return providers;
}
