import { createHash } from 'node:crypto';
import { StoreUnavailableError } from '../auth-code-flow.errors.js';
import { isRecord } from '../utils/is-record.util.js';
import { raceDeadline } from './deadline.util.js';
import { integerOption } from './store-arguments.util.js';

/**
 * The client the Redis stores take: an ioredis `Redis` (a single node, also behind Sentinel) or `Cluster`,
 * or any object with these commands. Declared here rather than imported from ioredis, an optional peer
 * dependency, so that the package's declarations compile in an app without it (even with `skipLibCheck: false`).
 */
export interface RedisClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', milliseconds: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<unknown>;
  getdel(key: string): Promise<string | null>;
  del(key: string): Promise<number>;
  evalsha(sha1: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/** Options shared by `RedisStateStore` and `RedisTokenStore`. */
export interface RedisStoreOptions {
  /**
   * Prefix of every key the store writes. Give each app (or environment) that shares one Redis its own
   * prefix. It may hold a Redis Cluster hash tag such as `'{acf}:'`, though no operation needs one.
   * @default 'acf:'
   */
  keyPrefix?: string;
  /**
   * Longest wait, in milliseconds, for one Redis round trip. Past it the call rejects with
   * `StoreUnavailableError` (the built-in routes answer 503) instead of hanging while ioredis queues
   * commands for a Redis that is down or paused. A command that timed out may still reach Redis later
   * (ioredis does not cancel it); each command writes or deletes one whole value, so no value is ever partial.
   * @default 2000
   */
  operationTimeoutMs?: number;
}

export const DEFAULT_REDIS_KEY_PREFIX = 'acf:';
export const DEFAULT_REDIS_OPERATION_TIMEOUT_MS = 2_000;
/** Longest `operationTimeoutMs` (the largest delay `setTimeout` honours). */
const MAX_OPERATION_TIMEOUT_MS = 2_147_483_647;
const MAX_KEY_PREFIX_LENGTH = 256;

/** The commands the Redis stores send. ioredis `Redis` and `Cluster` both have them; each touches one key. */
export type RedisCommands = RedisClient;

const REQUIRED_COMMANDS = ['get', 'set', 'getdel', 'del', 'evalsha', 'eval'] as const;

/** What `resolveRedisStoreOptions` gives a Redis store: the client, the shared options, and the options object. */
export interface ResolvedRedisStoreOptions {
  commands: RedisCommands;
  keyPrefix: string;
  operationTimeoutMs: number;
  /** The options as given (`{}` when absent or not an object), for the store's own options. */
  options: Record<string, unknown>;
}

/**
 * Checks the client and the options shared by the Redis stores and that no key is unknown, adding each
 * problem, named by the store and the option, to `problems`; wrong values are replaced by their defaults.
 */
export function resolveRedisStoreOptions(
  storeName: string,
  client: unknown,
  options: unknown,
  extraKeys: readonly string[],
  problems: string[],
): ResolvedRedisStoreOptions {
  if (!isRecord(client) || REQUIRED_COMMANDS.some((name) => typeof client[name] !== 'function')) {
    problems.push(`${storeName}: client must be an ioredis Redis or Cluster instance`);
  }
  if (options !== undefined && !isRecord(options)) problems.push(`${storeName}: options must be an object`);
  const given = isRecord(options) ? options : {};
  const known = new Set(['keyPrefix', 'operationTimeoutMs', ...extraKeys]);
  for (const key of Object.keys(given)) {
    if (!known.has(key)) problems.push(`${storeName}: unknown option "${key}" (known: ${[...known].join(', ')})`);
  }
  const { keyPrefix, operationTimeoutMs } = given;
  return {
    commands: client as RedisCommands,
    keyPrefix: keyPrefixOption(storeName, keyPrefix, problems),
    operationTimeoutMs: integerOption(
      storeName,
      'operationTimeoutMs',
      operationTimeoutMs,
      DEFAULT_REDIS_OPERATION_TIMEOUT_MS,
      MAX_OPERATION_TIMEOUT_MS,
      problems,
    ),
    options: given,
  };
}

function keyPrefixOption(storeName: string, keyPrefix: unknown, problems: string[]): string {
  if (keyPrefix === undefined) return DEFAULT_REDIS_KEY_PREFIX;
  if (typeof keyPrefix !== 'string') {
    problems.push(`${storeName}: keyPrefix must be a string`);
  } else if (keyPrefix.length > MAX_KEY_PREFIX_LENGTH) {
    problems.push(`${storeName}: keyPrefix must be at most ${MAX_KEY_PREFIX_LENGTH} characters long`);
  } else if (/[\s\u0000-\u001f\u007f]/.test(keyPrefix)) {
    problems.push(`${storeName}: keyPrefix must not contain whitespace or control characters`);
  } else {
    return keyPrefix;
  }
  return DEFAULT_REDIS_KEY_PREFIX;
}

/**
 * Runs one Redis command with a deadline, turning every failure into `StoreUnavailableError`.
 * The message names the store, the operation and a safe reason; the ioredis error is not attached
 * as `cause`, because ioredis puts the command's arguments (keys and values) on its errors.
 */
export async function withDeadline<T>(
  storeName: string,
  operation: string,
  timeoutMs: number,
  command: () => Promise<T>,
): Promise<T> {
  return raceDeadline(timeoutMs, command, {
    timedOut: () => new StoreUnavailableError(STORE_COMMAND_TIMED_OUT(storeName, operation, timeoutMs)),
    failed: (error) => new StoreUnavailableError(STORE_COMMAND_FAILED(storeName, operation, describeRedisError(error))),
  });
}

export const STORE_COMMAND_TIMED_OUT = (storeName: string, operation: string, timeoutMs: number) =>
  `${storeName}: "${operation}" got no answer from Redis within ${timeoutMs} ms.`;
export const STORE_COMMAND_FAILED = (storeName: string, operation: string, reason: string) =>
  `${storeName}: "${operation}" failed: ${reason}.`;

/**
 * A reason that never repeats a key or a value: a Redis error reply is reduced to its first word
 * (`WRONGTYPE`, `ERR`, ...), because Redis quotes the command's arguments in some replies.
 */
export function describeRedisError(error: unknown): string {
  if (!(error instanceof Error)) return 'unexpected error';
  const code = (error as { code?: unknown }).code;
  if (error.name === 'ReplyError')
    return `Redis answered with an error (${/^[A-Z][A-Z_-]*/.exec(error.message)?.[0] ?? 'ERR'})`;
  if (error.name === 'MaxRetriesPerRequestError') return 'Redis could not be reached (ioredis gave up retrying)';
  if (/connection is closed/i.test(error.message)) return 'the Redis connection is closed';
  if (/enableOfflineQueue/.test(error.message))
    return "Redis is not connected (the client's offline queue is disabled)";
  if (typeof code === 'string' && /^[A-Z][A-Z_]*$/.test(code)) return `Redis could not be reached (${code})`;
  return `Redis could not be used (${/^[A-Za-z]+$/.test(error.name) ? error.name : 'Error'})`;
}

/** `ERR unknown command 'getdel'` from a Redis older than 6.2 (or a proxy that lacks the command). */
export function isUnknownCommandError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError' && /unknown command/i.test(error.message);
}

