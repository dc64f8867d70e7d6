// The leak capture of the whole suite (test/support/leak-capture.setup.ts) finds what it must and spares what the
// protocol needs: this suite plants a registered secret in each output it records, in each spelling, and checks
// the findings, then forgets its captures so that its own check after the file passes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { FlowManagerRegistry, InvalidStateError, TOKEN_STORE, type TokenStore } from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import {
  allowLeak,
  capture,
  captures,
  clearCaptures,
  findLeaks,
  leakReport,
  registerProviderOrigin,
  registerSecret,
  settleCaptures,
  spellingsOf,
  type LeakFinding,
} from '../support/leak-capture.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** Every character class a spelling changes: `:+&%/`, a space, a quote, a backslash, non-ASCII. */
const SECRET = 'se:cr+et&%/ va"l\\ue-ü??>';
registerSecret(SECRET, 'the planted secret');

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Two servers whose every answer is `answer`: one stands for an app, the other for an authorization server. */
let answer: Answer = { status: 200, headers: {}, body: '' };
const servers: Server[] = [];
let app: string;
let provider: string;

async function listen(): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(answer.status, answer.headers).end(answer.body));
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  app = await listen();
  provider = await listen();
  registerProviderOrigin(provider);
});
afterAll(() => Promise.all(servers.map((server) => new Promise((done) => server.close(done)))));
afterEach(() => clearCaptures());

/** Fetches `path` of `origin` answering `reply`, reads the body as a test would, and waits for the capture. */
async function receive(reply: Partial<Answer>, path = '/', origin = app): Promise<void> {
  answer = { status: 200, headers: {}, body: '', ...reply };
  const response = await fetch(`${origin}${path}`, { redirect: 'manual' });
  await response.text();
  await settleCaptures();
}

/** The findings, as kind and spelling, for the planted secret. */
async function foundSpellings(): Promise<Array<Pick<LeakFinding, 'kind' | 'spelling'>>> {
  await settleCaptures();
  return findLeaks()
    .filter((finding) => finding.label === 'the planted secret')
    .map(({ kind, spelling }) => ({ kind, spelling }));
}

