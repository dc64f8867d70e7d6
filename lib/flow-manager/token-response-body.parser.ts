import {
  MAX_TOKEN_RESPONSE_DEPTH,
  MAX_TOKEN_RESPONSE_KEY_LENGTH,
  MAX_TOKEN_RESPONSE_VALUES,
} from '../auth-code-flow.constants.js';
import { TOKEN_RESPONSE_PROBLEM } from '../auth-code-flow.messages.js';

/** A body that parsed but breaks one of the bounds on `raw`. */
export class UnacceptableBody extends Error {}

/**
 * Parses a token endpoint body: JSON, or `application/x-www-form-urlencoded` as GitHub sends by default.
 * Returns undefined when the body is neither. The result is plain data that any store can copy: at most
 * {@link MAX_TOKEN_RESPONSE_DEPTH} levels deep, {@link MAX_TOKEN_RESPONSE_VALUES} values and member
 * names of at most {@link MAX_TOKEN_RESPONSE_KEY_LENGTH} characters (else it throws `UnacceptableBody`), and
 * without `__proto__` members, which an assignment-based copy or merge would turn into a prototype.
 */
export function parseTokenResponseBody(contentType: string, body: string): Record<string, unknown> | undefined {
  // The usual body, bare JSON, is parsed as it is; only other bodies pay for a trimmed copy.
  const trimmed = body.charCodeAt(0) === 0x7b ? body : body.trim();
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (mediaType === 'application/json' || mediaType.endsWith('+json') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      // V8's JSON.parse does not recurse, so any depth parses; the walk below bounds it.
      parsed = JSON.parse(trimmed);
    } catch {
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    boundPlainData(parsed, 1, { values: 0 });
    return parsed as Record<string, unknown>;
  }
  if (mediaType === 'application/x-www-form-urlencoded' || mediaType === 'text/plain') {
    const params = new URLSearchParams(trimmed);
    if (!params.has('access_token') && !params.has('error')) return undefined;
    const result: Record<string, unknown> = {};
    let values = 0;
    for (const [key, value] of params) {
      checkKey(key);
      if (++values > MAX_TOKEN_RESPONSE_VALUES) throw tooManyValues();
      if (key !== '__proto__') result[key] = value;
    }
    return result;
  }
  return undefined;
}

/**
 * Checks JSON.parse's output against the bounds, in place, and deletes its own `__proto__` members.
 * The recursion is bounded by the depth check, so a body nested 100,000 levels deep fails cleanly.
 */
function boundPlainData(value: object, depth: number, count: { values: number }): void {
  if (depth > MAX_TOKEN_RESPONSE_DEPTH)
    throw new UnacceptableBody(TOKEN_RESPONSE_PROBLEM.tooDeep(MAX_TOKEN_RESPONSE_DEPTH));
  if (Array.isArray(value)) {
    count.values += value.length;
    if (count.values > MAX_TOKEN_RESPONSE_VALUES) throw tooManyValues();
    for (const item of value)
      if (typeof item === 'object' && item !== null) boundPlainData(item as object, depth + 1, count);
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  count.values += keys.length;
  if (count.values > MAX_TOKEN_RESPONSE_VALUES) throw tooManyValues();
  for (const key of keys) {
    checkKey(key);
    // JSON.parse makes `__proto__` an own data member; deleting it leaves the prototype alone.
    if (key === '__proto__') {
      delete record[key];
      continue;
    }
    const item = record[key];
    if (typeof item === 'object' && item !== null) boundPlainData(item, depth + 1, count);
  }
}

function checkKey(key: string): void {
  if (key.length > MAX_TOKEN_RESPONSE_KEY_LENGTH) {
    throw new UnacceptableBody(TOKEN_RESPONSE_PROBLEM.keyTooLong(MAX_TOKEN_RESPONSE_KEY_LENGTH));
  }
}

function tooManyValues(): UnacceptableBody {
  return new UnacceptableBody(TOKEN_RESPONSE_PROBLEM.tooManyValues(MAX_TOKEN_RESPONSE_VALUES));
}
