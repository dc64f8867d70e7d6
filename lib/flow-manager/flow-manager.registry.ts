import { Inject, Injectable } from '@nestjs/common';
import { RESOLVED_OPTIONS, STATE_STORE, TOKEN_STORE } from '../auth-code-flow.constants.js';
import { UnknownProviderError } from '../auth-code-flow.errors.js';
import { UNKNOWN_PROVIDER } from '../auth-code-flow.messages.js';
import type { ResolvedModuleOptions } from '../options/resolved-options.interface.js';
import type { StateStore } from '../stores/state-store.interface.js';
import type { TokenStore } from '../stores/token-store.interface.js';
import { FlowManager } from './flow-manager.js';
import { TokenEndpointClient } from './token-endpoint.client.js';

/** Every configured provider's `FlowManager`, by name. */
@Injectable()
export class FlowManagerRegistry {
  private readonly managers = new Map<string, FlowManager>();

  constructor(
    @Inject(RESOLVED_OPTIONS) options: ResolvedModuleOptions,
    @Inject(STATE_STORE) stateStore: StateStore,
    @Inject(TOKEN_STORE) tokenStore: TokenStore,
    tokenClient: TokenEndpointClient,
  ) {
    const dependencies = {
      stateStore,
      tokenStore,
      tokenClient,
      stateTtlSeconds: options.stateTtlSeconds,
      httpTimeoutMs: options.httpTimeoutMs,
      onTokens: options.onTokens,
    };
    for (const [name, config] of options.providers) {
      this.managers.set(name, new FlowManager(name, config, dependencies));
    }
  }

  /** The named provider's manager; throws `UnknownProviderError` for a name that is not configured. */
  get(name: string): FlowManager {
    const manager = this.managers.get(name);
    if (!manager) throw new UnknownProviderError(String(name).slice(0, 64), UNKNOWN_PROVIDER(String(name).slice(0, 64), this.names()));
    return manager;
  }

  has(name: string): boolean {
    return this.managers.has(name);
  }

  names(): string[] {
    return [...this.managers.keys()];
  }
}
