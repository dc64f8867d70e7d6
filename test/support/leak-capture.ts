import { KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { inspect, types } from 'node:util';

/**
 * Leak capture (SECURITY.md P23): the secrets a test file's fixtures register, the outputs its tests receive,
 * and the check that no output holds a secret in any of its spellings. `leak-capture.setup.ts` fills the outputs
 * for every test file and runs the check after its tests; the fixtures of `test/support` register what they mint
 * or see. State lives on the test file's global object, so it is per test file.
 */

/** Where an output came from. */
export type CaptureKind = 'nest-log' | 'console' | 'response-header' | 'response-body' | 'error';

/** What a secret is to the protocol, for the places it may legitimately appear (see {@link findLeaks}). */
export type SecretRole = 'state' | 'nonce' | 'code';

export interface Capture {
  kind: CaptureKind;
  /** For messages: the method, URL without query, status and header; the logger level; the error's name. */
  where: string;
  /** The test that was running, or `(hooks)`. */
  test: string;
  text: string;
  /** response-header: the header's name, lower case. */
  header?: string;
  /** response-header and response-body: the URL the test requested. */
  url?: string;
  /** response-body: the response's status and `Location`, for a redirect's body (see {@link findLeaks}). */
  status?: number;
  location?: string;
}

export interface LeakFinding {
  kind: CaptureKind;
  where: string;
  test: string;
  /** The secret's label, never its value. */
  label: string;
  /** How it was spelled: `raw`, `URL-encoded`, `base64 of form-encoded`, ... */
  spelling: string;
}

interface Secret {
  value: string;
  label: string;
  roles: Set<SecretRole>;
  /** Kinds a test allowed it in, with `allowLeak`; `'all'` for every kind. */
  allowed: Set<CaptureKind | 'all'>;
}

interface LeakState {
  secrets: Map<string, Secret>;
  captures: Capture[];
  providerOrigins: Set<string>;
  pending: Set<Promise<void>>;
  recordedErrors: WeakSet<object>;
  /** Response bodies not read: over the size cap, or still streaming at the deadline. */
  skippedBodies: number;
}

/** Shorter values would match by accident (`'read'`, `'Bearer'`, a port number). */
export const MIN_SECRET_LENGTH = 8;

const STATE_KEY = Symbol.for('nestjs-auth-code-flow.leak-capture');

function state(): LeakState {
  const holder = globalThis as unknown as Record<symbol, LeakState | undefined>;
  return (holder[STATE_KEY] ??= {
    secrets: new Map(),
    captures: [],
    providerOrigins: new Set(),
    pending: new Set(),
    recordedErrors: new WeakSet(),
    skippedBodies: 0,
  });
}

/** Registers `value` (ignored unless a string of at least 8 characters) as a secret no output may hold. */
export function registerSecret(value: unknown, label: string, role?: SecretRole): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
  const secrets = state().secrets;
  let secret = secrets.get(value);
  if (!secret) secrets.set(value, (secret = { value, label, roles: new Set(), allowed: new Set() }));
  if (role) secret.roles.add(role);
}

/** Registers the tokens of a token response or `TokenSet` (`access_token`/`accessToken`, refresh and ID tokens). */
export function registerTokens(tokens: unknown, source: string): void {
  if (typeof tokens !== 'object' || tokens === null) return;
  const fields = tokens as Record<string, unknown>;
  registerSecret(fields.access_token ?? fields.accessToken, `access token (${source})`);
  registerSecret(fields.refresh_token ?? fields.refreshToken, `refresh token (${source})`);
  registerSecret(fields.id_token ?? fields.idToken, `ID token (${source})`);
}

/** The `state` and `nonce` of an authorization request URL, as the provider that receives it sees them. */
export function registerAuthorizationRequest(url: string | URL, source: string): void {
  const query = new URL(url).searchParams;
  registerSecret(query.get('state'), `state (${source})`, 'state');
  registerSecret(query.get('nonce'), `nonce (${source})`, 'nonce');
}

/** A client's credentials in module or provider options: `clientSecret` and the private key of `clientPrivateKey`. */
export function registerClientOptions(options: unknown, source: string): void {
  if (typeof options !== 'object' || options === null) return;
  const { clientId, clientSecret, clientPrivateKey } = options as Record<string, unknown>;
  const client = typeof clientId === 'string' ? `${clientId}, ${source}` : source;
  registerSecret(clientSecret, `client secret (${client})`);
  registerPrivateKey(clientPrivateKey, `private key (${client})`);
}

