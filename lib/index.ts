// Module
export { AuthCodeFlowModule, type AuthCodeFlowModuleAsyncOptions } from './auth-code-flow.module.js';
export type { AuthCodeFlowOptionsFactory } from './auth-code-flow.module-definition.js';
export type {
  AuthCodeFlowGuardClass,
  AuthCodeFlowModuleOptions,
  RoutesOptions,
  TokensEvent,
  TokenTransportName,
} from './interfaces/auth-code-flow-module-options.interface.js';
export type { AuthCodeFlowRequest } from './interfaces/auth-code-flow-request.interface.js';
export { STATE_STORE, TOKEN_STORE } from './auth-code-flow.constants.js';

// Routes
export { AuthCodeFlowGuard } from './http/auth-code-flow.guard.js';
export { AuthCodeFlowExceptionFilter } from './http/auth-code-flow.exception-filter.js';
export type { FlowErrorBody } from './http/error-response.js';

// Flow managers
export {
  FlowManager,
  type CreateAuthorizationUrlOptions,
  type HandleCallbackOptions,
} from './flow-manager/flow-manager.js';
export type { EndSessionUrlOptions } from './flow-manager/end-session-url.js';
export { FlowManagerRegistry } from './flow-manager/flow-manager.registry.js';
export { InjectFlowManager, getFlowManagerToken } from './flow-manager/flow-manager.tokens.js';
export type {
  ClientAssertionAlgorithm,
  ClientAuthMethod,
  FlowManagerOptions,
} from './interfaces/flow-manager-options.interface.js';
export type { ClientJwks } from './flow-manager/client-assertion.js';
export type { TokenSet } from './interfaces/token-set.interface.js';

// Token request transport
export { TOKEN_HTTP_TRANSPORT } from './auth-code-flow.constants.js';
export { TokenHttpFailure, type TokenHttpFailureKind } from './transport/token-http-failure.js';
export type {
  TokenHttpGetRequest,
  TokenHttpRequest,
  TokenHttpResponse,
  TokenHttpTransport,
} from './interfaces/token-http-transport.interface.js';
export { NodeHttpTokenTransport } from './transport/node-http.transport.js';
export { HttpServiceTokenTransport, type HttpServiceLike } from './transport/http-service.transport.js';

// Stores
export type { PendingAuthorization, StateStore } from './interfaces/state-store.interface.js';
export type { TokenStore } from './interfaces/token-store.interface.js';
export { InMemoryStateStore, type InMemoryStateStoreOptions } from './stores/in-memory-state.store.js';
export { InMemoryTokenStore } from './stores/in-memory-token.store.js';

// Errors
export {
  AuthCodeFlowConfigError,
  AuthCodeFlowError,
  AuthorizationError,
  DiscoveryError,
  EndpointNotConfiguredError,
  IdTokenValidationError,
  InvalidArgumentError,
  InvalidCallbackError,
  InvalidStateError,
  NotConnectedError,
  StateStoreFullError,
  StoreUnavailableError,
  TokenEndpointError,
  TokenRequestError,
  UnknownProviderError,
  type DiscoveryFailureReason,
  type IdTokenValidationReason,
  type InvalidArgumentCode,
  type InvalidCallbackReason,
  type InvalidStateReason,
  type TokenEndpointFailure,
} from './auth-code-flow.errors.js';
export { UserInfoError, type UserInfoFailureReason } from './userinfo.errors.js';
export { PushedAuthorizationError, type PushedAuthorizationFailure } from './pushed-authorization.errors.js';
export { ReauthorizationRequiredError, type ReauthorizationReason } from './reauthorization.errors.js';

// Utilities
export { sanitizeReturnTo } from './utils/return-to.util.js';

// Presets
export {
  atlassian,
  discord,
  dropbox,
  entraId,
  facebook,
  github,
  gitlab,
  google,
  linkedin,
  reddit,
  slack,
  slackOpenId,
  spotify,
  stackExchange,
  twitch,
  x,
  type DropboxPresetOptions,
  type EntraIdPresetOptions,
  type FacebookPresetOptions,
  type GooglePresetOptions,
  type PresetOptions,
  type RedditPresetOptions,
  type SlackPresetOptions,
} from './providers/index.js';

// Redis stores
export { RedisStateStore, type RedisStateStoreOptions } from './stores/redis-state.store.js';
export {
  RedisTokenStore,
  type RedisTokenStoreOptions,
  type UnreadableTokenReason,
  type UnreadableTokenValueEvent,
} from './stores/redis-token.store.js';
export type { RedisClient, RedisStoreOptions } from './stores/redis-store.util.js';
export type { RefreshLock } from './interfaces/token-store.interface.js';
export type { TokenEncryptionOptions } from './stores/token-cipher.util.js';

// PostgreSQL token store
export { PostgresTokenStore, type PostgresTokenStoreOptions } from './stores/postgres-token.store.js';
export type { PostgresPool } from './stores/postgres-store.util.js';
