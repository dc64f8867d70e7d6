import { HttpModule } from '@nestjs/axios';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { RESOLVED_OPTIONS, STATE_STORE, TOKEN_STORE } from './auth-code-flow.constants.js';
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
import type { ResolvedModuleOptions } from './options/resolved-options.interface.js';
import { resolveOptions } from './options/resolve-options.util.js';
import { InMemoryStateStore } from './stores/in-memory-state.store.js';
import { InMemoryTokenStore } from './stores/in-memory-token.store.js';

export type AuthCodeFlowModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;

/**
 * OAuth 2.0 authorization code flow for Nest: one injectable `FlowManager` per provider, a state store,
 * a token store and (issue-tracked) built-in routes.
 */
@Module({})
export class AuthCodeFlowModule extends ConfigurableAuthCodeFlowModule {
  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    const providers = options?.providers;
    const names = typeof providers === 'object' && providers !== null ? Object.keys(providers) : [];
    return withFlowManagers(super.forRoot(options), names, options?.providerNames);
  }

  static override forRootAsync(options: AuthCodeFlowModuleAsyncOptions): DynamicModule {
    const names = options?.providerNames;
    if (!Array.isArray(names) || names.length === 0 || names.some((name) => typeof name !== 'string' || name === '')) {
      const problem = 'providerNames must be a non-empty array of provider names (forRootAsync needs them before the factory runs)';
      throw new AuthCodeFlowConfigError([problem], INVALID_OPTIONS([problem]));
    }
    return withFlowManagers(super.forRootAsync(options), names, names);
  }
}

function withFlowManagers(
  definition: DynamicModule,
  names: readonly string[],
  expectedNames: readonly string[] | undefined,
): DynamicModule {
  const flowManagers: Provider[] = [...new Set(names)].map((name) => ({
    provide: getFlowManagerToken(name),
    useFactory: (registry: FlowManagerRegistry) => registry.get(name),
    inject: [FlowManagerRegistry],
  }));
  return {
    ...definition,
    imports: [...(definition.imports ?? []), HttpModule],
    providers: [
      ...(definition.providers ?? []),
      {
        // Sync and async registration share this one check, which fails the app's start-up.
        provide: RESOLVED_OPTIONS,
        useFactory: (raw: unknown) => resolveOptions(raw, expectedNames),
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
      TokenEndpointClient,
      FlowManagerRegistry,
      ...flowManagers,
    ],
    exports: [FlowManagerRegistry, STATE_STORE, TOKEN_STORE, ...flowManagers.map((provider) => (provider as { provide: string }).provide)],
  };
}
