import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { AuthCodeFlowConfigError, DiscoveryError } from '../auth-code-flow.errors.js';
import { parseProviderMetadata, type ProviderMetadata } from '../discovery/provider-metadata.js';
import type {
  TokenHttpRequest,
  TokenHttpResponse,
  TokenHttpTransport,
} from '../interfaces/token-http-transport.interface.js';
import { resolveOptions } from '../options/resolve-options.util.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import { PushedAuthorizationError } from '../pushed-authorization.errors.js';
import { TokenHttpFailure } from '../transport/token-http-failure.js';
import { AuthorizationUrlBuilder } from './authorization-url.js';
import {
  MAX_REQUEST_URI_LENGTH,
  parWithMetadata,
  parsePushedAuthorizationResponse,
  pushedAuthorizationRequester,
} from './pushed-authorization.js';
import { TokenEndpointClient } from './token-endpoint.client.js';

const SECRET = 'par secret: a:b+c&d%e/f g';
const VERIFIER = 'v'.repeat(43);
const NONCE = 'nonce-of-the-flow';
const STATE = 'state-of-the-flow';
const REQUEST_URI = 'urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c';

function config(overrides: Record<string, unknown> = {}): ResolvedProviderConfig {
  return resolveOptions({
    providers: {
      idp: {
        baseUri: 'https://idp.example',
        authorizationPath: '/authorize?tenant=t1',
        accessTokenPath: '/token',
        pushedAuthorizationRequests: true,
        pushedAuthorizationRequestPath: '/par',
        clientId: 'client id',
        clientSecret: SECRET,
        clientAuthMethod: 'client_secret_basic',
        redirectUri: 'https://app.example/oauth/idp/callback',
        scope: ['read', 'write'],
        authorizationParams: { prompt: 'consent' },
        tokenRequestHeaders: { 'User-Agent': 'par-test/1' },
        ...overrides,
      },
    },
  }).providers.get('idp')!;
}

/** A transport that records each POST and answers with `answer` (or throws what it throws). */
function transport(answer: () => TokenHttpResponse | Promise<TokenHttpResponse>) {
  const requests: TokenHttpRequest[] = [];
  const http: TokenHttpTransport = {
    post: async (request) => {
      requests.push(request);
      return answer();
    },
  };
  return { http, requests };
}

