import { createHash } from 'node:crypto';

/**
 * The hash an ID token's `at_hash` is made with: the one of its JWS algorithm (OpenID Connect Core
 * §3.1.3.6: SHA-256 for `RS256`, `PS256`, `ES256` and `HS256`, and so on), SHA-512 for `EdDSA` and `Ed25519`
 * (Ed25519 hashes with SHA-512, as OpenID providers and certified clients agree); undefined for another.
 */
export function atHashAlgorithm(alg: string): 'sha256' | 'sha384' | 'sha512' | undefined {
  if (alg === 'EdDSA' || alg === 'Ed25519') return 'sha512';
  const size = /^(?:RS|PS|ES|HS)(256|384|512)$/.exec(alg)?.[1];
  return size === undefined ? undefined : (`sha${size}` as 'sha256' | 'sha384' | 'sha512');
}

/**
 * The `at_hash` an ID token signed with `alg` must carry for `accessToken` (OpenID Connect Core §3.1.3.6):
 * the base64url of the left half of the hash of its octets. Undefined when `alg` has no known hash.
 */
export function accessTokenHash(accessToken: string, alg: string): string | undefined {
  const algorithm = atHashAlgorithm(alg);
  if (algorithm === undefined) return undefined;
  const digest = createHash(algorithm).update(accessToken, 'utf8').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
