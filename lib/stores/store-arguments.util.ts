import { AuthCodeFlowConfigError, InvalidArgumentError } from '../auth-code-flow.errors.js';
import { INVALID_OPTIONS_OF } from '../auth-code-flow.messages.js';

// What a caller gives a store: mistakes in a constructor's options are an `AuthCodeFlowConfigError`, found
// at start-up with every problem listed; mistakes in a method's arguments an `InvalidArgumentError`.

/**
 * Throws an `AuthCodeFlowConfigError` listing every problem of what a constructor was given, when there is
 * any. Each problem names `owner` (the class) and the option, e.g. `RedisStateStore: keyPrefix must be a string`.
 */
export function assertValidOptions(owner: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new AuthCodeFlowConfigError(problems, INVALID_OPTIONS_OF(owner, problems));
}

/** An optional integer option from 1 to `max`: the fallback when it is absent or wrong (then with a problem). */
export function integerOption(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  max: number,
  problems: string[],
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') {
    problems.push(`${owner}: ${name} must be a number`);
    return fallback;
  }
  if (!Number.isInteger(value) || value < 1 || value > max) {
    problems.push(`${owner}: ${name} must be an integer from 1 to ${max}`);
    return fallback;
  }
  return value;
}

/** The error for a method argument that is not of the `expected` type, or is of it with a wrong value. */
export function invalidArgument(value: unknown, expected: 'string' | 'number', message: string): InvalidArgumentError {
  return new InvalidArgumentError(
    typeof value === expected ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE',
    message,
  );
}
