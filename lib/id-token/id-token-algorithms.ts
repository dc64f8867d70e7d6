import { ASYMMETRIC_ID_TOKEN_ALGORITHMS } from '../options/id-token-options.js';

/**
 * The JWS algorithms a provider's ID tokens may use: the configured `idTokenSigningAlgorithms` when set
 * (already checked: never `none`, HMAC only with a client secret); else `RS256`, which every OpenID provider
 * supports (OpenID Connect Discovery 1.0 §3), plus the asymmetric ones its metadata announces in
 * `id_token_signing_alg_values_supported`. `none` and the HMAC algorithms are never taken from metadata: a
 * provider's document cannot turn signature checks off, nor make the client secret a verification key.
 */
export function idTokenAlgorithms(
  configured: readonly string[] | undefined,
  announced: readonly string[] | undefined,
): string[] {
  if (configured !== undefined) return [...configured];
  const algorithms = new Set(['RS256']);
  for (const alg of announced ?? []) if (ASYMMETRIC_ID_TOKEN_ALGORITHMS.has(alg)) algorithms.add(alg);
  return [...algorithms];
}