const created = (body: unknown = { request_uri: REQUEST_URI, expires_in: 60 }): TokenHttpResponse => ({
  status: 201,
  contentType: 'application/json',
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

function requester(http: TokenHttpTransport, resolved = config()) {
  const urls = new AuthorizationUrlBuilder(resolved);
  const pushed = pushedAuthorizationRequester(resolved, urls, new TokenEndpointClient(http), 1500)!;
  return { pushed, urls };
}

const flow = { codeVerifier: VERIFIER, nonce: NONCE };

/** What `call` rejected with, which must be a PushedAuthorizationError. */
async function failureOf(call: Promise<unknown>): Promise<PushedAuthorizationError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(PushedAuthorizationError);
  return error as PushedAuthorizationError;
}

describe('PushedAuthorizationRequester', () => {
  it('pushes the parameters of the authorization URL with client_secret_basic, and sends only client_id and request_uri', async () => {
    const { http, requests } = transport(() => created());
    const { pushed, urls } = requester(http);
    const url = await pushed.authorizationUrl(STATE, flow, { login_hint: 'ada@example.com' });

    // The endpoint's own query is kept; nothing of the request is in the URL.
    expect(url).toBe(
      `https://idp.example/authorize?tenant=t1&client_id=client+id&request_uri=${encodeURIComponent(REQUEST_URI)}`,
    );
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request).toMatchObject({ url: 'https://idp.example/par', maxResponseBytes: 1024 * 1024 });
    // What is left of the 1,500 ms budget when the request leaves.
    expect(request!.timeoutMs).toBeGreaterThan(1000);
    expect(request!.timeoutMs).toBeLessThanOrEqual(1500);
    expect(request!.headers).toEqual({
      Accept: 'application/json',
      'Content-Type': 'application/x-www-form-urlencoded',
      'User-Agent': 'par-test/1',
      Authorization: `Basic ${Buffer.from('client+id:par+secret%3A+a%3Ab%2Bc%26d%25e%2Ff+g').toString('base64')}`,
    });
    const plain = new URL(urls.build(STATE, flow, { login_hint: 'ada@example.com' }));
    plain.searchParams.delete('tenant');
    expect([...new URLSearchParams(request!.body)]).toEqual([...plain.searchParams]);
    expect(Object.fromEntries(new URLSearchParams(request!.body))).toMatchObject({
      response_type: 'code',
      client_id: 'client id',
      redirect_uri: 'https://app.example/oauth/idp/callback',
      scope: 'read write',
      state: STATE,
      code_challenge_method: 'S256',
      nonce: NONCE,
      prompt: 'consent',
      login_hint: 'ada@example.com',
    });
    expect(request!.body).not.toContain('client_secret');
  });

  it('authenticates as the token request does: client_secret_post in the body, a public client by its id alone', async () => {
    const { http, requests } = transport(() => created());
    await requester(http, config({ clientAuthMethod: 'client_secret_post' })).pushed.authorizationUrl(STATE, flow);
    await requester(http, config({ clientSecret: undefined, clientAuthMethod: 'none' })).pushed.authorizationUrl(
      STATE,
      flow,
    );
    const [post, none] = requests.map((request) => new URLSearchParams(request.body));
    expect(post!.get('client_id')).toBe('client id');
    expect(post!.get('client_secret')).toBe(SECRET);
    expect(post!.getAll('client_id')).toHaveLength(1);
    expect(none!.get('client_id')).toBe('client id');
    expect(none!.has('client_secret')).toBe(false);
    expect(requests.map((request) => request.headers.Authorization)).toEqual([undefined, undefined]);
  });

  it.each([
    ['a 200 (not 201 Created)', { status: 200, body: JSON.stringify({ request_uri: REQUEST_URI, expires_in: 60 }) }],
    ['a 500 page', { status: 500, body: '<html>oops</html>' }],
    ['a 503 without a body', { status: 503, body: '' }],
  ])('refuses %s as http_status, without an OAuth error', async (_name, answer) => {
    const { http } = transport(() => ({ contentType: 'text/html', ...answer }));
    const error = await failureOf(requester(http).pushed.authorizationUrl(STATE, flow));
    expect(error).toMatchObject({ code: 'par_failed', reason: 'http_status', status: answer.status });
    expect(error.error).toBeUndefined();
    expect(error.message).toBe(
      `The pushed authorization request failed: the PAR endpoint answered HTTP ${answer.status}, not 201 Created.`,
    );
  });

  it('keeps an OAuth error answer’s error and description, filtered as a token request error’s', async () => {
    const rejecting = (body: Record<string, unknown>, status = 400) =>
      requester(transport(() => ({ status, contentType: 'application/json', body: JSON.stringify(body) })).http);
    const invalid = await failureOf(
      rejecting({ error: 'invalid_request', error_description: 'bad\r\nscope\u202e' }).pushed.authorizationUrl(
        STATE,
        flow,
      ),
    );
    expect(invalid).toMatchObject({
      reason: 'http_status',
      status: 400,
      error: 'invalid_request',
      errorDescription: 'badscope',
      message:
        'The pushed authorization request failed: the PAR endpoint refused the request with an OAuth error (HTTP 400).',
    });
    const odd = await failureOf(rejecting({ error: 'no such <client>' }, 401).pushed.authorizationUrl(STATE, flow));
    expect(odd).toMatchObject({ status: 401, error: 'invalid_error_code' });
    expect(odd.errorDescription).toBeUndefined();
  });

  it.each([301, 302, 303, 307, 308])('never follows a redirect (HTTP %i)', async (status) => {
    const { http, requests } = transport(() => ({ status, contentType: '', body: '' }));
    const error = await failureOf(requester(http).pushed.authorizationUrl(STATE, flow));
    expect(error).toMatchObject({ reason: 'redirect', status });
    expect(requests).toHaveLength(1);
  });

  it.each([
    ['not JSON', 'request_uri=urn:x'],
    ['a JSON array', [REQUEST_URI]],
    ['no request_uri', { expires_in: 60 }],
    ['an empty request_uri', { request_uri: '', expires_in: 60 }],
    ['a numeric request_uri', { request_uri: 7, expires_in: 60 }],
    ['a request_uri with a space', { request_uri: 'urn:a b', expires_in: 60 }],
    ['a request_uri with a line break', { request_uri: 'urn:a\r\nSet-Cookie:x', expires_in: 60 }],
    ['a request_uri with non-ASCII', { request_uri: 'urn:é', expires_in: 60 }],
    ['an overlong request_uri', { request_uri: `urn:${'a'.repeat(MAX_REQUEST_URI_LENGTH)}`, expires_in: 60 }],
    ['no expires_in', { request_uri: REQUEST_URI }],
    ['a zero expires_in', { request_uri: REQUEST_URI, expires_in: 0 }],
    ['a negative expires_in', { request_uri: REQUEST_URI, expires_in: -5 }],
    ['a fractional expires_in', { request_uri: REQUEST_URI, expires_in: 1.5 }],
    ['a string expires_in', { request_uri: REQUEST_URI, expires_in: '60' }],
    ['an expires_in of more than ten years', { request_uri: REQUEST_URI, expires_in: 400_000_000 }],
  ])('refuses a 201 with %s as invalid_response', async (_name, body) => {
    const error = await failureOf(requester(transport(() => created(body)).http).pushed.authorizationUrl(STATE, flow));
    expect(error).toMatchObject({ code: 'par_failed', reason: 'invalid_response', status: 201 });
  });

  it('accepts a request_uri of the longest length and any positive expires_in', () => {
    const longest = `urn:${'a'.repeat(MAX_REQUEST_URI_LENGTH - 4)}`;
    expect(parsePushedAuthorizationResponse(created({ request_uri: longest, expires_in: 1 }))).toEqual({
      requestUri: longest,
      expiresIn: 1,
    });
  });

  it('reports transport failures by reason, and sends a request that may have arrived only once', async () => {
    const failing = (failure: TokenHttpFailure) =>
      transport(() => {
        throw failure;
      });
    const timeout = failing(new TokenHttpFailure('timeout', undefined, 'timed out'));
    expect(await failureOf(requester(timeout.http).pushed.authorizationUrl(STATE, flow))).toMatchObject({
      reason: 'timeout',
      status: undefined,
      message: 'The pushed authorization request failed: no complete response within 1500 ms.',
    });
    const reset = failing(new TokenHttpFailure('network', 'ECONNRESET', 'reset'));
    expect(await failureOf(requester(reset.http).pushed.authorizationUrl(STATE, flow))).toMatchObject({
      reason: 'network',
      message: 'The pushed authorization request failed: network error ECONNRESET.',
    });
    expect(reset.requests).toHaveLength(1);
    const large = failing(new TokenHttpFailure('response_too_large', undefined, 'too large'));
    expect(await failureOf(requester(large.http).pushed.authorizationUrl(STATE, flow))).toMatchObject({
      reason: 'response_too_large',
    });
    // A refused connection never carried the request: it is tried again within the deadline, as a token request is.
    const refused = failing(new TokenHttpFailure('network', 'ECONNREFUSED', 'refused'));
    expect(await failureOf(requester(refused.http).pushed.authorizationUrl(STATE, flow))).toMatchObject({
      reason: 'network',
    });
    expect(refused.requests.length).toBeGreaterThan(1);
  });

  it('holds no secret, verifier, state, nonce or provider text in its message or properties', async () => {
    const answers: TokenHttpResponse[] = [
      { status: 400, contentType: 'application/json', body: JSON.stringify({ error: SECRET, error_description: 'x' }) },
      created({ request_uri: `urn:${SECRET}`, expires_in: 60 }),
      created({ request_uri: REQUEST_URI, expires_in: `${STATE}` }),
      { status: 500, contentType: 'text/html', body: `<p>${STATE} ${VERIFIER}</p>` },
    ];
    for (const answer of answers) {
      const error = await failureOf(requester(transport(() => answer).http).pushed.authorizationUrl(STATE, flow));
      const rendered = [inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error), error.stack].join('\n');
      for (const secret of [SECRET, 'par+secret', VERIFIER, STATE, NONCE, 'request_uri:6esc', 'oops'])
        expect(rendered).not.toContain(secret);
    }
  });
});