/** Every provider's client credentials of `AuthCodeFlowModule.forRoot` options. */
export function registerModuleOptions(options: unknown, source: string): void {
  const providers = (options as { providers?: unknown } | null)?.providers;
  if (typeof providers !== 'object' || providers === null) return;
  for (const provider of Object.values(providers)) registerClientOptions(provider, source);
}

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** A private or secret key given as a PEM string, a JWK or a `KeyObject`: its private members, or each PEM line. */
export function registerPrivateKey(key: unknown, label: string): void {
  if (typeof key === 'string') {
    registerSecret(key, label);
    for (const line of key.split(/\r?\n/))
      if (!line.startsWith('-----')) registerSecret(line.trim(), `${label}, a PEM line`);
    return;
  }
  if (typeof key !== 'object' || key === null) return;
  let jwk = key as Record<string, unknown>;
  if (key instanceof KeyObject) {
    if (key.type === 'public') return;
    jwk = key.export({ format: 'jwk' }) as Record<string, unknown>;
  }
  for (const member of PRIVATE_JWK_MEMBERS) registerSecret(jwk[member], `${label}, JWK "${member}"`);
}

/**
 * An authorization server's origin (a fixture's, or that of an authorization URL the module built): see
 * {@link findLeaks} for what a redirect to or from it may hold.
 */
export function registerProviderOrigin(url: string): void {
  state().providerOrigins.add(new URL(url).origin);
}

/**
 * Lets `value` appear in `kinds` (every kind by default) for the rest of this test file: for a test that puts a
 * registered secret in an output on purpose. Say why in `reason`; the call is the visible record of the exemption.
 */
export function allowLeak(value: string, reason: string, kinds: CaptureKind[] | 'all' = 'all'): void {
  if (reason.trim() === '') throw new TypeError('allowLeak: say why the value may appear');
  registerSecret(value, 'allowed by the test');
  const secret = state().secrets.get(value);
  for (const kind of kinds === 'all' ? ['all' as const] : kinds) secret?.allowed.add(kind);
}

export function capture(entry: Omit<Capture, 'test'> & { test?: string }): void {
  state().captures.push({ ...entry, test: entry.test ?? currentTestName() });
}

/** Records the headers of an answer a test read with `node:http` (what `fetch` answers are recorded by the setup). */
export function captureHeaders(method: string, url: string, status: number, headers: IncomingHttpHeaders): void {
  const where = `${method} ${url.split(/[?#]/)[0]} → ${status}`;
  for (const [header, value] of Object.entries(headers))
    for (const text of [value ?? []].flat())
      capture({ kind: 'response-header', where: `${where}, ${header}`, header, url, text });
}

/** Records an error a test received: its message, stack, JSON, inspection and every own string property. */
export function recordError(error: unknown): void {
  if (!isError(error)) return;
  const { recordedErrors } = state();
  if (recordedErrors.has(error)) return;
  recordedErrors.add(error);
  capture({ kind: 'error', where: `${String(error.name)}${codeOf(error)}`, text: describeError(error) });
}

/** `promise`, its rejection recorded with {@link recordError}: for fixtures whose failures tests assert on. */
export function recordingFailure<T>(promise: Promise<T>): Promise<T> {
  return promise.catch((error: unknown) => {
    recordError(error);
    throw error;
  });
}

export function isError(value: unknown): value is Error {
  return types.isNativeError(value) || value instanceof Error;
}

/** Keeps `read` (a body being read) so that {@link settleCaptures} can wait for it. */
export function track(read: Promise<void>): void {
  const { pending } = state();
  pending.add(read);
  void read.finally(() => pending.delete(read));
}

export function countSkippedBody(): void {
  state().skippedBodies++;
}

/** Waits for the response bodies still being read (each has its own deadline). */
export async function settleCaptures(): Promise<{ skippedBodies: number }> {
  const { pending } = state();
  while (pending.size) await Promise.allSettled([...pending]);
  return { skippedBodies: state().skippedBodies };
}

export function captures(): readonly Capture[] {
  return state().captures;
}

export function secretCount(): number {
  return state().secrets.size;
}

