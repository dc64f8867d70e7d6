import type { CanActivate, Type } from '@nestjs/common';
import type { AUTH_CODE_FLOW_GUARD_BASE } from '../auth-code-flow.constants.js';
import type { StateStore } from './state-store.interface.js';
import type { TokenStore } from './token-store.interface.js';
import type { TokenHttpTransport } from './token-http-transport.interface.js';
import type { AuthCodeFlowRequest } from './auth-code-flow-request.interface.js';
import type { FlowManagerOptions } from './flow-manager-options.interface.js';
import type { TokenSet } from './token-set.interface.js';

/** `AuthCodeFlowGuard` or a class that extends it (each has the static `AUTH_CODE_FLOW_GUARD_BASE` member). */
export type AuthCodeFlowGuardClass = Type<CanActivate> & { readonly [AUTH_CODE_FLOW_GUARD_BASE]: Type<CanActivate> };

/** The built-in authorize and callback routes. */
export interface RoutesOptions {
  /** Route prefix: `GET /{path}/:provider/authorize` and `GET /{path}/:provider/callback`. @default 'oauth' */
  path?: string;
  /** Where the callback sends the browser when no `returnTo` was given. @default '/' */
  successRedirect?: string;
  /** If set, failures redirect here with `?error=<code>`; otherwise they answer with a JSON error. */
  failureRedirect?: string;
  /** Without a resolved user both routes answer 401 unless this is true. @default false */
  allowAnonymous?: boolean;
  /** The app's own guards (e.g. its JWT guard), run before ours. */
  guards?: Array<Type<CanActivate> | CanActivate>;
  /**
   * A subclass of `AuthCodeFlowGuard` that guards the built-in routes instead of it, e.g. to override
   * `resolveUser` or `throwUnauthorized`. Nest creates it in the module, so its constructor takes `ModuleRef`
   * (passed on to `super`) and what the module can inject: global providers, and with `forRootAsync` what
   * its `imports` export. With `forRootAsync` it is given with the registration's `routes`.
   * @default AuthCodeFlowGuard
   */
  guard?: AuthCodeFlowGuardClass;
  /**
   * Serves each provider's `getClientJwks()` at `GET /{path}/:provider/jwks`, so that its `private_key_jwt` key can
   * be registered at the authorization server by URL (`jwks_uri`). The route is public: neither `guards` nor
   * `guard` run for it, since the server fetches it without a session. A provider without a private key answers 404.
   * @default false
   */
  clientJwks?: boolean;
}

export interface TokensEvent {
  provider: string;
  user: string | undefined;
  tokens: TokenSet;
}

/** How token, refresh and revocation requests are sent. */
export type TokenTransportName = 'node-http' | 'http-service';

export interface AuthCodeFlowModuleOptions {
  /** One entry per OAuth provider; the key is the route segment and the injection name. */
  providers: Record<string, FlowManagerOptions>;
  /** How long a pending authorization lives, in seconds. @default 600 */
  stateTtlSeconds?: number;
  /** Where pending authorizations live. @default new InMemoryStateStore() */
  stateStore?: StateStore;
  /** Where tokens live once obtained. @default new InMemoryTokenStore() */
  tokenStore?: TokenStore;
  /**
   * `false` registers no controller (with `forRootAsync` registered with routes, a factory's `false` makes
   * them answer 404 as if they were not there). @default {} (routes under /oauth)
   */
  routes?: false | RoutesOptions;
  /**
   * Who the tokens are for, from the request of the authorize or callback route. A resolver typed for
   * Express's `Request` or Fastify's `FastifyRequest` fits as it is.
   * @default request.user?.id ?? request.user?.sub, as a string
   */
  resolveUser?(request: AuthCodeFlowRequest): string | undefined | Promise<string | undefined>;
  /** Called after every successful code exchange and refresh. */
  onTokens?: (event: TokensEvent) => void | Promise<void>;
  /** Time budget of one token, refresh or revocation request, retries included. @default 10000 */
  httpTimeoutMs?: number;
  /**
   * How token, refresh and revocation requests are sent. `'node-http'`: Node's `http`/`https` directly,
   * the fastest. `'http-service'`: `HttpService` from `@nestjs/axios` with axios's own adapter, which
   * honours `HTTP(S)_PROXY`/`NO_PROXY`. Or a transport of the app's own (mutual TLS, a custom agent...).
   * @default 'node-http', or 'http-service' when an HTTP(S) proxy variable is set
   */
  tokenTransport?: TokenTransportName | TokenHttpTransport;
  /** Register the module globally. @default false */
  isGlobal?: boolean;
}
