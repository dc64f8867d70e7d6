import type { JsonWebKey } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import { randomValue } from '../utils/random.util.js';

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Long enough for one request and a clock that drifts a little; a server may refuse longer-lived ones. */
export const CLIENT_ASSERTION_LIFETIME_SECONDS = 60;

/** The app's public keys for client authentication, as a JWK Set (RFC 7517 §5). */
export interface ClientJwks {
  keys: JsonWebKey[];
}

export type ClientAssertionConfig = Pick<
  ResolvedProviderConfig,
  'clientId' | 'clientSecret' | 'clientAssertion' | 'issuer' | 'tokenEndpoint'
>;

/**
 * A client assertion for one request (RFC 7523 §3, OpenID Connect Core §9): `iss` and `sub` the client id, `aud`
 * the issuer or the token endpoint, a fresh random `jti`, `iat` now and `exp` a minute later. Signed at the moment
 * of each request, so that a retry never repeats a `jti` the server has seen.
 */
export async function signClientAssertion(config: ClientAssertionConfig, now = Date.now()): Promise<string> {
  const assertion = config.clientAssertion!;
  const { algorithm: alg, key } = assertion;
  const header = key === undefined ? { alg } : { alg, kid: await key.keyId() };
  const signingKey = key === undefined ? new TextEncoder().encode(config.clientSecret) : await key.signingKey(alg);
  const issuedAt = Math.floor(now / 1000);
  return new SignJWT()
    .setProtectedHeader(header)
    .setIssuer(config.clientId)
    .setSubject(config.clientId)
    .setAudience(assertion.audience === 'issuer' ? config.issuer! : config.tokenEndpoint)
    .setJti(randomValue())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + CLIENT_ASSERTION_LIFETIME_SECONDS)
    .sign(signingKey);
}

/**
 * The app's public JWK Set (RFC 7517 §5) for `private_key_jwt`: the key with its `kid`, `use: 'sig'`, and `alg`
 * when the key signs with one algorithm only. Empty without a private key.
 */
export function clientJwks(config: Pick<ResolvedProviderConfig, 'clientAssertion'>): ClientJwks {
  const assertion = config.clientAssertion;
  const single = assertion?.algorithms.length === 1 ? assertion.algorithm : undefined;
  const jwk = assertion?.key?.publicJwk(single);
  return { keys: jwk === undefined ? [] : [jwk] };
}