/** Forgets the captures (not the secrets): for the self-test, after it has checked what it planted. */
export function clearCaptures(): void {
  state().captures.length = 0;
}

/**
 * Every (output, secret) pair where the output holds the secret in one of its spellings. What may legitimately
 * hold a secret, by kind, and nothing else:
 * - a `Location` to an authorization server (the authorization request): its `state` and `nonce` parameters,
 *   when they hold a secret registered in that role;
 * - a `Location` in an authorization server's answer (the authorization response, or its own steps): its `code`
 *   and `state` parameters, likewise;
 * - the body of such a redirect (`Redirecting to <a href="…">`): the secrets its `Location` may hold;
 * - whatever a test allowed with {@link allowLeak}.
 */
export function findLeaks(): LeakFinding[] {
  const { secrets, captures: all, providerOrigins } = state();
  const index = spellingIndex([...secrets.values()]);
  const findings: LeakFinding[] = [];
  const seen = new Set<string>();
  for (const entry of all) {
    const location = entry.header === 'location' ? entry.text : entry.location;
    const roles = location === undefined ? NO_ROLES : protocolRoles(location, entry.url, providerOrigins);
    const isRedirectBody = entry.kind === 'response-body' && entry.status !== undefined && entry.status >= 300;
    const text = entry.header === 'location' ? withoutParameters(entry.text, roles, secrets) : entry.text;
    for (const { secret, spelling } of occurrences(text, index)) {
      if (secret.allowed.has('all') || secret.allowed.has(entry.kind)) continue;
      if (isRedirectBody && [...secret.roles].some((role) => roles.has(role))) continue;
      const finding = { kind: entry.kind, where: entry.where, test: entry.test, label: secret.label, spelling };
      const key = JSON.stringify(finding);
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(finding);
    }
  }
  return findings;
}

/** The failure message: kinds, places, tests, labels and spellings; never a value. */
export function leakReport(findings: LeakFinding[], testPath: string, limit = 25): string {
  const lines = findings
    .slice(0, limit)
    .map((f) => `  - ${f.kind} of ${f.where}, in "${f.test}": ${f.label}, ${f.spelling}`);
  if (findings.length > limit) lines.push(`  … and ${findings.length - limit} more`);
  return [
    `Leak capture: ${findings.length} output(s) of ${testPath} hold a secret the tests registered:`,
    ...lines,
    'Fix the leak at its source; for a test that shows a secret on purpose, allowLeak(value, reason) from test/support/leak-capture.ts.',
  ].join('\n');
}

// ---- spellings ----------------------------------------------------------------------------------

interface Spelled {
  secret: Secret;
  spelling: string;
  text: string;
}

/**
 * Every spelling of `value` an output could hold it in: raw, URL-encoded (`encodeURIComponent`), form-encoded
 * (`URLSearchParams`, `+` for spaces), JSON-escaped, and the base64 and base64url of the UTF-8 of the first
 * three, at each of the three alignments a longer encoded text (a Basic header's `id:secret`, a JWT) puts it at:
 * of those, only the characters the value's bytes alone determine.
 */