/** A Lua script run by SHA1 (EVALSHA), loaded with EVAL the first time a server does not know it. */
export class RedisScript {
  readonly sha1: string;

  constructor(readonly source: string) {
    this.sha1 = createHash('sha1').update(source, 'utf8').digest('hex');
  }

  async run(commands: RedisCommands, key: string, ...args: Array<string | number>): Promise<unknown> {
    try {
      return await commands.evalsha(this.sha1, 1, key, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !/^NOSCRIPT/.test(error.message)) throw error;
      return commands.eval(this.source, 1, key, ...args);
    }
  }
}

/** GETDEL for servers without it: atomic, since Redis runs a script without interleaving other commands. */
export const GETDEL_SCRIPT = new RedisScript(
  "local value = redis.call('GET', KEYS[1])\nif value then redis.call('DEL', KEYS[1]) end\nreturn value",
);

/** Deletes the key only if it still holds the given value: releases a lock without freeing another owner's. */
export const COMPARE_AND_DELETE_SCRIPT = new RedisScript(
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\nreturn 0",
);

/**
 * Copies to `target` each of `fields` that `source` has; false when one of them is not a string (or not a
 * finite number, for `'number'`): a stored value this version did not write.
 */
export function copyOptionalFields<T extends object>(
  source: Record<string, unknown>,
  target: T,
  fields: ReadonlyArray<keyof T & string>,
  type: 'string' | 'number',
): boolean {
  for (const field of fields) {
    const value = source[field];
    if (value === undefined) continue;
    if (typeof value !== type || (type === 'number' && !Number.isFinite(value))) return false;
    (target as Record<string, unknown>)[field] = value;
  }
  return true;
}

/** JSON.parse that answers `undefined` instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
