import {
  MAX_TOKEN_RESPONSE_DEPTH,
  MAX_TOKEN_RESPONSE_KEY_LENGTH,
  MAX_TOKEN_RESPONSE_VALUES,
} from '../../lib/auth-code-flow.constants.js';
import {
  TOKEN_ENDPOINT_FAILED,
  TOKEN_REQUEST_REJECTED,
  TOKEN_RESPONSE_PROBLEM,
} from '../../lib/auth-code-flow.messages.js';

/**
 * Every message the module may build for a token endpoint's answer to `operation` with `status`: each of our
 * reasons, with each argument it can take. A message outside this set quotes something that is not ours.
 */
export function allowedTokenResponseMessages(operation: string, status: number): Set<string> {
  const args: unknown[] = [
    status,
    MAX_TOKEN_RESPONSE_DEPTH,
    MAX_TOKEN_RESPONSE_VALUES,
    MAX_TOKEN_RESPONSE_KEY_LENGTH,
    'expires_in',
    'expires',
    'refresh_token',
    'scope',
    'id_token',
  ];
  const reasons = Object.values(TOKEN_RESPONSE_PROBLEM).flatMap((problem) =>
    typeof problem === 'function' ? args.map((arg) => (problem as (value: unknown) => string)(arg)) : [problem],
  );
  return new Set([
    TOKEN_REQUEST_REJECTED(operation, status),
    ...reasons.map((reason) => TOKEN_ENDPOINT_FAILED(operation, reason)),
  ]);
}
