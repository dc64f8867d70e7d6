import { Inject, Injectable, type OnModuleDestroy, type Provider } from '@nestjs/common';
import { RESOLVED_OPTIONS, STATE_STORE, TOKEN_HTTP_TRANSPORT, TOKEN_STORE } from './auth-code-flow.constants.js';
import { AUTH_CODE_FLOW_MODULE_OPTIONS } from './auth-code-flow.module-definition.js';
import { FlowManagerRegistry } from './flow-manager/flow-manager.registry.js';
import { getFlowManagerToken } from './flow-manager/flow-manager.tokens.js';
import { TokenEndpointClient } from './flow-manager/token-endpoint.client.js';
import { AuthCodeFlowGuard } from './http/auth-code-flow.guard.js';
import type { StateStore } from './interfaces/state-store.interface.js';
import type { TokenHttpTransport } from './interfaces/token-http-transport.interface.js';
import type { TokenStore } from './interfaces/token-store.interface.js';
import type { ResolvedModuleOptions } from './options/resolved-options.interface.js';
import type { RegistrationFacts } from './options/registration-facts.interface.js';
import { resolveOptions } from './options/resolve-options.util.js';
import { prepareClientKeys } from './options/client-assertion-options.js';
import { InMemoryStateStore } from './stores/in-memory-state.store.js';
import { InMemoryTokenStore } from './stores/in-memory-token.store.js';
import { createTokenTransport } from './transport/token-transport.factory.js';

/**
 * Every Nest provider of one module registration. The layers below know nothing of Nest's wiring or of
 * the module options: each piece is built here from the validated options.
 */
export function createAuthCodeFlowProviders(
  providerNames: readonly string[],
  registered: RegistrationFacts,
): Provider[] {
  return [
    {
      // Sync and async registration share this one check, which fails the app's start-up; the client keys are
      // imported here too, once.
      provide: RESOLVED_OPTIONS,
      useFactory: (raw: unknown) => prepareClientKeys(resolveOptions(raw, registered)),
      inject: [AUTH_CODE_FLOW_MODULE_OPTIONS],
    },
    {
      provide: STATE_STORE,
      useFactory: (options: ResolvedModuleOptions): StateStore => options.stateStore ?? new InMemoryStateStore(),
      inject: [RESOLVED_OPTIONS],
    },
    {
      provide: TOKEN_STORE,
      useFactory: (options: ResolvedModuleOptions): TokenStore => options.tokenStore ?? new InMemoryTokenStore(),
      inject: [RESOLVED_OPTIONS],
    },
    DefaultStoresLifecycle,
    {
      provide: TOKEN_HTTP_TRANSPORT,
      useFactory: (options: ResolvedModuleOptions): Promise<TokenHttpTransport> =>
        createTokenTransport(options.tokenTransport),
      inject: [RESOLVED_OPTIONS],
    },
    {
      provide: TokenEndpointClient,
      useFactory: (transport: TokenHttpTransport) => new TokenEndpointClient(transport),
      inject: [TOKEN_HTTP_TRANSPORT],
    },
    {
      provide: FlowManagerRegistry,
      useFactory: (
        options: ResolvedModuleOptions,
        stateStore: StateStore,
        tokenStore: TokenStore,
        tokenClient: TokenEndpointClient,
      ) => new FlowManagerRegistry(options, { stateStore, tokenStore, tokenClient }),
      inject: [RESOLVED_OPTIONS, STATE_STORE, TOKEN_STORE, TokenEndpointClient],
    },
    AuthCodeFlowGuard,
    ...flowManagerProviders(providerNames),
  ];
}

/** One provider per name, `getFlowManagerToken(name)`, for `@InjectFlowManager(name)`. */
export function flowManagerProviders(providerNames: readonly string[]): Provider[] {
  return [...new Set(providerNames)].map((name) => ({
    provide: getFlowManagerToken(name),
    useFactory: (registry: FlowManagerRegistry) => registry.get(name),
    inject: [FlowManagerRegistry],
  }));
}

/** Stops the sweep timer of the in-memory state store the module created itself; stores an app passes in are the app's. */
@Injectable()
export class DefaultStoresLifecycle implements OnModuleDestroy {
  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedModuleOptions,
    @Inject(STATE_STORE) private readonly stateStore: StateStore,
  ) {}

  onModuleDestroy(): void {
    if (this.options.stateStore === undefined && this.stateStore instanceof InMemoryStateStore) this.stateStore.close();
  }
}
