import { beforeAll, describe, expect, it } from '@jest/globals';
import type { FlattenedJWSInput, JWK } from 'jose';
import {
  JWKS_DEFAULT_TTL_SECONDS,
  JWKS_MAX_TTL_SECONDS,
  JWKS_MIN_TTL_SECONDS,
  JWKS_REFETCH_COOLDOWN_MS,
  MAX_TOKEN_RESPONSE_BYTES,
} from '../auth-code-flow.constants.js';
import { IdTokenValidationError } from '../auth-code-flow.errors.js';
import type {
  TokenHttpGetRequest,
  TokenHttpResponse,
  TokenHttpTransport,
} from '../interfaces/token-http-transport.interface.js';
import { TokenHttpFailure } from '../transport/token-http-failure.js';
import { generateSigningKey, type SigningKey } from '../../test/support/signing-provider.js';
import { JwksCache } from './jwks.cache.js';

const TOKEN = { payload: '', signature: '' } as FlattenedJWSInput;
const T0 = 1_700_000_000_000;

/** A transport whose GET answers with `answer` (a JWK Set by default) and records every request. */
class FakeTransport implements TokenHttpTransport {
  readonly requests: TokenHttpGetRequest[] = [];
  answer: () => Promise<TokenHttpResponse> = () => Promise.resolve(this.jwks());
  keys: JWK[] = [];
  cacheControl: string | undefined;

  post(): never {
    throw new Error('no POST expected');
  }

  get(request: TokenHttpGetRequest): Promise<TokenHttpResponse> {
    this.requests.push(request);
    return this.answer();
  }

  jwks(): TokenHttpResponse {
    const response: TokenHttpResponse = {
      status: 200,
      contentType: 'application/jwk-set+json',
      body: JSON.stringify({ keys: this.keys }),
    };
    if (this.cacheControl !== undefined) response.cacheControl = this.cacheControl;
    return response;
  }
}

function setUp() {
  const transport = new FakeTransport();
  const clock = { now: T0 };
  const cache = new JwksCache(transport, {
    provider: 'acme',
    jwksUri: 'https://idp.example/jwks',
    timeoutMs: 1234,
    now: () => clock.now,
  });
  return { transport, clock, cache };
}

/** What `promise` rejected with, asserted to be an `IdTokenValidationError`. */
async function refusal(promise: Promise<unknown>): Promise<IdTokenValidationError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(IdTokenValidationError);
  return error as IdTokenValidationError;
}

