import { UnknownProviderError } from '../auth-code-flow.errors.js';
import { UNKNOWN_PROVIDER } from '../auth-code-flow.messages.js';
import type { ResolvedModuleOptions } from '../options/resolved-options.interface.js';
import { FlowManager, type FlowManagerDependencies } from './flow-manager.js';

/**
 * Every configured provider's `FlowManager`, by name. Inject it by its class (`FlowManagerRegistry`); the
 * module builds it from the validated options.
 */
export class FlowManagerRegistry {
  private readonly managers = new Map<string, FlowManager>();

  constructor(
    options: ResolvedModuleOptions,
    stores: Pick<FlowManagerDependencies, 'stateStore' | 'tokenStore' | 'tokenClient'>,
  ) {
    const dependencies: FlowManagerDependencies = {
      ...stores,
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
    if (!manager)
      throw new UnknownProviderError(
        String(name).slice(0, 64),
        UNKNOWN_PROVIDER(String(name).slice(0, 64), this.names()),
      );
    return manager;
  }

  has(name: string): boolean {
    return this.managers.has(name);
  }

  names(): string[] {
    return [...this.managers.keys()];
  }
}
