/**
 * Leak capture for every test file (jest.config.js `setupFilesAfterEnv`; SECURITY.md P23). It records what the
 * tests receive, and after the file's tests fails the file if any of it holds a secret the fixtures registered
 * (see `leak-capture.ts` for the registry, the spellings and the places where the protocol puts a secret):
 *
 * - every Nest log line, whatever logger the app chose, `useLogger(false)` included: `Logger.staticInstanceRef`
 *   is made to answer a capturing logger that records each call and forwards it to the logger Nest would have
 *   used, so what is printed does not change (from the first `beforeAll` on, in a file that loads Nest);
 * - every `console.log/info/warn/error/debug/trace` call (still printed; Jest shows this file as its origin);
 * - every `fetch` response a test receives: status, every header, and the body through `response.clone()`
 *   (bodies over 1 MiB, or still streaming after 3 s, are left unread). Responses to the module's own `fetch`
 *   calls (a protected resource) are the module's input, not output, and are not recorded;
 * - every error a test asserts on: each value handed to a built-in Jest matcher that is an `Error` (a caught error
 *   passed to `expect`, a rejection under `.rejects.toMatchObject`, `.toBeInstanceOf`, …), and every error thrown
 *   by a function given to `toThrow`; `.rejects.toThrow` is answered by Jest without the registered matchers, so
 *   lib/'s own rejections are recorded where lib/ throws them (`leak-capture.lib.ts`, for the fixtures that load
 *   lib/), and `compileWith` and `startHttpApp` record theirs. Of an error, its message, stack,
 *   `JSON.stringify`, `util.inspect` and every own string property down the `cause` chain are checked.
 *
 * Not captured: answers read with `node:http` rather than `fetch` (some property and fault suites; they assert
 * what the body may hold themselves), an error a test only checks under `.rejects.toThrow` that neither lib/'s
 * wrapped methods nor those fixtures surfaced, or checks only as a string, text written straight to
 * `process.stdout`, and anything logged after this check (it runs first among the file's top-level `afterAll`s).
 */
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect } from '@jest/globals';
import type { LoggerService, LogLevel } from '@nestjs/common';
import {
  capture,
  captures,
  countSkippedBody,
  findLeaks,
  isError,
  leakReport,
  recordError,
  renderArguments,
  secretCount,
  settleCaptures,
  track,
} from './leak-capture.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LIB_DIR = fileURLToPath(new URL('../../lib/', import.meta.url));
const LIB_URL = pathToFileURL(LIB_DIR).href;
const MAX_BODY_BYTES = 1024 * 1024;
const BODY_DEADLINE_MS = 3_000;

// ---- the Nest logger -------------------------------------------------------------------------------

const LEVELS = ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'] as const;

/**
 * Whether this test file has loaded Nest: `@nestjs/common` imports `reflect-metadata` first, which defines
 * `Reflect.getMetadata` on the file's global object. Importing Nest into a file that does not use it would cost
 * a fifth of a second per file.
 */
const nestLoaded = () => typeof (Reflect as { getMetadata?: unknown }).getMetadata === 'function';

async function captureNestLogs(): Promise<void> {
  const { Logger } = await import('@nestjs/common');
  const statics = Logger as unknown as { staticInstanceRef?: LoggerService };
  let chosen = statics.staticInstanceRef;
  const capturing = {
    setLogLevels: (levels: LogLevel[]) => chosen?.setLogLevels?.(levels),
  } as LoggerService & Record<string, unknown>;
  for (const level of LEVELS) {
    capturing[level] = (message: unknown, ...params: unknown[]) => {
      capture({ kind: 'nest-log', where: `Logger.${level}`, text: renderArguments([message, ...params]) });
      chosen?.[level]?.(message, ...params);
    };
  }
  // `Logger` reads the static on every call, and `overrideLogger`, `useLogger` and `compile()` assign it.
  Object.defineProperty(Logger, 'staticInstanceRef', {
    configurable: true,
    get: () => capturing,
    set: (logger: LoggerService | undefined) => (chosen = logger),
  });
}

// ---- the console -----------------------------------------------------------------------------------

function captureConsole(): void {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      capture({ kind: 'console', where: `console.${method}`, text: renderArguments(args) });
      original.apply(console, args);
    };
  }
}

// ---- fetch ---------------------------------------------------------------------------------------

function captureFetchResponses(): void {
  const originalFetch = globalThis.fetch;
  globalThis.fetch = function fetchRecordingResponses(input: string | URL | Request, init?: RequestInit) {
    const fromModule = calledFromLib(fetchRecordingResponses);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    return originalFetch(input, init).then((response) => {
      if (!fromModule) recordResponse(response, method);
      return response;
    });
  } as typeof fetch;
}

/** Whether the caller of `fn` is a file of lib/ (not a unit spec there). */
function calledFromLib(fn: (...args: never[]) => unknown): boolean {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, fn);
  const caller = holder.stack?.split('\n')[1] ?? '';
  return (caller.includes(LIB_DIR) || caller.includes(LIB_URL)) && !caller.includes('.spec.ts');
}