describe('JwksCache', () => {
  let first: SigningKey;
  let second: SigningKey;
  let third: SigningKey;
  const header = (key: SigningKey) => ({ alg: key.alg, kid: key.kid });

  beforeAll(async () => {
    [first, second, third] = await Promise.all([
      generateSigningKey('ES256', 'k1'),
      generateSigningKey('ES256', 'k2'),
      generateSigningKey('ES256', 'k3'),
    ]);
  });

  it('fetches the set once through the transport, with its Accept, timeout and size cap', async () => {
    const { transport, cache } = setUp();
    transport.keys = [first.publicJwk, second.publicJwk];
    const [key] = await cache.keysFor(header(first), TOKEN);
    expect(key?.type).toBe('public');
    expect(key?.algorithm).toMatchObject({ name: 'ECDSA' });
    expect(await cache.keysFor(header(second), TOKEN)).toHaveLength(1);
    expect(transport.requests).toEqual([
      {
        url: 'https://idp.example/jwks',
        headers: { Accept: 'application/jwk-set+json, application/json' },
        timeoutMs: 1234,
        maxResponseBytes: MAX_TOKEN_RESPONSE_BYTES,
      },
    ]);
    expect(cache.uri).toBe('https://idp.example/jwks');
  });

  it('shares one fetch between concurrent loads', async () => {
    const { transport, cache } = setUp();
    transport.keys = [first.publicJwk];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    transport.answer = () => gate.then(() => transport.jwks());
    const loads = [1, 2, 3, 4].map(() => cache.keysFor(header(first), TOKEN));
    release();
    expect((await Promise.all(loads)).map((keys) => keys.length)).toEqual([1, 1, 1, 1]);
    expect(transport.requests).toHaveLength(1);
  });

  it.each([
    ['no Cache-Control', undefined, JWKS_DEFAULT_TTL_SECONDS],
    ['its max-age', 'public, max-age=120', 120],
    ['max-age raised to the minimum', 'max-age=5', JWKS_MIN_TTL_SECONDS],
    ['no-store held to the minimum', 'no-store', JWKS_MIN_TTL_SECONDS],
    ['max-age lowered to the maximum', 'max-age=99999999', JWKS_MAX_TTL_SECONDS],
  ])('keeps the set for %s', async (_, cacheControl, ttlSeconds) => {
    const { transport, clock, cache } = setUp();
    transport.keys = [first.publicJwk];
    transport.cacheControl = cacheControl;
    await cache.keysFor(header(first), TOKEN);
    clock.now = T0 + ttlSeconds * 1000 - 1;
    await cache.keysFor(header(first), TOKEN);
    expect(transport.requests).toHaveLength(1);
    clock.now = T0 + ttlSeconds * 1000;
    await cache.keysFor(header(first), TOKEN);
    expect(transport.requests).toHaveLength(2);
  });

  it('fetches the set again once for a key it does not hold (a rotation), then finds it', async () => {
    const { transport, clock, cache } = setUp();
    transport.keys = [first.publicJwk];
    await cache.keysFor(header(first), TOKEN);
    transport.keys = [second.publicJwk];
    clock.now = T0 + JWKS_REFETCH_COOLDOWN_MS;
    expect(await cache.keysFor(header(second), TOKEN)).toHaveLength(1);
    expect(transport.requests).toHaveLength(2);
  });

  it('refuses an unknown key after exactly one more fetch', async () => {
    const { transport, clock, cache } = setUp();
    transport.keys = [first.publicJwk];
    await cache.keysFor(header(first), TOKEN);
    clock.now = T0 + JWKS_REFETCH_COOLDOWN_MS;
    const error = await refusal(cache.keysFor(header(third), TOKEN));
    expect(error.reason).toBe('unknown_key');
    expect(transport.requests).toHaveLength(2);
  });

  it('fetches again at most once per cooldown, however many unknown keys come', async () => {
    const { transport, clock, cache } = setUp();
    transport.keys = [first.publicJwk];
    await cache.keysFor(header(first), TOKEN);
    clock.now = T0 + JWKS_REFETCH_COOLDOWN_MS;
    expect((await refusal(cache.keysFor(header(second), TOKEN))).reason).toBe('unknown_key');
    clock.now += JWKS_REFETCH_COOLDOWN_MS - 1;
    expect((await refusal(cache.keysFor(header(third), TOKEN))).reason).toBe('unknown_key');
    expect((await refusal(cache.keysFor({ alg: 'ES256', kid: 'made-up' }, TOKEN))).reason).toBe('unknown_key');
    expect(transport.requests).toHaveLength(2);
    transport.keys = [third.publicJwk];
    clock.now += 1;
    expect(await cache.keysFor(header(third), TOKEN)).toHaveLength(1);
    expect(transport.requests).toHaveLength(3);
  });

  it('does not fetch again for an unknown key right after the first fetch', async () => {
    const { transport, cache } = setUp();
    transport.keys = [first.publicJwk];
    expect((await refusal(cache.keysFor(header(second), TOKEN))).reason).toBe('unknown_key');
    expect(transport.requests).toHaveLength(1);
  });

  it('lets concurrent tokens with the same new key share one refetch', async () => {
    const { transport, clock, cache } = setUp();
    transport.keys = [first.publicJwk];
    await cache.keysFor(header(first), TOKEN);
    transport.keys = [second.publicJwk];
    clock.now = T0 + JWKS_REFETCH_COOLDOWN_MS;
    const found = await Promise.all([1, 2, 3].map(() => cache.keysFor(header(second), TOKEN)));
    expect(found.map((keys) => keys.length)).toEqual([1, 1, 1]);
    expect(transport.requests).toHaveLength(2);
  });

  it('refuses with jwks_unavailable when the refetch for an unknown key fails, and keeps the old keys', async () => {
    const { transport, clock, cache } = setUp();
    transport.keys = [first.publicJwk];
    await cache.keysFor(header(first), TOKEN);
    transport.answer = () => Promise.resolve({ status: 503, contentType: '', body: '' });
    clock.now = T0 + JWKS_REFETCH_COOLDOWN_MS;
    expect((await refusal(cache.keysFor(header(second), TOKEN))).reason).toBe('jwks_unavailable');
    expect(await cache.keysFor(header(first), TOKEN)).toHaveLength(1);
    expect(transport.requests).toHaveLength(2);
  });

  it('keeps serving an expired set whose refetch fails, and tries again after the cooldown only', async () => {
    const { transport, clock, cache } = setUp();
    transport.keys = [first.publicJwk];
    await cache.keysFor(header(first), TOKEN);
    transport.answer = () => Promise.reject(new TokenHttpFailure('network', 'ECONNREFUSED', 'refused'));
    clock.now = T0 + JWKS_DEFAULT_TTL_SECONDS * 1000;
    expect(await cache.keysFor(header(first), TOKEN)).toHaveLength(1);
    expect(await cache.keysFor(header(first), TOKEN)).toHaveLength(1);
    expect(transport.requests).toHaveLength(2);
    clock.now += JWKS_REFETCH_COOLDOWN_MS;
    transport.answer = () => Promise.resolve(transport.jwks());
    transport.keys = [second.publicJwk];
    expect(await cache.keysFor(header(second), TOKEN)).toHaveLength(1);
    expect(transport.requests).toHaveLength(3);
  });

  it('tries a failed first fetch again on the next token', async () => {
    const { transport, cache } = setUp();
    transport.keys = [first.publicJwk];
    transport.answer = () => Promise.resolve({ status: 500, contentType: '', body: '' });
    expect((await refusal(cache.keysFor(header(first), TOKEN))).reason).toBe('jwks_unavailable');
    transport.answer = () => Promise.resolve(transport.jwks());
    expect(await cache.keysFor(header(first), TOKEN)).toHaveLength(1);
    expect(transport.requests).toHaveLength(2);
  });

  const SECRET_TEXT = 'provider-secret-text-4711';
  it.each<[string, () => Promise<TokenHttpResponse>, RegExp]>([
    ['a 500', () => Promise.resolve({ status: 500, contentType: 'text/plain', body: SECRET_TEXT }), /HTTP 500/],
    ['a redirect', () => Promise.resolve({ status: 302, contentType: '', body: SECRET_TEXT }), /HTTP 302/],
    ['a body that is not JSON', () => Promise.resolve({ status: 200, contentType: '', body: SECRET_TEXT }), /not JSON/],
    [
      'JSON without a keys array',
      () => Promise.resolve({ status: 200, contentType: '', body: JSON.stringify({ keys: SECRET_TEXT }) }),
      /keys array/,
    ],
    ['a JSON array', () => Promise.resolve({ status: 200, contentType: '', body: `["${SECRET_TEXT}"]` }), /keys array/],
    [
      'keys that are not objects',
      () => Promise.resolve({ status: 200, contentType: '', body: JSON.stringify({ keys: [SECRET_TEXT] }) }),
      /keys array/,
    ],
    ['a timeout', () => Promise.reject(new TokenHttpFailure('timeout', undefined, SECRET_TEXT)), /within 1234 ms/],
    [
      'an overlong answer',
      () => Promise.reject(new TokenHttpFailure('response_too_large', undefined, SECRET_TEXT)),
      /exceeds 1048576 bytes/,
    ],
    ['a reset', () => Promise.reject(new TokenHttpFailure('network', 'ECONNRESET', SECRET_TEXT)), /ECONNRESET/],
    [
      'a network error with an odd code',
      () => Promise.reject(new TokenHttpFailure('network', `${SECRET_TEXT} !`, SECRET_TEXT)),
      /without a code/,
    ],
    ['a transport that throws something else', () => Promise.reject(new Error(SECRET_TEXT)), /without a code/],
  ])('refuses with jwks_unavailable on %s, quoting nothing of it', async (_, answer, detail) => {
    const { transport, cache } = setUp();
    transport.answer = answer;
    const error = await refusal(cache.keysFor(header(first), TOKEN));
    expect(error.reason).toBe('jwks_unavailable');
    expect(error.code).toBe('invalid_id_token');
    expect(error.message).toMatch(/^The ID token from provider acme was refused: /);
    expect(error.message).toMatch(detail);
    expect(JSON.stringify(error) + error.message + String(error.stack)).not.toContain(SECRET_TEXT);
  });

  it('refuses with jwks_unavailable when the transport has no get', async () => {
    const cache = new JwksCache(
      { post: () => Promise.reject(new Error('no')) },
      {
        provider: 'acme',
        jwksUri: 'https://idp.example/jwks',
        timeoutMs: 1000,
      },
    );
    const error = await refusal(cache.keysFor(header(first), TOKEN));
    expect(error.reason).toBe('jwks_unavailable');
    expect(error.message).toMatch(/no get method/);
  });

  it('returns every key that fits a header without kid', async () => {
    const { transport, cache } = setUp();
    const { kid: _k1, ...noKid1 } = first.publicJwk;
    const { kid: _k2, ...noKid2 } = second.publicJwk;
    transport.keys = [noKid1, noKid2];
    expect(await cache.keysFor({ alg: 'ES256' }, TOKEN)).toHaveLength(2);
  });

  it('refuses a key that matches but cannot be imported with jwks_unavailable', async () => {
    const { transport, cache } = setUp();
    transport.keys = [{ ...first.publicJwk, x: 'not-a-point' }];
    const error = await refusal(cache.keysFor(header(first), TOKEN));
    expect(error.reason).toBe('jwks_unavailable');
    expect(error.message).toMatch(/cannot be used/);
  });

  it('refuses a private key in the set with jwks_unavailable', async () => {
    const { transport, cache } = setUp();
    transport.keys = [{ ...first.publicJwk, d: 'AAAA' }];
    expect((await refusal(cache.keysFor(header(first), TOKEN))).reason).toBe('jwks_unavailable');
  });

  it('refuses an algorithm a JWK Set cannot hold keys for with unsupported_algorithm', async () => {
    const { transport, cache } = setUp();
    transport.keys = [first.publicJwk];
    expect((await refusal(cache.keysFor({ alg: 'HS256', kid: 'k1' }, TOKEN))).reason).toBe('unsupported_algorithm');
  });
});
