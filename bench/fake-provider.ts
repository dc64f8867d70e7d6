/**
 * What the fake provider (token-server.ts), the stacks and the driver agree on. The OpenID Connect provider
 * of the OIDC stacks lives on the same server under `OIDC_BASE_PATH`; its token endpoint returns an ID token
 * signed per request, whose `nonce` is the one the stack sent in its authorization request. No browser visits
 * the provider's authorization endpoint, so the driver carries the nonce from the authorize redirect to the
 * token request inside the code it makes up: `bench-code-<n>.<nonce>`.
 */

export const CLIENT_ID = 'bench-client';
export const OIDC_BASE_PATH = '/oidc';
export const OIDC_AUTHORIZATION_PATH = `${OIDC_BASE_PATH}/authorize`;
export const OIDC_TOKEN_PATH = `${OIDC_BASE_PATH}/token`;
export const OIDC_JWKS_PATH = `${OIDC_BASE_PATH}/jwks`;
export const OIDC_DISCOVERY_PATH = `${OIDC_BASE_PATH}/.well-known/openid-configuration`;
export const ID_TOKEN_SUBJECT = 'bench-subject';
/** The token endpoint of the DPoP stacks (RFC 9449): it verifies each request's proof and answers `token_type: DPoP`. */
export const DPOP_TOKEN_PATH = '/dpop/token';

const NONCE_SEPARATOR = '.';

/**
 * The code the driver sends to a stack's callback, already encoded for its query: `nonceInQuery` is the
 * nonce as it stood, percent-encoded, in the authorize redirect's query (or undefined when none was sent).
 */
export function codeForCallback(sequence: number, nonceInQuery: string | undefined): string {
  return nonceInQuery === undefined
    ? `bench-code-${sequence}`
    : `bench-code-${sequence}${NONCE_SEPARATOR}${nonceInQuery}`;
}

/** The nonce the code carries, as the token endpoint received it (form-decoded), or undefined. */
export function nonceInCode(code: string | null): string | undefined {
  const at = code === null ? -1 : code.indexOf(NONCE_SEPARATOR);
  return at < 0 ? undefined : code!.slice(at + 1);
}
