import { DEFAULT_CLOCK_TOLERANCE_SECONDS } from '../auth-code-flow.constants.js';
import type { ResolvedIdTokenOptions } from './resolved-options.interface.js';
import { optionalString } from './validators.util.js';

/** The JWS algorithms an ID token may name (RFC 7518 §3.1, RFC 8037), as jose verifies them. */
export const ASYMMETRIC_ID_TOKEN_ALGORITHMS: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);
export const HMAC_ID_TOKEN_ALGORITHMS: ReadonlySet<string> = new Set(['HS256', 'HS384', 'HS512']);
const MAX_CLOCK_TOLERANCE_SECONDS = 600;
/** In `idTokenIssuer`, stands for the ID token's `tid` claim (Entra ID's multi-tenant issuer). */
export const TENANT_PLACEHOLDER = '{tenantid}';

/** True when the space-or-delimiter separated scope holds `openid` (OpenID Connect Core §3.1.2.1). */
export function scopeIncludesOpenid(scope: string | undefined, delimiter: string): boolean {
  return scope !== undefined && scope.split(delimiter).includes('openid');
}

/** The ID token options of `providers.{name}` (`at`), checked. */
export function resolveIdTokenOptions(
  raw: Record<string, unknown>,
  at: string,
  scope: string | undefined,
  scopeDelimiter: string,
  clientSecret: string | undefined,
  problems: string[],
): ResolvedIdTokenOptions {
  const issuer = optionalString(raw.idTokenIssuer, `${at}.idTokenIssuer`, problems);
  if (issuer !== undefined && !/^https?:\/\/[^/]/.test(issuer.replace(TENANT_PLACEHOLDER, 'x')))
    problems.push(`${at}.idTokenIssuer must be an absolute URL (with at most a {tenantid} placeholder)`);
  let algorithms: string[] | undefined;
  const configured = raw.idTokenSigningAlgorithms;
  if (configured !== undefined) {
    if (!Array.isArray(configured) || configured.length === 0 || !configured.every((a) => typeof a === 'string')) {
      problems.push(`${at}.idTokenSigningAlgorithms must be a non-empty array of JWS algorithm names`);
    } else {
      algorithms = [...new Set(configured as string[])];
      for (const alg of algorithms) {
        if (alg === 'none') problems.push(`${at}.idTokenSigningAlgorithms cannot hold none: ID tokens must be signed`);
        else if (HMAC_ID_TOKEN_ALGORITHMS.has(alg)) {
          if (clientSecret === undefined)
            problems.push(`${at}.idTokenSigningAlgorithms holds ${alg}, which is verified with ${at}.clientSecret`);
        } else if (!ASYMMETRIC_ID_TOKEN_ALGORITHMS.has(alg))
          problems.push(`${at}.idTokenSigningAlgorithms holds ${alg}, which is not a JWS algorithm`);
      }
    }
  }
  let clockToleranceSeconds = DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const tolerance = raw.clockToleranceSeconds;
  if (tolerance !== undefined) {
    if (
      typeof tolerance !== 'number' ||
      !Number.isInteger(tolerance) ||
      tolerance < 0 ||
      tolerance > MAX_CLOCK_TOLERANCE_SECONDS
    )
      problems.push(`${at}.clockToleranceSeconds must be an integer from 0 to ${MAX_CLOCK_TOLERANCE_SECONDS}`);
    else clockToleranceSeconds = tolerance;
  }
  return {
    validate: scopeIncludesOpenid(scope, scopeDelimiter),
    ...(issuer === undefined ? {} : { issuer }),
    ...(algorithms === undefined ? {} : { algorithms }),
    clockToleranceSeconds,
  };
}