describe('leak capture', () => {
  const spellings = spellingsOf(SECRET);

  it('spells a secret raw, URL-encoded, form-encoded, JSON-escaped, and in base64 and base64url of each', () => {
    const names = spellings.map(({ spelling }) => spelling);
    for (const name of ['raw', 'URL-encoded', 'form-encoded', 'JSON-escaped', 'base64', 'base64url'])
      expect(names).toContain(name);
    expect(names).toContain('base64 of form-encoded');
    expect(spellings.find(({ spelling }) => spelling === 'form-encoded')?.text).toBe(
      new URLSearchParams({ s: SECRET }).toString().slice(2),
    );
    expect(spellings.find(({ spelling }) => spelling === 'URL-encoded')?.text).toBe(encodeURIComponent(SECRET));
  });

  it.each(spellings.map(({ spelling, text }) => [spelling, text]))(
    'finds a registered secret %s (spelling %#) in a Nest log line, a response header and body, and an asserted error',
    async (spelling, text) => {
      Logger.overrideLogger(false); // as app.useLogger(false): nothing is printed, the line is captured all the same
      new Logger('LeakCaptureSelfTest').error(`failed with ${text}`);
      await receive({ headers: { 'X-Echo': `id ${text} end` } });
      await receive({ body: `note: …${text}…`, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
      expect(() => {
        throw new Error(`thrown with ${text}`);
      }).toThrow(Error);
      await expect(Promise.reject(new TypeError(`rejected with ${text}`))).rejects.toBeInstanceOf(TypeError);
      const kinds = (await foundSpellings()).filter((finding) => finding.spelling === spelling).map(({ kind }) => kind);
      expect(new Set(kinds)).toEqual(new Set(['nest-log', 'response-header', 'response-body', 'error']));
    },
  );

  it('finds a registered secret in a console line, in every spelling', async () => {
    // One line (printed: the capture keeps the console's output) with every spelling, for every console method.
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      clearCaptures();
      console[method](`planted by the leak capture self-test: ${spellings.map(({ text }) => text).join(' | ')}`);
      const found = await foundSpellings();
      expect(found.filter(({ kind }) => kind === 'console').map(({ spelling }) => spelling)).toEqual(
        expect.arrayContaining(spellings.map(({ spelling }) => spelling)),
      );
    }
  });

  it('finds a secret inside a longer base64 text, at any alignment (a Basic header, a JWT)', async () => {
    for (const prefix of ['', 'c', 'cl', 'cli']) {
      clearCaptures();
      const basic = Buffer.from(`${prefix}:${SECRET}`).toString('base64');
      await receive({ headers: { 'WWW-Authenticate': `Basic realm="${basic}"` } });
      expect(await foundSpellings()).toContainEqual({ kind: 'response-header', spelling: 'base64' });
    }
  });

  it('finds the secrets of an error in its cause, its JSON and its non-enumerable properties', async () => {
    const cause = new Error('the store failed');
    Object.defineProperty(cause, 'command', { value: `AUTH ${SECRET}`, enumerable: false });
    // Not `.rejects.toThrow`: Jest answers it without the matchers the capture wraps (lib/'s rejections are
    // recorded where lib/ throws them, test/support/leak-capture.lib.ts).
    await expect(Promise.reject(new Error('failed', { cause }))).rejects.toMatchObject({ message: 'failed' });
    const error = Object.assign(new Error('plain message'), { details: { password: SECRET } });
    expect(error).toBeInstanceOf(Error);
    expect((await foundSpellings()).filter(({ kind }) => kind === 'error')).toEqual([
      { kind: 'error', spelling: 'raw' },
      { kind: 'error', spelling: 'JSON-escaped' },
    ]);
  });

  it('allows state and nonce in a redirect to a provider, code and state in a provider redirect, nothing else', async () => {
    const state = 'state-0123456789abcdefghijklmnopqrstuvwxyzABCD';
    const nonce = 'nonce-0123456789abcdefghijklmnopqrstuvwxyzABCD';
    const code = 'code-0123456789abcdefghijklmnopqrstuvwxyzABCDE';
    registerSecret(state, 'a state', 'state');
    registerSecret(nonce, 'a nonce', 'nonce');
    registerSecret(code, 'a code', 'code');
    const labels = async () => {
      await settleCaptures();
      const labelled = findLeaks().map(({ label }) => label);
      clearCaptures();
      return labelled;
    };
    const authorize = `${provider}/authorize?response_type=code&state=${state}&nonce=${nonce}`;
    const callback = `${app}/callback?code=${code}&state=${state}&iss=x`;

    // The app's authorization request, and the body that repeats its Location.
    await receive({ status: 302, headers: { Location: authorize }, body: `Redirecting to ${authorize}` });
    expect(await labels()).toEqual([]);
    // Not a code or a secret in it, not the state under another name, not to another server.
    await receive({ status: 302, headers: { Location: `${authorize}&code=${code}` } }, '/1');
    await receive({ status: 302, headers: { Location: `${provider}/authorize?client_secret=${SECRET}` } }, '/2');
    await receive({ status: 302, headers: { Location: `${provider}/authorize?returnTo=${state}` } }, '/3');
    await receive({ status: 302, headers: { Location: `${app}/elsewhere?state=${state}&nonce=${nonce}` } }, '/4');
    expect(await labels()).toEqual(['a code', 'the planted secret', 'a state', 'a state', 'a nonce']);

    // The provider's authorization response to the callback, and its body.
    const redirectBody = `Redirecting to <a href="${callback.replace(/&/g, '&amp;')}">`;
    await receive({ status: 303, headers: { Location: callback }, body: redirectBody }, '/auth', provider);
    expect(await labels()).toEqual([]);
    // Not in another header of the provider, not the nonce, not in a 200's body.
    await receive({ headers: { 'X-Code': code, Location: `${app}/callback?nonce=${nonce}` } }, '/1', provider);
    await receive({ body: `code=${code}` }, '/2', provider);
    expect(await labels()).toEqual(['a nonce', 'a code', 'a code']); // headers in name order

    // The app's own redirect (after the callback) holds neither.
    await receive({ status: 302, headers: { Location: callback }, body: `Redirecting to ${callback}` });
    expect(await labels()).toEqual(['a code', 'a state', 'a code', 'a state']);
  });

  it('ignores values under 8 characters, and a value a test allowed, in the kinds it allowed it in', async () => {
    registerSecret('short', 'a short value');
    const allowed = 'allowed-0123456789';
    registerSecret(allowed, 'an allowed value');
    allowLeak(allowed, 'this test prints it to show the exemption', ['response-body']);
    await receive({ body: `short ${allowed}`, headers: { 'X-Allowed': allowed } });
    expect(findLeaks().map(({ kind, label }) => `${kind}: ${label}`)).toEqual(['response-header: an allowed value']);
    expect(() => allowLeak(allowed, ' ')).toThrow(TypeError);
  });

  it('reports the kind, the place, the test, the label and the spelling, never the value', async () => {
    await receive({ headers: { 'X-Echo': encodeURIComponent(SECRET) } }, `/path?code=${encodeURIComponent(SECRET)}`);
    const report = leakReport(findLeaks(), 'test/x.e2e-spec.ts');
    expect(report).toContain(`response-header of GET ${app}/path → 200, x-echo, in "leak capture reports the kind`);
    expect(report).toContain('the planted secret, URL-encoded');
    for (const { text } of spellings) expect(report).not.toContain(text);
  });

  it('fails the test file whose outputs hold a registered secret', async () => {
    const fixture = 'test/fixtures/leak-capture.leaky.ts';
    const jest = resolve(root, 'node_modules/jest/bin/jest.js');
    const args = ['--experimental-vm-modules', jest, '--ci', '--runInBand', '--testMatch', `**/${fixture}`];
    const failure = await run(process.execPath, args, { cwd: root, env: { ...process.env, NODE_OPTIONS: '' } }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(`Leak capture: 1 output(s) of ${fixture} hold a secret the tests registered`);
    expect(failure?.stderr).toContain('nest-log of Logger.error, in "a leaky test logs it": a leaky secret, base64');
    expect(failure?.stderr).not.toContain('leaky-secret-value');
  }, 60_000);
});

describe('leak capture through lib/', () => {
  let fake: FakeProvider;
  let moduleRef: TestingModule;
  const manager = () => moduleRef.get(FlowManagerRegistry).get('fake');

  beforeAll(async () => {
    fake = await FakeProvider.start();
    moduleRef = await compileWith({ providers: { fake: fakeClientOptions(fake) } });
  });
  afterAll(async () => {
    await moduleRef.close();
    await fake.close();
  });

  it("records lib/'s rejections, even under .rejects.toThrow, and registers each flow's state, verifier and code", async () => {
    await expect(manager().fetchAccessToken('ada', 'code-0123456789', 'state-0123456789')).rejects.toThrow(
      InvalidStateError,
    );
    const errors = captures().filter(({ kind }) => kind === 'error');
    expect(errors.map(({ where }) => where)).toEqual(['InvalidStateError (invalid_state)']);
    const { state } = await manager().createAuthorizationUrl('ada');
    capture({ kind: 'console', where: 'planted', text: `${state} code-0123456789` });
    expect(findLeaks().map(({ label }) => label)).toEqual(['state (FlowManager)', 'code (fetchAccessToken)']);
  });

  it("does not record the answers to the module's own fetch (a protected resource): they are its input", async () => {
    const accessToken = 'access-token-0123456789';
    await moduleRef.get<TokenStore>(TOKEN_STORE).set('fake', 'ada', { accessToken, tokenType: 'Bearer', raw: {} });
    const reply = { headers: { 'X-Echo': accessToken }, body: accessToken };
    answer = { status: 200, ...reply };
    const response = await manager().fetchProtectedResource('ada', `${app}/resource`);
    expect(await response.text()).toBe(accessToken);
    await settleCaptures();
    expect(findLeaks()).toEqual([]);
    await receive(reply, '/resource');
    expect(findLeaks().map(({ kind, label }) => `${kind}: ${label}`)).toEqual([
      'response-header: access token (InMemoryTokenStore)',
      'response-body: access token (InMemoryTokenStore)',
    ]);
  });
});