function recordResponse(response: Response, method: string): void {
  const url = response.url;
  const where = `${method} ${url.split(/[?#]/)[0]} → ${response.status}`;
  for (const [header, text] of response.headers) {
    if (header !== 'set-cookie') capture({ kind: 'response-header', where: `${where}, ${header}`, header, url, text });
  }
  for (const text of response.headers.getSetCookie())
    capture({ kind: 'response-header', where: `${where}, set-cookie`, header: 'set-cookie', url, text });
  if (response.body === null) return;
  if (Number(response.headers.get('content-length')) > MAX_BODY_BYTES) return countSkippedBody();
  const test = expect.getState().currentTestName ?? '(hooks)';
  const { status } = response;
  const location = response.headers.get('location') ?? undefined;
  const entry = { kind: 'response-body', where, url, test, status, location } as const;
  track(readBody(response.clone(), (text) => capture({ ...entry, text })));
}

/** Reads a clone's body to its end, 1 MiB at most and for 3 s at most, without holding the test's copy back. */
async function readBody(clone: Response, done: (text: string) => void): Promise<void> {
  const reader = clone.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let complete = false;
  const deadline = setTimeout(() => void reader.cancel().catch(() => undefined), BODY_DEADLINE_MS);
  try {
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) return void (await reader.cancel().catch(() => undefined));
      chunks.push(value);
    }
    complete = true;
  } catch {
    // The connection failed: the test sees that on its own copy. What arrived is still checked.
  } finally {
    clearTimeout(deadline);
    if (!complete) countSkippedBody();
    if (size <= MAX_BODY_BYTES) done(Buffer.concat(chunks).toString('utf8'));
  }
}

// ---- errors handed to matchers --------------------------------------------------------------------

const THROW_MATCHERS = new Set(['toThrow', 'toThrowError']);

type Matcher = ((this: { promise?: string }, received: unknown, ...args: unknown[]) => unknown) &
  Record<symbol, unknown>;

/**
 * Wraps each built-in matcher so that an `Error` it receives is recorded. Jest keeps its matchers on the test
 * file's global object under this registered symbol; `expect(x)` looks them up there on every call.
 */
function captureMatchedErrors(): void {
  const registry = (globalThis as unknown as Record<symbol, { matchers?: Record<string, Matcher> } | undefined>)[
    Symbol.for('$$jest-matchers-object')
  ];
  if (!registry?.matchers) throw new Error('leak capture: Jest keeps its matchers elsewhere now; update this file');
  const internal = Symbol.for('$$jest-internal-matcher');
  for (const [name, matcher] of Object.entries(registry.matchers)) {
    if (/Snapshot/.test(name)) continue; // They locate their call site by stack frames.
    const wrapped = function (this: { promise?: string }, received: unknown, ...args: unknown[]) {
      if (isError(received)) recordError(received);
      else if (typeof received === 'function' && THROW_MATCHERS.has(name) && !this.promise) {
        const fn = received as (...a: unknown[]) => unknown;
        received = function (this: unknown, ...a: unknown[]) {
          try {
            return fn.apply(this, a);
          } catch (error) {
            recordError(error);
            throw error;
          }
        };
      }
      return matcher.call(this, received, ...args);
    } as Matcher;
    if (matcher[internal] !== undefined) Object.defineProperty(wrapped, internal, { value: matcher[internal] });
    registry.matchers[name] = wrapped;
  }
}

// ---- the check -----------------------------------------------------------------------------------

captureConsole();
captureFetchResponses();
captureMatchedErrors();

// The test file and its imports are loaded by now: if they loaded Nest, its logger is captured before any test.
let nestCaptured = false;
beforeAll(async () => {
  if (nestLoaded()) await captureNestLogs();
  nestCaptured = nestLoaded();
});

afterAll(async () => {
  if (!nestCaptured && nestLoaded())
    throw new Error('leak capture: this file loaded @nestjs/common during its tests; import it at the top');
  const { skippedBodies } = await settleCaptures();
  const findings = findLeaks();
  const testPath = relative(ROOT, expect.getState().testPath ?? '(unknown test file)');
  // A diagnostic: LEAK_CAPTURE_SUMMARY=<file> appends what was checked, per test file, as JSON lines.
  if (process.env.LEAK_CAPTURE_SUMMARY)
    appendFileSync(process.env.LEAK_CAPTURE_SUMMARY, `${JSON.stringify(summary(testPath, skippedBodies, findings))}\n`);
  if (findings.length > 0) throw new Error(leakReport(findings, testPath));
});

function summary(testPath: string, skippedBodies: number, findings: unknown[]) {
  const byKind: Record<string, number> = {};
  for (const { kind } of captures()) byKind[kind] = (byKind[kind] ?? 0) + 1;
  return { testPath, secrets: secretCount(), captures: byKind, skippedBodies, findings: findings.length };
}