export function spellingsOf(value: string): Array<{ spelling: string; text: string }> {
  const spelled = new Map<string, string>();
  const add = (text: string, spelling: string) => {
    if (text.length >= MIN_SECRET_LENGTH && !spelled.has(text)) spelled.set(text, spelling);
  };
  const textual: Array<[string, string]> = [
    ['raw', value],
    ['URL-encoded', encodeURIComponent(value)],
    ['form-encoded', new URLSearchParams([['', value]]).toString().slice(1)],
  ];
  for (const [spelling, text] of textual) add(text, spelling);
  add(JSON.stringify(value).slice(1, -1), 'JSON-escaped');
  for (const [spelling, text] of textual) {
    const of = spelling === 'raw' ? '' : ` of ${spelling}`;
    for (const core of base64Cores(Buffer.from(text, 'utf8'))) {
      add(core, `base64${of}`);
      add(core.replace(/\+/g, '-').replace(/\//g, '_'), `base64url${of}`);
    }
  }
  return [...spelled].map(([text, spelling]) => ({ spelling, text }));
}

/** The base64 characters of `bytes` placed after 0, 1 or 2 other bytes, less those its neighbours share. */
function base64Cores(bytes: Buffer): string[] {
  return [0, 1, 2].map((shift) => {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const start = [0, 2, 3][shift]!;
    const end = (shift + bytes.length) % 3 === 0 ? encoded.length : encoded.length - 1;
    return encoded.slice(start, end);
  });
}

/** Spellings by their first 8 characters: a scan looks up each position once, whatever the number of secrets. */
function spellingIndex(secrets: Secret[]): Map<string, Spelled[]> {
  const index = new Map<string, Spelled[]>();
  for (const secret of secrets) {
    for (const { spelling, text } of spellingsOf(secret.value)) {
      const key = text.slice(0, MIN_SECRET_LENGTH);
      const bucket = index.get(key);
      if (bucket) bucket.push({ secret, spelling, text });
      else index.set(key, [{ secret, spelling, text }]);
    }
  }
  return index;
}

function* occurrences(text: string, index: Map<string, Spelled[]>): Generator<Spelled> {
  if (index.size === 0) return;
  for (let at = 0; at + MIN_SECRET_LENGTH <= text.length; at++) {
    const bucket = index.get(text.slice(at, at + MIN_SECRET_LENGTH));
    if (bucket) for (const spelled of bucket) if (text.startsWith(spelled.text, at)) yield spelled;
  }
}

// ---- the protocol's own places --------------------------------------------------------------------

const NO_ROLES: ReadonlySet<SecretRole> = new Set();

/** The parameters a redirect to `location` from `requestUrl` carries by protocol (see {@link findLeaks}). */
function protocolRoles(location: string, requestUrl: string | undefined, providers: Set<string>): Set<SecretRole> {
  const roles = new Set<SecretRole>();
  const target = parseUrl(location, requestUrl);
  const source = requestUrl === undefined ? undefined : parseUrl(requestUrl);
  if (target && providers.has(target.origin)) roles.add('state').add('nonce');
  if (source && providers.has(source.origin)) roles.add('code').add('state');
  return roles;
}

/** `location` without its query parameters named by `roles` that hold a secret registered in that role. */
function withoutParameters(location: string, roles: ReadonlySet<SecretRole>, secrets: Map<string, Secret>): string {
  const queryStart = location.indexOf('?');
  if (roles.size === 0 || queryStart < 0) return location;
  const hashStart = location.indexOf('#', queryStart);
  const queryEnd = hashStart < 0 ? location.length : hashStart;
  const kept = location
    .slice(queryStart + 1, queryEnd)
    .split('&')
    .filter((pair) => {
      const [name, value] = [...new URLSearchParams(pair)][0] ?? [];
      const role = name as SecretRole;
      return !(roles.has(role) && value !== undefined && secrets.get(value)?.roles.has(role));
    });
  return `${location.slice(0, queryStart + 1)}${kept.join('&')}${location.slice(queryEnd)}`;
}

function parseUrl(url: string, base?: string): URL | undefined {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
}

// ---- rendering -----------------------------------------------------------------------------------

const INSPECT = { depth: 4, breakLength: Infinity, maxArrayLength: 50, maxStringLength: 100_000 } as const;

/** Renders logger or console arguments as a log line would show them, stacks and nested objects included. */
export function renderArguments(args: unknown[]): string {
  return args
    .map((arg) => (typeof arg === 'string' ? arg : isError(arg) ? describeError(arg) : inspect(arg, INSPECT)))
    .join(' ');
}

function describeError(error: Error): string {
  const parts = [`${String(error.name)}: ${String(error.message)}`, String(error.stack), inspect(error, INSPECT)];
  try {
    parts.push(JSON.stringify(error) ?? '');
  } catch {
    // A cycle or a BigInt: the inspection above shows the same properties.
  }
  // Non-enumerable properties too, down the `cause` chain: what a logger with `showHidden` would print.
  const seen = new Set<unknown>();
  for (let current: unknown = error; isError(current) && !seen.has(current); current = current.cause) {
    seen.add(current);
    for (const name of Object.getOwnPropertyNames(current)) {
      const value = (current as unknown as Record<string, unknown>)[name];
      if (typeof value === 'string') parts.push(value);
    }
  }
  return parts.join('\n');
}

function codeOf(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? ` (${code})` : '';
}

function currentTestName(): string {
  const jestExpect = (globalThis as { expect?: { getState(): { currentTestName?: string } } }).expect;
  return jestExpect?.getState().currentTestName ?? '(hooks)';
}
