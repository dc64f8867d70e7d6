import { AuthCodeFlowConfigError, DiscoveryError } from '../auth-code-flow.errors.js';
import { DISCOVERY_FAILED, INVALID_OPTIONS } from '../auth-code-flow.messages.js';
import { ProviderMetadataCache } from '../discovery/provider-metadata.cache.js';
import type { ProviderMetadata } from '../discovery/provider-metadata.js';
import { createIdTokenValidator } from '../id-token/create-id-token-validator.js';
import type { IdTokenValidator } from '../id-token/id-token.validator.js';
import { withServerAlgorithms } from '../options/client-assertion-options.js';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import { AuthorizationUrlBuilder } from './authorization-url.js';
import { boundToAnotherKey } from './dpop-binding.js';
import { DpopProver } from './dpop-prover.js';
import type { TokenEndpointClient } from './token-endpoint.client.js';
import {
  parWithMetadata,
  pushedAuthorizationRequester,
  type PushedAuthorizationRequester,
} from './pushed-authorization.js';
import { TokenGrants } from './token-grants.js';

/** What a flow needs of a provider's endpoints: the configuration with every endpoint filled, and its builders. */
export interface ProviderParts {
  config: ResolvedProviderConfig;
  authorizationUrls: AuthorizationUrlBuilder;
  /** Set when the provider's authorization requests are pushed (RFC 9126): then no URL is built without it. */
  pushedAuthorization?: PushedAuthorizationRequester;
  grants: TokenGrants;
  /** The discovered metadata, for a provider that uses discovery. */
  metadata?: ProviderMetadata;
}

/**
 * A provider's endpoints: built once for a statically configured provider (returned as they are, no promise),
 * and from its metadata for one that uses discovery, rebuilt when the cached metadata is replaced. With DPoP,
 * the manager's key is created here, once, and no part is handed out before it is ready.
 */
export class ProviderEndpoints {
  private parts: ProviderParts | undefined;
  private readonly metadata: ProviderMetadataCache | undefined;
  /** Kept across metadata refreshes, so that the JWKS cache and its refetch cooldown survive them. */
  private idTokens: IdTokenValidator | undefined;
  /** The manager's DPoP key (RFC 9449), when `dpop` is set. */
  readonly dpop: DpopProver | undefined;

  constructor(
    private readonly config: ResolvedProviderConfig,
    private readonly tokenClient: TokenEndpointClient,
    private readonly timeoutMs: number,
  ) {
    this.dpop = config.dpop === undefined ? undefined : new DpopProver(config.name, config.dpop);
    if (config.discovery === undefined || config.issuer === undefined) {
      this.parts = this.build(config);
      return;
    }
    if (typeof tokenClient.transport.get !== 'function') {
      const problem = `providers.${config.name} uses discovery, which needs a token transport with a get method`;
      throw new AuthCodeFlowConfigError([problem], INVALID_OPTIONS([problem]));
    }
    this.metadata = new ProviderMetadataCache(tokenClient.transport, {
      issuer: config.issuer,
      allowInsecure: config.discovery.allowInsecureRequests,
      timeoutMs,
    });
  }

  /** The parts when they are built and fresh (always, for a static provider), else undefined: then {@link load}. */
  ready(): ProviderParts | undefined {
    const parts = this.parts;
    if (this.dpop !== undefined && !this.dpop.isReady) return undefined;
    if (this.metadata === undefined) return parts;
    const fresh = this.metadata.fresh();
    if (fresh === undefined) return undefined;
    return parts?.metadata === fresh ? parts : (this.parts = this.fromMetadata(fresh));
  }

  /** Whether `tokens` are DPoP-bound to a key the manager does not hold (see `boundToAnotherKey`). */
  boundToAnotherKey(tokens: TokenSet): Promise<boolean> {
    return boundToAnotherKey(this.dpop, tokens);
  }

  /** Loads the metadata (shared by concurrent callers) and builds the parts from it; throws `DiscoveryError`. */
  async load(): Promise<ProviderParts> {
    await this.dpop?.whenReady();
    if (this.metadata === undefined) return this.parts!;
    const metadata = await this.metadata.load();
    return this.parts?.metadata === metadata ? this.parts : (this.parts = this.fromMetadata(metadata));
  }

  /**
   * Explicit options win over the metadata; its RFC 9207 flag turns `requireIssuerParameter` on unless it was
   * configured, its RFC 9126 flag pushed authorization requests unless they were configured, and its
   * assertion algorithms pick the client's unless one was configured.
   */
  private fromMetadata(metadata: ProviderMetadata): ProviderParts {
    const { config } = this;
    const merged: ResolvedProviderConfig = {
      ...config,
      authorizationEndpoint: config.authorizationEndpoint || metadata.authorizationEndpoint,
      tokenEndpoint: config.tokenEndpoint || metadata.tokenEndpoint,
      revocationEndpoint: config.revocationEndpoint ?? metadata.revocationEndpoint,
      jwksUri: config.jwksUri ?? metadata.jwksUri,
      userinfoEndpoint: config.userinfoEndpoint ?? metadata.userinfoEndpoint,
      endSessionEndpoint: config.endSessionEndpoint ?? metadata.endSessionEndpoint,
      requireIssuerParameter: config.discovery?.requireIssuerParameterSet
        ? config.requireIssuerParameter
        : metadata.authorizationResponseIssParameterSupported,
      par: parWithMetadata(config, metadata),
      clientAssertion: withServerAlgorithms(
        config.clientAssertion,
        metadata.tokenEndpointAuthSigningAlgValuesSupported,
      ),
    };
    if (merged.idToken.validate && merged.jwksUri === undefined) {
      const detail = 'it names no jwks_uri, which the ID tokens are verified with';
      throw new DiscoveryError('invalid_metadata', DISCOVERY_FAILED(metadata.issuer, detail));
    }
    const dpopAlgorithms = metadata.dpopSigningAlgValuesSupported;
    if (config.dpop && dpopAlgorithms && !dpopAlgorithms.includes(config.dpop.algorithm)) {
      const problem = `providers.${config.name}.dpop: the provider's dpop_signing_alg_values_supported does not hold ${config.dpop.algorithm}, the algorithm of the DPoP key`;
      throw new AuthCodeFlowConfigError([problem], INVALID_OPTIONS([problem]));
    }
    return { ...this.build(merged, metadata), metadata };
  }

  private build(config: ResolvedProviderConfig, metadata?: ProviderMetadata): ProviderParts {
    if (config.idToken.validate) {
      this.idTokens = createIdTokenValidator({
        config,
        metadata,
        transport: this.tokenClient.transport,
        timeoutMs: this.timeoutMs,
        previous: this.idTokens,
      });
    }
    const { dpop } = this;
    const dpopJkt = dpop !== undefined && config.dpop?.bindAuthorizationCode ? () => dpop.thumbprint : undefined;
    const authorizationUrls = new AuthorizationUrlBuilder(config, dpopJkt);
    return {
      config,
      authorizationUrls,
      pushedAuthorization: pushedAuthorizationRequester(config, authorizationUrls, this.tokenClient, this.timeoutMs),
      grants: new TokenGrants(
        config,
        this.tokenClient,
        this.timeoutMs,
        config.idToken.validate ? this.idTokens : undefined,
        dpop,
      ),
    };
  }
}
