// Any Cookie header through the real routes, on Express and Fastify: a 3xx or a 4xx, never a 5xx, and work linear
// in the header's length, counted on the header itself rather than timed (SECURITY.md, P3 and P22).
import { connect } from 'node:net';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { CookieText } from '../../lib/http/browser-binding.js';
import { FakeProvider } from '../support/fake-provider.js';
import { cookiesFrom, HeaderUserGuard, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { propertyRuns } from '../support/property-runs.js';
import { fakeClientOptions } from '../support/testing-module.js';

/** A Cookie header that counts the characters the parser's string operations visit, and how often it is scanned. */
class CountingText implements CookieText {
  visited = 0;
  scans = 0;
  constructor(private readonly text: string) {}
  get length() {
    return this.text.length;
  }
  indexOf(search: string, position = 0): number {
    const found = this.text.indexOf(search, position);
    this.visited += (found < 0 ? this.text.length : found + search.length) - Math.min(position, this.text.length);
    return found;
  }
  includes(search: string, position = 0): boolean {
    // The parser's first look at a header: is its cookie name there at all?
    if (position === 0) this.scans++;
    const found = this.text.indexOf(search, position);
    this.visited += (found < 0 ? this.text.length : found + search.length) - Math.min(position, this.text.length);
    return found >= 0;
  }
  charCodeAt(index: number): number {
    this.visited += 1;
    return this.text.charCodeAt(index);
  }
  slice(start?: number, end?: number): string {
    const sliced = this.text.slice(start, end);
    this.visited += sliced.length;
    return sliced;
  }
}

/** Every Cookie header the routes were handed, as the platform handed it over, wrapped to count the work done on it. */
const counted: CountingText[] = [];

/** Runs after the user guard: hands the routes a counting Cookie header in place of the string. */
@Injectable()
class CountCookieWork implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
    if (typeof request.headers.cookie === 'string') {
      const text = new CountingText(request.headers.cookie);
      counted.push(text);
      request.headers.cookie = text;
    }
    return true;
  }
}

/**
 * A request written byte for byte (fetch would trim and validate the header), with `Connection: close`: the
 * server closes the connection once it has answered. Resolves to the status code, or NaN when none came back.
 */
