import type { TokensEvent } from '../interfaces/auth-code-flow-module-options.interface.js';
import type { StateStore } from '../interfaces/state-store.interface.js';
import type { TokenStore } from '../interfaces/token-store.interface.js';
import type { TokenEndpointClient } from './token-endpoint.client.js';

/** What every `FlowManager` of a module registration shares: the stores, the token client and the module options it needs. */
export interface FlowManagerDependencies {
  stateStore: StateStore;
  tokenStore: TokenStore;
  tokenClient: TokenEndpointClient;
  stateTtlSeconds: number;
  httpTimeoutMs: number;
  onTokens?: (event: TokensEvent) => void | Promise<void>;
}
