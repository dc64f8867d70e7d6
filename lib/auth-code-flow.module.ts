import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { DEFAULT_ROUTES_PATH, STATE_STORE, TOKEN_STORE } from './auth-code-flow.constants.js';
import { AuthCodeFlowConfigError } from './auth-code-flow.errors.js';
import { INVALID_OPTIONS } from './auth-code-flow.messages.js';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableAuthCodeFlowModule,
  OPTIONS_TYPE,
} from './auth-code-flow.module-definition.js';
import { FlowManagerRegistry } from './flow-manager/flow-manager.registry.js';
import { getFlowManagerToken } from './flow-manager/flow-manager.tokens.js';
import { createAuthCodeFlowController } from './http/auth-code-flow.controller.js';
import { AuthCodeFlowGuard } from './http/auth-code-flow.guard.js';
import { createClientJwksController } from './http/client-jwks.controller.js';
import type { AuthCodeFlowGuardClass, RoutesOptions } from './interfaces/auth-code-flow-module-options.interface.js';
import type { RegistrationFacts } from './options/registration-facts.interface.js';
import { registrationProblems } from './options/resolve-options.util.js';
import { isAuthCodeFlowGuardClass } from './options/routes-options.js';
import { createAuthCodeFlowProviders } from './auth-code-flow.providers.js';
import { isRecord } from './utils/is-record.util.js';
import { trimSlashes } from './utils/url.util.js';

export type AuthCodeFlowModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE & {
  /**
   * The provider names the factory will configure, known now so that each gets its injection token
   * (`@InjectFlowManager(name)`); the factory's `providers` must have exactly these keys.
   */
  providerNames: readonly string[];
  /**
   * Whether and where the built-in routes are registered, and their guard class, known before the factory
   * runs (controllers are registered at definition time). The factory's `routes` may leave `path` and
   * `guard` out, or repeat them; it may also be `false`, and the registered routes then answer 404.
   * Its other route fields apply.
   * @default { path: 'oauth' }
   */
  routes?: false | Pick<RoutesOptions, 'path' | 'guard'>;
};

/** `forRoot`'s options: the module options, all known now. */
export type AuthCodeFlowModuleSyncOptions = typeof OPTIONS_TYPE & {
  /** Only `forRootAsync` takes `providerNames`: `forRoot` reads the names from `providers`. */
  providerNames?: never;
};

/**
 * The builder's module class with its static methods hidden from the type checker: they are called with this
 * class as `this` below. The builder types its extras as optional, so a subclass whose `forRootAsync` requires
 * `providerNames` could not override its methods.
 */
const ConfigurableModuleBase: Type<object> = ConfigurableAuthCodeFlowModule;

/** The controller a registration asks for: its prefix and guard class, or none. */
type RegisteredRoutes = false | { path: string; guard: AuthCodeFlowGuardClass };

/**
 * OAuth 2.0 authorization code flow for Nest: one injectable `FlowManager` per provider, a state store,
 * a token store, and the guard-protected authorize and callback routes.
 */
@Module({})
export class AuthCodeFlowModule extends ConfigurableModuleBase {
  static forRoot(options: AuthCodeFlowModuleSyncOptions): DynamicModule {
    const providers = options?.providers;
    const names = isRecord(providers) ? Object.keys(providers) : [];
    const definition = ConfigurableAuthCodeFlowModule.forRoot.call(this, options);
    return withFlowManagers(definition, names, {}, registeredRoutes(options?.routes));
  }

  static forRootAsync(options: AuthCodeFlowModuleAsyncOptions): DynamicModule {
    const problems = registrationProblems(options?.providerNames, options?.routes);
    if (problems.length > 0) throw new AuthCodeFlowConfigError(problems, INVALID_OPTIONS(problems));
    const routes = registeredRoutes(options.routes);
    const registered: RegistrationFacts = {
      providerNames: options.providerNames,
      routesPath: routes === false ? false : routes.path,
      routesGuard: routes === false ? undefined : routes.guard,
    };
    const definition = ConfigurableAuthCodeFlowModule.forRootAsync.call(this, options);
    return withFlowManagers(definition, options.providerNames, registered, routes);
  }
}

/** The controller a `routes` value asks for; invalid values are reported by option validation. */
function registeredRoutes(routes: unknown): RegisteredRoutes {
  if (routes === false) return false;
  const { path, guard } = (routes ?? {}) as RoutesOptions;
  return {
    path: typeof path === 'string' ? trimSlashes(path) : DEFAULT_ROUTES_PATH,
    guard: isAuthCodeFlowGuardClass(guard) ? guard : AuthCodeFlowGuard,
  };
}

function withFlowManagers(
  definition: DynamicModule,
  names: readonly string[],
  registered: RegistrationFacts,
  routes: RegisteredRoutes,
): DynamicModule {
  return {
    ...definition,
    controllers:
      routes === false
        ? []
        : [createAuthCodeFlowController(routes.path, routes.guard), createClientJwksController(routes.path)],
    providers: [...(definition.providers ?? []), ...createAuthCodeFlowProviders(names, registered)],
    exports: [FlowManagerRegistry, STATE_STORE, TOKEN_STORE, ...[...new Set(names)].map(getFlowManagerToken)],
  };
}