async function rawGet(port: number, path: string, cookieHeaders: Buffer[]): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  const head = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nx-user: ada\r\n`);
  const cookies = cookieHeaders.map((value) => Buffer.concat([Buffer.from('Cookie: '), value, Buffer.from('\r\n')]));
  // write, not end: Node's server drops a response still pending once the client has half-closed.
  socket.write(Buffer.concat([head, ...cookies, Buffer.from('\r\n')]));
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of socket) chunks.push(chunk as Buffer);
  } catch {
    // A server that answers and then resets the connection (431, 400) still answered.
  }
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(Buffer.concat(chunks).toString('latin1'))?.[1]);
}

const latin1 = (text: string) => Buffer.from(text, 'latin1');
/** Any byte but CR and LF; control bytes (which Node answers with 400 itself) in one case of a hundred. */
const byte = fc.oneof(
  { weight: 98, arbitrary: fc.integer({ min: 0x20, max: 0xff }) },
  { weight: 1, arbitrary: fc.constant(0x09) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x1f }).filter((code) => code !== 0x0d && code !== 0x0a) },
);
const bytes = (maxLength: number) => fc.array(byte, { maxLength }).map((codes) => String.fromCharCode(...codes));
const part = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);

/** Names that are ours, look like ours (case, prefix, whitespace, NUL, NBSP), or are anything. */
const cookieName = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'acf-oauth',
      '__Host-acf-oauth',
      '__host-acf-oauth',
      '__HOST-acf-oauth',
      '__Secure-acf-oauth',
      '__Host-acf-oauth ',
      ' __Host-acf-oauth',
      '\t__Host-acf-oauth',
      '\xa0__Host-acf-oauth',
      '__Host-acf-oauth\x00',
      '__Host-acf-oauth.',
      '__Host-acf_oauth',
      '__Host-ACF-OAUTH',
      '__Host-__Host-acf-oauth',
      '__Host-acf-oauth=__Host-acf-oauth',
    ),
  },
  { weight: 1, arbitrary: bytes(16) },
);

/** Values that are well-formed, nearly so, arbitrary bytes, or huge. */
const cookieValue = fc.oneof(
  { weight: 3, arbitrary: fc.array(part, { minLength: 1, maxLength: 12 }).map((parts) => parts.join('.')) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.=-]{0,60}$/) },
  { weight: 2, arbitrary: bytes(60) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('A', '.', '=', ';', ' ', `${'a'.repeat(43)}.`), fc.integer({ min: 1_000, max: 15_000 }))
      .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length))),
  },
);

const cookie = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(cookieName, cookieValue).map(([name, value]) => `${name}=${value}`) },
  { weight: 1, arbitrary: bytes(40) },
);

/** One Cookie header: many cookies, repeated names, odd separators. */
const cookieHeader = fc
  .tuple(fc.array(cookie, { maxLength: 60 }), fc.constantFrom('; ', ';', ' ;', ';;', ', ', ';\t'))
  .map(([cookies, separator]) => cookies.join(separator));

describe.each(PLATFORMS)('any Cookie header through the routes on %s', (platform) => {
  let provider: FakeProvider;
  let running: RunningApp;
  let port: number;

  beforeAll(async () => {
    provider = await FakeProvider.start();
    running = await startHttpApp(platform, {
      providers: {
        // https redirect URI: the binding cookie is __Host-acf-oauth, which the lookalikes imitate.
        fake: fakeClientOptions(provider, 'fake', { redirectUri: 'https://app.example/oauth/fake/callback' }),
      },
      routes: { guards: [HeaderUserGuard, CountCookieWork] },
    });
    port = Number(new URL(running.url).port);
  });
  afterAll(async () => {
    await running.close();
    await provider.close();
  });
  afterEach(() => {
    provider.reset();
    counted.length = 0;
  });

  /** A live flow of ada's: the callback's path and the binding cookie as the browser would send it. */
  async function liveFlow(): Promise<{ callback: string; cookie: string }> {
    const authorize = await fetch(`${running.url}/oauth/fake/authorize`, {
      redirect: 'manual',
      headers: { 'x-user': 'ada' },
    });
    const query = await provider.authorize(authorize.headers.get('location')!);
    return { callback: `/oauth/fake/callback?${query}`, cookie: cookiesFrom(authorize) };
  }

  it('property: a 3xx or 4xx, at most one scan per request, and at most 8 characters visited per character of the header', async () => {
    let reached = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(cookieHeader, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('authorize', 'unknown state', 'live flow'),
        fc.nat(),
        async (headers, route, at) => {
          let path = '/oauth/fake/authorize';
          if (route === 'unknown state') path = '/oauth/fake/callback?state=unknown-state&code=some-code';
          if (route === 'live flow') {
            // The browser's own cookie hidden among the others: the parser must find it, or refuse several.
            const flow = await liveFlow();
            path = flow.callback;
            const first = headers[0]!;
            const cut = at % (first.length + 1);
            headers[0] = `${first.slice(0, cut)}; ${flow.cookie}; ${first.slice(cut)}`;
          }
          counted.length = 0;
          const status = await rawGet(port, path, headers.map(latin1));
          expect(status).toBeGreaterThanOrEqual(300);
          expect(status).toBeLessThan(500);
          // Node refuses some headers itself (control bytes: 400; over 16 KiB: 431); any other reached the parser.
          if (counted.length === 0) return;
          reached++;
          expect(counted).toHaveLength(1);
          const [text] = counted;
          expect(text!.scans).toBeLessThanOrEqual(1);
          expect(text!.visited).toBeLessThanOrEqual(8 * text!.length + 16);
        },
      ),
      propertyRuns(150),
    );
    expect(reached).toBeGreaterThan(0);
  }, 60_000);

  it('does work linear in the header: 14 times the header, at most about 14 times the work, whatever its shape', async () => {
    const ours = `__Host-acf-oauth=${'a'.repeat(43)}.${'b'.repeat(43)}`;
    const shapes: Array<(n: number) => string> = [
      (n) => `${';'.repeat(n)}${ours}`,
      (n) => `${'='.repeat(n)}; ${ours}`,
      (n) => `${'a;'.repeat(n / 2)}${ours}`,
      (n) => `${' '.repeat(n)}${ours}`,
      (n) => `${ours}${'.'.repeat(n)}`,
      (n) => `__Host-acf-oauth=${`${'c'.repeat(43)}.`.repeat(n / 44)}`,
      (n) => `${'__Host-acf-oauth;'.repeat(n / 17)}${ours}`,
      (n) => `${'x=__Host-acf-oauth;'.repeat(n / 19)}${ours}`,
      (n) => `${'__host-acf-oauth=x; '.repeat(n / 20)}${ours}`,
    ];
    const work = async (header: string) => {
      counted.length = 0;
      expect(await rawGet(port, '/oauth/fake/authorize', [latin1(header)])).toBe(302);
      expect(counted).toHaveLength(1);
      return counted[0]!.visited;
    };
    for (const shape of shapes) {
      const [small, large] = [shape(1024), shape(14 * 1024)];
      const [smallWork, largeWork] = [await work(small), await work(large)];
      expect(largeWork).toBeLessThanOrEqual(8 * large.length);
      expect(largeWork).toBeLessThanOrEqual(1.1 * (large.length / small.length) * smallWork + 64);
    }
  });

  it('answers a 64 KiB Cookie header with 431 before the routes see it, so no parse ever reads more than 16 KiB', async () => {
    const status = await rawGet(port, '/oauth/fake/authorize', [latin1(`__Host-acf-oauth=${'a'.repeat(64 * 1024)}`)]);
    expect(status).toBe(431);
    expect(counted).toHaveLength(0);
  });
});
