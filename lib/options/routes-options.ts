import { AUTH_CODE_FLOW_GUARD_BASE, DEFAULT_ROUTES_PATH } from '../auth-code-flow.constants.js';
import type { AuthCodeFlowGuardClass, RoutesOptions } from '../interfaces/auth-code-flow-module-options.interface.js';
import { isRecord } from '../utils/is-record.util.js';
import { trimSlashes } from '../utils/url.util.js';
import type { RegistrationFacts } from './registration-facts.interface.js';
import type { ResolvedRoutesOptions } from './resolved-options.interface.js';
import { knownKeys, optionalBoolean, redirectTarget, suggestion, unknownKeys } from './validators.util.js';

const ROUTES_KEYS = knownKeys<RoutesOptions>({
  path: true,
  successRedirect: true,
  failureRedirect: true,
  allowAnonymous: true,
  guards: true,
  guard: true,
  clientJwks: true,
});
/** What `forRootAsync` needs of the routes before its factory runs. */
const REGISTRATION_ROUTES_KEYS = knownKeys<Pick<RoutesOptions, 'path' | 'guard'>>({ path: true, guard: true });
const GUARD_PROBLEM =
  "routes.guard must be AuthCodeFlowGuard or a class that extends it (the app's other guards go in routes.guards)";
const ROUTE_PATH = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

/** Whether `value` is `AuthCodeFlowGuard` or a class that extends it. */
export function isAuthCodeFlowGuardClass(value: unknown): value is AuthCodeFlowGuardClass {
  return (
    typeof value === 'function' &&
    typeof (value as Partial<AuthCodeFlowGuardClass>)[AUTH_CODE_FLOW_GUARD_BASE] === 'function'
  );
}

/** A guard class as the resolved options keep it: undefined for `AuthCodeFlowGuard` itself. */
function customGuard(guard: AuthCodeFlowGuardClass | undefined): AuthCodeFlowGuardClass | undefined {
  return guard === undefined || guard[AUTH_CODE_FLOW_GUARD_BASE] === guard ? undefined : guard;
}

const guardName = (guard: AuthCodeFlowGuardClass | undefined) => guard?.name ?? 'AuthCodeFlowGuard';

/**
 * The problems of the routes `forRootAsync` is given: only `path` and `guard` (the controller is built from
 * them at definition time). Other route fields belong in the factory's `routes`.
 */
export function registrationRoutesProblems(routes: unknown, problems: string[]): void {
  if (routes === undefined || routes === false) return;
  if (!isRecord(routes)) {
    problems.push('routes (forRootAsync) must be false or an object with path and guard');
    return;
  }
  for (const key of Object.keys(routes)) {
    if (!REGISTRATION_ROUTES_KEYS.has(key)) {
      problems.push(
        ROUTES_KEYS.has(key)
          ? `routes.${key}: forRootAsync's routes take only path and guard; give ${key} in the factory's routes`
          : `routes.${key} is not a known option${suggestion(key, REGISTRATION_ROUTES_KEYS)}`,
      );
    }
  }
  if (routes.path !== undefined) routePath(routes.path, problems);
  if (routes.guard !== undefined && !isAuthCodeFlowGuardClass(routes.guard)) problems.push(GUARD_PROBLEM);
}

/**
 * The routes: `forRootAsync` registered its controller (prefix and guard) before the factory ran, so an unset
 * `routes.path`/`routes.guard` follows that registration and a different one is a mistake. The factory may
 * still turn registered routes off: they then answer 404.
 */
export function resolveRegisteredRoutes(
  raw: unknown,
  registered: RegistrationFacts,
  problems: string[],
): ResolvedRoutesOptions | false | undefined {
  const { routesPath, routesGuard } = registered;
  if (routesPath === false) {
    if (raw === undefined || raw === false) return false;
    const routes = resolveRoutes(raw, { path: DEFAULT_ROUTES_PATH }, problems);
    if (routes !== undefined)
      problems.push('routes: the module was registered with routes: false, so the factory cannot enable them');
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
  const clientJwks = optionalBoolean(routes.clientJwks, 'routes.clientJwks', problems) ?? false;
  let guards: ResolvedRoutesOptions['guards'] = [];
  if (routes.guards !== undefined) {
    const isGuard = (guard: unknown) =>
      typeof guard === 'function' || (isRecord(guard) && typeof guard.canActivate === 'function');
    if (!Array.isArray(routes.guards) || !routes.guards.every(isGuard)) {
      problems.push('routes.guards must be an array of guard classes or guard instances');
    } else {
      guards = routes.guards;
    }
  }
  return { path, successRedirect, failureRedirect, allowAnonymous, guards, guard, clientJwks };
}

/** A route prefix without its outer slashes, or undefined (and a problem) when it is not one. */
function routePath(value: unknown, problems: string[]): string | undefined {
  const trimmed = typeof value === 'string' ? trimSlashes(value) : undefined;
  if (trimmed !== undefined && ROUTE_PATH.test(trimmed)) return trimmed;
  problems.push('routes.path must be a path of letters, digits, "-", "_" and "/"');
  return undefined;
}
