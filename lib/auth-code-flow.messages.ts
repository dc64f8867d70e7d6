import { SAFE_ERROR_CODE } from './auth-code-flow.constants.js';

export const INVALID_OPTIONS = (problems: readonly string[]) =>
  `Invalid AuthCodeFlowModule options:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`;
export const UNKNOWN_PROVIDER = (name: string, known: readonly string[]) =>
  `No OAuth provider named "${name}" is configured (configured: ${known.length ? known.join(', ') : 'none'}).`;
export const STATE_NOT_FOUND = 'The state is unknown, expired or already used.';
export const STATE_WRONG_PROVIDER = (provider: string) => `The state was not issued for provider "${provider}".`;
export const STATE_WRONG_USER = 'The state was issued for another user.';
export const STATE_WRONG_BROWSER = 'The state was issued to another browser.';
export const STATE_WITHOUT_VERIFIER = 'The pending authorization has no PKCE verifier; it cannot be redeemed.';
export const STATE_STORE_FULL = (maxEntries: number) =>
  `The state store holds its maximum of ${maxEntries} pending authorizations; try again later.`;
export const AUTHORIZATION_DENIED = (error: string) =>
  SAFE_ERROR_CODE.test(error)
    ? `The provider answered the authorization request with "${error}".`
    : 'The provider answered the authorization request with an error.';
export const CALLBACK_PARAM_REPEATED = (name: string) => `The callback parameter "${name}" was given more than once.`;
export const CALLBACK_PARAM_NOT_STRING = (name: string) => `The callback parameter "${name}" must be a single string.`;
export const CALLBACK_PARAM_TOO_LONG = (name: string) => `The callback parameter "${name}" is too long.`;
export const CALLBACK_PARAM_MISSING = (name: string) => `The callback has no "${name}" parameter.`;
export const CALLBACK_CODE_AND_ERROR = 'The callback carries both "code" and "error".';
export const CALLBACK_ISSUER_MISMATCH = 'The callback\'s "iss" does not match the provider\'s issuer (RFC 9207).';
export const CALLBACK_ISSUER_MISSING = 'The callback has no "iss" although the provider is known to send it (RFC 9207).';
export const RESERVED_AUTHORIZATION_PARAM = (name: string) =>
  `The authorization parameter "${name}" is set by the flow manager and cannot be overridden.`;
export const TOKEN_REQUEST_REJECTED = (operation: string, error: string, status: number) =>
  `The ${operation} request was rejected with "${error}" (HTTP ${status}).`;
export const TOKEN_ENDPOINT_FAILED = (operation: string, reason: string) => `The ${operation} request failed: ${reason}.`;
export const HTTP_SERVICE_PEERS_MISSING = (proxyVariable: string | undefined) =>
  proxyVariable
    ? `tokenTransport is unset and ${proxyVariable} is set, so token requests go through 'http-service', which needs the peer ` +
      "dependencies @nestjs/axios and axios: install them, or set tokenTransport: 'node-http' to send token requests directly"
    : "tokenTransport 'http-service' needs the peer dependencies @nestjs/axios and axios: install them (npm install @nestjs/axios axios)";
