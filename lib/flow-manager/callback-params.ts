import { MAX_CALLBACK_PARAM_LENGTH } from '../auth-code-flow.constants.js';
import { InvalidCallbackError } from '../auth-code-flow.errors.js';
import {
  CALLBACK_CODE_AND_ERROR,
  CALLBACK_PARAM_MISSING,
  CALLBACK_PARAM_NOT_STRING,
  CALLBACK_PARAM_REPEATED,
  CALLBACK_PARAM_TOO_LONG,
} from '../auth-code-flow.messages.js';

/** The authorization response parameters (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207). */
export interface CallbackParams {
  state: string;
  code?: string;
  iss?: string;
  error?: string;
  errorDescription?: string;
  errorUri?: string;
}

const NAMES = ['state', 'code', 'iss', 'error', 'error_description', 'error_uri'] as const;

/**
 * Reads the callback's query strictly, before any store lookup: each parameter at most
 * once, a plain bounded string, `state` present, and never both `code` and `error`.
 * Accepts a parsed query object (Express and Fastify give arrays for repeated names) or `URLSearchParams`.
 */
export function parseCallbackParams(query: Record<string, unknown> | URLSearchParams): CallbackParams {
  const values: Partial<Record<(typeof NAMES)[number], string>> = {};
  for (const name of NAMES) {
    const value = read(query, name);
    if (value !== undefined) values[name] = value;
  }
  if (values.state === undefined || values.state === '') {
    throw new InvalidCallbackError('missing_parameter', CALLBACK_PARAM_MISSING('state'));
  }
  if (values.code !== undefined && values.error !== undefined) {
    throw new InvalidCallbackError('malformed_parameter', CALLBACK_CODE_AND_ERROR);
  }
  return {
    state: values.state,
    code: values.code,
    iss: values.iss,
    error: values.error,
    errorDescription: values.error_description,
    errorUri: values.error_uri,
  };
}

function read(query: Record<string, unknown> | URLSearchParams, name: string): string | undefined {
  let value: unknown;
  if (query instanceof URLSearchParams) {
    const all = query.getAll(name);
    if (all.length > 1) throw new InvalidCallbackError('repeated_parameter', CALLBACK_PARAM_REPEATED(name));
    value = all[0];
  } else {
    if (!Object.prototype.hasOwnProperty.call(query, name)) return undefined;
    value = query[name];
  }
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new InvalidCallbackError('repeated_parameter', CALLBACK_PARAM_REPEATED(name));
  if (typeof value !== 'string') throw new InvalidCallbackError('malformed_parameter', CALLBACK_PARAM_NOT_STRING(name));
  if (value.length > MAX_CALLBACK_PARAM_LENGTH)
    throw new InvalidCallbackError('malformed_parameter', CALLBACK_PARAM_TOO_LONG(name));
  return value;
}
