import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { DEFAULT_ROUTES_PATH, RESOLVED_OPTIONS, STATE_STORE, TOKEN_STORE } from './auth-code-flow.constants.js';
import { AuthCodeFlowConfigError } from './auth-code-flow.errors.js';
import { INVALID_OPTIONS } from './auth-code-flow.messages.js';
import {
  ASYNC_OPTIONS_TYPE,
  AUTH_CODE_FLOW_MODULE_OPTIONS,
  ConfigurableAuthCodeFlowModule,
  OPTIONS_TYPE,
} from './auth-code-flow.module-definition.js';
import { FlowManagerRegistry } from './flow-manager/flow-manager.registry.js';
import { getFlowManagerToken } from './flow-manager/flow-manager.tokens.js';
import { TokenEndpointClient } from './flow-manager/token-endpoint.client.js';
import { tokenTransportProvider } from './transport/token-transport.provider.js';
import { createAuthCodeFlowController } from './http/auth-code-flow.controller.js';
import { AuthCodeFlowGuard } from './http/auth-code-flow.guard.js';
import type { RoutesOptions } from './interfaces/auth-code-flow-module-options.interface.js';
import type { ResolvedModuleOptions } from './options/resolved-options.interface.js';
import { resolveOptions, type RegistrationFacts } from './options/resolve-options.util.js';
import { DefaultStoresLifecycle } from './stores/default-stores.lifecycle.js';
import { InMemoryStateStore } from './stores/in-memory-state.store.js';
import { InMemoryTokenStore } from './stores/in-memory-token.store.js';

export type AuthCodeFlowModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE & {
  /**
   * Whether and where the built-in routes are registered, known before the factory runs (controllers are
   * registered at definition time). The factory's own `routes` must agree; its other route fields apply.
   * @default { path: 'oauth' }
   */
  routes?: false | Pick<RoutesOptions, 'path'>;
};

/**
 * OAuth 2.0 authorization code flow for Nest: one injectable `FlowManager` per provider, a state store,
 * a token store, and the guard-protected authorize and callback routes.
 */
@Module({})
export class AuthCodeFlowModule extends ConfigurableAuthCodeFlowModule {
  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    const providers = options?.providers;
    const names = typeof providers === 'object' && providers !== null ? Object.keys(providers) : [];
    return withFlowManagers(super.forRoot(options), names, { providerNames: options?.providerNames }, routesPathOf(options?.routes));
  }

  static override forRootAsync(options: AuthCodeFlowModuleAsyncOptions): DynamicModule {
    const names = options?.providerNames;
    if (!Array.isArray(names) || names.length === 0 || names.some((name) => typeof name !== 'string' || name === '')) {
      const problem = 'providerNames must be a non-empty array of provider names (forRootAsync needs them before the factory runs)';
      throw new AuthCodeFlowConfigError([problem], INVALID_OPTIONS([problem]));
    }
    const routesPath = routesPathOf(options.routes);
    return withFlowManagers(super.forRootAsync(options), names, { providerNames: names, routesPath }, routesPath);
  }
}

/** The controller prefix a `routes` value asks for; invalid values are reported by option validation. */
function routesPathOf(routes: unknown): string | false {
  if (routes === false) return false;
  const path = (routes as RoutesOptions | undefined)?.path;
  return typeof path === 'string' ? path.replace(/^\/+|\/+$/g, '') : DEFAULT_ROUTES_PATH;
}

function withFlowManagers(
  definition: DynamicModule,
  names: readonly string[],
  registered: RegistrationFacts,
  routesPath: string | false,
): DynamicModule {
  const flowManagerTokens = [...new Set(names)].map(getFlowManagerToken);
  const flowManagers: Provider[] = [...new Set(names)].map((name) => ({
    provide: getFlowManagerToken(name),
    useFactory: (registry: FlowManagerRegistry) => registry.get(name),
    inject: [FlowManagerRegistry],
  }));
  return {
    ...definition,
    controllers: routesPath === false ? [] : [createAuthCodeFlowController(routesPath)],
    providers: [
      ...(definition.providers ?? []),
      {
        // Sync and async registration share this one check, which fails the app's start-up.
        provide: RESOLVED_OPTIONS,
        useFactory: (raw: unknown) => resolveOptions(raw, registered),
        inject: [AUTH_CODE_FLOW_MODULE_OPTIONS],
      },
      {
        provide: STATE_STORE,
        useFactory: (options: ResolvedModuleOptions) => options.stateStore ?? new InMemoryStateStore(),
        inject: [RESOLVED_OPTIONS],
      },
      {
        provide: TOKEN_STORE,
        useFactory: (options: ResolvedModuleOptions) => options.tokenStore ?? new InMemoryTokenStore(),
        inject: [RESOLVED_OPTIONS],
      },
      DefaultStoresLifecycle,
      tokenTransportProvider,
      TokenEndpointClient,
      FlowManagerRegistry,
      AuthCodeFlowGuard,
      ...flowManagers,
    ],
    exports: [FlowManagerRegistry, STATE_STORE, TOKEN_STORE, ...flowManagerTokens],
  };
}