describe('pushedAuthorizationRequester', () => {
  it('gives none when PAR is off or unset, and refuses PAR on without an endpoint', () => {
    const client = new TokenEndpointClient(transport(() => created()).http);
    const off = config({ pushedAuthorizationRequests: false });
    expect(pushedAuthorizationRequester(off, new AuthorizationUrlBuilder(off), client, 1000)).toBeUndefined();
    const unset = { ...config(), par: undefined };
    expect(pushedAuthorizationRequester(unset, new AuthorizationUrlBuilder(unset), client, 1000)).toBeUndefined();
    const noEndpoint = { ...config(), par: { enabled: true } };
    expect(() =>
      pushedAuthorizationRequester(noEndpoint, new AuthorizationUrlBuilder(noEndpoint), client, 1000),
    ).toThrow(AuthCodeFlowConfigError);
  });
});

describe('parWithMetadata', () => {
  const ISSUER = 'https://idp.example';
  const document = (extra: Record<string, unknown>) =>
    JSON.stringify({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/auth`,
      token_endpoint: `${ISSUER}/token`,
      pushed_authorization_request_endpoint: `${ISSUER}/request`,
      ...extra,
    });
  const metadata = (extra: Record<string, unknown> = {}): ProviderMetadata =>
    parseProviderMetadata(document(extra), ISSUER, false);
  const provider = (par: ResolvedProviderConfig['par']) => ({ name: 'idp', par });

  it('reads require_pushed_authorization_requests only when it is true', () => {
    expect(metadata({ require_pushed_authorization_requests: true }).requirePushedAuthorizationRequests).toBe(true);
    for (const value of [false, 'true', 1, undefined])
      expect(metadata({ require_pushed_authorization_requests: value })).not.toHaveProperty(
        'requirePushedAuthorizationRequests',
      );
    expect(metadata().pushedAuthorizationRequestEndpoint).toBe(`${ISSUER}/request`);
  });

  it('turns PAR on when the metadata requires it and nothing is configured, off when it does not', () => {
    const required = metadata({ require_pushed_authorization_requests: true });
    expect(parWithMetadata(provider({}), required)).toEqual({ enabled: true, endpoint: `${ISSUER}/request` });
    expect(parWithMetadata(provider(undefined), required)).toEqual({ enabled: true, endpoint: `${ISSUER}/request` });
    expect(parWithMetadata(provider({}), metadata())).toEqual({ enabled: false, endpoint: `${ISSUER}/request` });
    expect(parWithMetadata(provider({ enabled: true }), metadata())).toEqual({
      enabled: true,
      endpoint: `${ISSUER}/request`,
    });
  });

  it('prefers the configured endpoint to the metadata’s', () => {
    const configured = { enabled: true, endpoint: 'https://par.example/push' };
    expect(parWithMetadata(provider(configured), metadata())).toEqual(configured);
    const noEndpoint = metadata({ pushed_authorization_request_endpoint: undefined });
    expect(parWithMetadata(provider(configured), noEndpoint)).toEqual(configured);
  });

  it('refuses PAR turned off against the metadata, and PAR without an endpoint, as invalid_metadata', () => {
    const required = metadata({ require_pushed_authorization_requests: true });
    const off = () => parWithMetadata(provider({ enabled: false }), required);
    expect(off).toThrow(DiscoveryError);
    expect(off).toThrow(
      'The metadata of issuer https://idp.example could not be used: it requires pushed authorization requests ' +
        '(require_pushed_authorization_requests), which providers.idp.pushedAuthorizationRequests: false turns off.',
    );
    const noEndpoint = metadata({ pushed_authorization_request_endpoint: undefined });
    const missing = () => parWithMetadata(provider({ enabled: true }), noEndpoint);
    expect(missing).toThrow(expect.objectContaining({ code: 'discovery_failed', reason: 'invalid_metadata' }));
    expect(missing).toThrow(
      /names no pushed_authorization_request_endpoint.*providers\.idp\.pushedAuthorizationRequestPath/,
    );
    const requiredNoEndpoint = metadata({
      require_pushed_authorization_requests: true,
      pushed_authorization_request_endpoint: undefined,
    });
    expect(() => parWithMetadata(provider({}), requiredNoEndpoint)).toThrow(DiscoveryError);
    expect(parWithMetadata(provider({}), noEndpoint)).toEqual({ enabled: false });
  });
});
