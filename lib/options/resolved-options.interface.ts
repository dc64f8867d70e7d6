import type { CanActivate, Type } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import type {
  AuthCodeFlowGuardClass,
  AuthCodeFlowModuleOptions,
  TokenTransportName,
} from '../interfaces/auth-code-flow-module-options.interface.js';
import type {
  ClientAssertionAlgorithm,
  ClientAuthMethod,
  FlowManagerOptions,
} from '../interfaces/flow-manager-options.interface.js';
import type { StateStore } from '../interfaces/state-store.interface.js';
import type { TokenStore } from '../interfaces/token-store.interface.js';
import type { TokenHttpTransport } from '../interfaces/token-http-transport.interface.js';
import type { ClientAssertionKey } from './client-assertion-key.js';

/** One provider's options after validation, with defaults applied and endpoints resolved. */
export interface ResolvedProviderConfig {
  name: string;
  /** `''` while a discovering provider's metadata has not filled it (see `discovery`). */
  authorizationEndpoint: string;
  /** `''` while a discovering provider's metadata has not filled it (see `discovery`). */
  tokenEndpoint: string;
  /**
   * Set when the endpoints missing from the options come from the issuer's metadata; then `issuer` is set.
   * `requireIssuerParameterSet`: `requireIssuerParameter` was configured, so the metadata does not change it;
   * `allowInsecureRequests`: the metadata's endpoints are checked as configured ones would be.
   */
  discovery?: { requireIssuerParameterSet: boolean; allowInsecureRequests: boolean };
  revocationEndpoint?: string;
  jwksUri?: string;
  userinfoEndpoint?: string;
  endSessionEndpoint?: string;
  idToken: ResolvedIdTokenOptions;
  clientId: string;
  clientSecret?: string;
  clientAuthMethod: ClientAuthMethod;
  /** Set exactly when `clientAuthMethod` is `private_key_jwt` or `client_secret_jwt`. */
  clientAssertion?: ResolvedClientAssertion;
  redirectUri: string;
  /** Joined with the provider's delimiter. */
  scope?: string;
  pkce: boolean;
  postFormData: boolean;
  /** DANGEROUS, as configured: plain-http URLs off loopback are accepted, here and in `fetchProtectedResource`. */
  allowInsecureRequests: boolean;
  authorizationParams: Readonly<Record<string, string>>;
  issuer?: string;
  requireIssuerParameter: boolean;
  /** An `iss` is accepted unchecked when no `issuer` is configured (never together with `issuer`). */
  allowUnverifiedIssuer: boolean;
  normalizeTokenResponse?: FlowManagerOptions['normalizeTokenResponse'];
  tokenRequestHeaders: Readonly<Record<string, string>>;
  /** Pushed authorization requests (RFC 9126); absent (a config built by hand) reads as `{}`. */
  par?: ResolvedParOptions;
  /** DPoP (RFC 9449), when `dpop` is set. */
  dpop?: ResolvedDpopOptions;
}

/**
 * Pushed authorization requests (RFC 9126), as configured; with discovery, the provider's endpoints fill in
 * what is unset from the metadata at the first flow.
 */
export interface ResolvedParOptions {
  /** `pushedAuthorizationRequests`; unset: on when the metadata requires it, off without discovery. */
  enabled?: boolean;
  /** `pushedAuthorizationRequestPath` resolved; unset: the metadata's `pushed_authorization_request_endpoint`. */
  endpoint?: string;
}

/** The JWS algorithms of DPoP proofs the module signs (RFC 9449 §4.2). */
export type DpopAlgorithm = 'ES256' | 'PS256' | 'RS256' | 'EdDSA';

/** `dpop`, `dpopBindAuthorizationCode` and `requireDpopBoundTokens`, checked. */
export interface ResolvedDpopOptions {
  /** The algorithm of the proofs: ES256 for a generated key, else the given key's. */
  algorithm: DpopAlgorithm;
  /**
   * The given key, imported; undefined: each manager generates one when it starts. Not enumerable, so that
   * `JSON.stringify` of the configuration leaves it out.
   */
  readonly privateKey?: KeyObject;
  /** Send `dpop_jkt` in the authorization request (RFC 9449 §10). */
  bindAuthorizationCode: boolean;
  /** Refuse a token response whose `token_type` is not `DPoP`. */
  requireBoundTokens: boolean;
}

/** How the provider's ID tokens are checked (OpenID Connect Core §3.1.3.7). */
export interface ResolvedIdTokenOptions {
  /** The scope includes `openid`: every flow sends a nonce, and ID tokens are required and validated. */
  validate: boolean;
  /** `idTokenIssuer` as configured; `issuer` applies when it is unset. */
  issuer?: string;
  /** As configured; unset: RS256 plus the metadata's asymmetric algorithms. Never `none`. */
  algorithms?: readonly string[];
  clockToleranceSeconds: number;
}

/** How the client signs its assertions (RFC 7523 §2.2, OpenID Connect Core §9). */
export interface ResolvedClientAssertion {
  /** The private key of `private_key_jwt`; `client_secret_jwt` signs with `clientSecret`. */
  key?: ClientAssertionKey;
  /** What the assertions are signed with: the first of `algorithms`, or the metadata's pick among them. */
  algorithm: ClientAssertionAlgorithm;
  /**
   * The algorithms the key can sign with, by preference: the configured (or the JWK's) one alone, else every one
   * that fits the key, from which the metadata's `token_endpoint_auth_signing_alg_values_supported` may pick.
   */
  algorithms: readonly ClientAssertionAlgorithm[];
  /** `aud`: the issuer identifier, or the token endpoint URL. */
  audience: 'issuer' | 'token_endpoint';
}

export interface ResolvedRoutesOptions {
  path: string;
  successRedirect: string;
  failureRedirect?: string;
  allowAnonymous: boolean;
  guards: Array<Type<CanActivate> | CanActivate>;
  /** The app's subclass of `AuthCodeFlowGuard` that guards the built-in routes; undefined for the built-in guard. */
  guard?: AuthCodeFlowGuardClass;
  /** `GET {path}/:provider/jwks` answers the provider's `getClientJwks()`. */
  clientJwks: boolean;
}

export interface ResolvedModuleOptions {
  providers: ReadonlyMap<string, ResolvedProviderConfig>;
  stateTtlSeconds: number;
  stateStore?: StateStore;
  tokenStore?: TokenStore;
  /** `false`: no routes, or (`forRootAsync`) registered routes that the factory turned off and that answer 404. */
  routes: false | ResolvedRoutesOptions;
  resolveUser: NonNullable<AuthCodeFlowModuleOptions['resolveUser']>;
  onTokens?: AuthCodeFlowModuleOptions['onTokens'];
  httpTimeoutMs: number;
  /** As configured; `undefined` lets the environment decide (see `chooseTokenTransport`). */
  tokenTransport?: TokenTransportName | TokenHttpTransport;
}
