import { AuthCodeFlowConfigError, EndpointNotConfiguredError } from '../auth-code-flow.errors.js';
import { ENDPOINT_NOT_CONFIGURED, INVALID_OPTIONS } from '../auth-code-flow.messages.js';
import type { ProviderMetadata } from '../discovery/provider-metadata.js';
import type { TokenHttpTransport } from '../interfaces/token-http-transport.interface.js';
import { HMAC_ID_TOKEN_ALGORITHMS } from '../options/id-token-options.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import { idTokenAlgorithms } from './id-token-algorithms.js';
import { IdTokenValidator } from './id-token.validator.js';
import { JwksCache } from './jwks.cache.js';

export interface CreateIdTokenValidatorOptions {
  /**
   * The provider's configuration, merged with its metadata when it uses discovery (so `jwksUri` is the
   * configured one, else the metadata's). Read: `name`, `idToken`, `issuer`, `jwksUri`, `clientId`,
   * `clientSecret`.
   */
  config: ResolvedProviderConfig;
  /** The discovered metadata: its `id_token_signing_alg_values_supported` widens the default allow-list. */
  metadata?: ProviderMetadata;
  /** The module's transport; the JWKS is fetched with its `get`. */
  transport: TokenHttpTransport;
  /** Budget of one JWKS fetch (the module's `httpTimeoutMs`). */
  timeoutMs: number;
  /**
   * The validator built for this provider before (say, before its metadata was refreshed): its JWKS cache,
   * keys and refetch cooldown included, is kept when the jwks URI is still the same.
   */
  previous?: IdTokenValidator;
}

/**
 * The `IdTokenValidator` of one provider whose ID tokens are validated (`config.idToken.validate`):
 * - issuer: `idTokenIssuer` when configured (it may hold `{tenantid}`), else `issuer`;
 * - algorithms: `idTokenSigningAlgorithms` when configured, else `RS256` and the metadata's asymmetric ones;
 * - keys: the client secret for HMAC algorithms, a `JwksCache` of `jwksUri` for the others (fetched on the
 *   first token, not here);
 * - clock tolerance: `clockToleranceSeconds`.
 *
 * Nothing is fetched. Throws `EndpointNotConfiguredError` (`endpoint: 'jwks'`) when an asymmetric algorithm
 * is allowed and neither the options nor the metadata name a JWKS; `AuthCodeFlowConfigError` when there is
 * no issuer or the transport has no `get` (the option checks rule both out for the module's own providers).
 */
export function createIdTokenValidator(options: CreateIdTokenValidatorOptions): IdTokenValidator {
  const { config, metadata, transport, timeoutMs, previous } = options;
  const provider = config.name;
  const issuer = config.idToken.issuer ?? config.issuer;
  if (issuer === undefined) {
    throw configError(`providers.${provider} validates ID tokens: set providers.${provider}.issuer or idTokenIssuer`);
  }
  const algorithms = idTokenAlgorithms(config.idToken.algorithms, metadata?.idTokenSigningAlgValuesSupported);
  let jwks: JwksCache | undefined;
  if (algorithms.some((alg) => !HMAC_ID_TOKEN_ALGORITHMS.has(alg))) {
    if (config.jwksUri === undefined)
      throw new EndpointNotConfiguredError(provider, 'jwks', ENDPOINT_NOT_CONFIGURED(provider, 'jwks'));
    if (typeof transport.get !== 'function') {
      throw configError(
        `providers.${provider} validates ID tokens with its JWKS, which needs a token transport with a get method`,
      );
    }
    const kept = previous?.keys;
    jwks =
      kept instanceof JwksCache && kept.uri === config.jwksUri
        ? kept
        : new JwksCache(transport, { provider, jwksUri: config.jwksUri, timeoutMs });
  }
  return new IdTokenValidator(
    {
      provider,
      issuer,
      clientId: config.clientId,
      ...(config.clientSecret === undefined ? {} : { clientSecret: config.clientSecret }),
      algorithms,
      clockToleranceSeconds: config.idToken.clockToleranceSeconds,
    },
    jwks,
  );
}

function configError(problem: string): AuthCodeFlowConfigError {
  return new AuthCodeFlowConfigError([problem], INVALID_OPTIONS([problem]));
}
