// ID token validation against a loopback signing provider (test/support/signing-provider.ts) over the
// module's default transport: the JWKS fetch and its bounds, key rotation and the refetch cooldown, the
// JWKS failing in every way, at_hash with real keys. The clock is injected: no test sleeps.
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { JWKS_DEFAULT_TTL_SECONDS, JWKS_REFETCH_COOLDOWN_MS } from '../../lib/auth-code-flow.constants.js';
import { IdTokenValidationError } from '../../lib/auth-code-flow.errors.js';
import { createIdTokenValidator } from '../../lib/id-token/create-id-token-validator.js';
import { IdTokenValidator, type IdTokenExpectations } from '../../lib/id-token/id-token.validator.js';
import { JwksCache } from '../../lib/id-token/jwks.cache.js';
import type { ResolvedProviderConfig } from '../../lib/options/resolved-options.interface.js';
import { NodeHttpTokenTransport } from '../../lib/transport/node-http.transport.js';
import { generateSigningKey, SigningProvider } from '../support/signing-provider.js';

const CLIENT = 'client-e2e';

describe('IdTokenValidator against a signing provider', () => {
  let provider: SigningProvider;
  let transport: NodeHttpTokenTransport;
  let clock: { now: number };
  let validator: IdTokenValidator;

  beforeAll(async () => {
    provider = await SigningProvider.start(['RS256', 'ES384']);
    transport = new NodeHttpTokenTransport();
  });
  afterAll(async () => {
    transport.onModuleDestroy();
    await provider.close();
  });
  beforeEach(async () => {
    provider.mode = 'ok';
    provider.cacheControl = undefined;
    provider.extraJwks = [];
    if (provider.published.length !== 2) {
      provider.published = [];
      await provider.addKey('RS256');
      await provider.addKey('ES384');
    }
    provider.jwksRequests = 0;
    clock = { now: Date.now() };
    validator = build(2000);
  });
  afterEach(() => {
    provider.mode = 'ok';
  });

  function build(timeoutMs: number): IdTokenValidator {
    const now = () => clock.now;
    const keys = new JwksCache(transport, { provider: 'signing', jwksUri: provider.jwksUri, timeoutMs, now });
    return new IdTokenValidator(
      {
        provider: 'signing',
        issuer: provider.url,
        clientId: CLIENT,
        algorithms: ['RS256', 'ES384'],
        clockToleranceSeconds: 60,
        now,
      },
      keys,
    );
  }

  const claims = (extra: Record<string, unknown> = {}) =>
    provider.claims({
      aud: CLIENT,
      iat: Math.floor(clock.now / 1000),
      exp: Math.floor(clock.now / 1000) + 300,
      ...extra,
    });

  async function refusal(token: string, expected: IdTokenExpectations = {}): Promise<IdTokenValidationError> {
    const error = await validator.validate(token, expected).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(IdTokenValidationError);
    return error as IdTokenValidationError;
  }

  it('accepts a valid token, fetching the JWKS once with its Accept header', async () => {
    const token = await provider.sign(claims({ nonce: 'n' }));
    expect(await validator.validate(token, { nonce: 'n' })).toMatchObject({ iss: provider.url, sub: 'user-1' });
    await validator.validate(await provider.sign(claims(), { key: provider.published[1] }));
    expect(provider.jwksRequests).toBe(1);
    expect(provider.acceptHeaders.at(-1)).toBe('application/jwk-set+json, application/json');
  });

  it('shares one JWKS fetch between concurrent validations', async () => {
    const tokens = await Promise.all([1, 2, 3, 4, 5].map(() => provider.sign(claims())));
    await Promise.all(tokens.map((token) => validator.validate(token)));
    expect(provider.jwksRequests).toBe(1);
  });

  it('refuses a key the JWKS does not hold with unknown_key after exactly one refetch', async () => {
    await validator.validate(await provider.sign(claims()));
    clock.now += JWKS_REFETCH_COOLDOWN_MS;
    const stranger = await generateSigningKey('RS256');
    const error = await refusal(await provider.sign(claims(), { key: stranger }));
    expect(error.reason).toBe('unknown_key');
    expect(provider.jwksRequests).toBe(2);
  });

  it('accepts a rotated key (a new kid) after one refetch, and refuses the retired one without a request', async () => {
    const retired = provider.published[0]!;
    await validator.validate(await provider.sign(claims()));
    const fresh = await provider.rotate('RS256');
    clock.now += JWKS_REFETCH_COOLDOWN_MS;
    expect((await validator.validate(await provider.sign(claims(), { key: fresh }))).sub).toBe('user-1');
    expect(provider.jwksRequests).toBe(2);
    expect((await refusal(await provider.sign(claims(), { key: retired }))).reason).toBe('unknown_key');
    expect(provider.jwksRequests).toBe(2);
  });

  it('sends no request for a second unknown kid within the cooldown, and one after it', async () => {
    await validator.validate(await provider.sign(claims()));
    clock.now += JWKS_REFETCH_COOLDOWN_MS;
    const [one, two] = await Promise.all([generateSigningKey('RS256'), generateSigningKey('RS256')]);
    expect((await refusal(await provider.sign(claims(), { key: one }))).reason).toBe('unknown_key');
    expect(provider.jwksRequests).toBe(2);
    clock.now += JWKS_REFETCH_COOLDOWN_MS - 1000;
    expect((await refusal(await provider.sign(claims(), { key: two }))).reason).toBe('unknown_key');
    expect(provider.jwksRequests).toBe(2);
    clock.now += 1000;
    provider.published.push(two);
    expect((await validator.validate(await provider.sign(claims(), { key: two }))).sub).toBe('user-1');
    expect(provider.jwksRequests).toBe(3);
  });

  it('keeps the JWKS for its Cache-Control max-age', async () => {
    provider.cacheControl = 'public, max-age=120';
    await validator.validate(await provider.sign(claims()));
    clock.now += 119_000;
    await validator.validate(await provider.sign(claims()));
    expect(provider.jwksRequests).toBe(1);
    clock.now += 1000;
    await validator.validate(await provider.sign(claims()));
    expect(provider.jwksRequests).toBe(2);
  });

  it('refuses with jwks_unavailable when the JWKS hangs, naming the timeout', async () => {
    provider.mode = 'hang';
    validator = build(300);
    const error = await refusal(await provider.sign(claims()));
    expect(error.reason).toBe('jwks_unavailable');
    expect(error.message).toBe(
      'The ID token from provider signing was refused: the JWKS request got no complete answer within 300 ms.',
    );
  });

  it.each([
    ['error', /HTTP 500/, 'internal error'],
    ['garbage', /not JSON/, '<html>'],
    ['not-a-key-set', /keys array/, '"none"'],
  ] as const)(
    'refuses with jwks_unavailable when the JWKS answers %s, quoting none of it',
    async (mode, detail, text) => {
      provider.mode = mode;
      const error = await refusal(await provider.sign(claims()));
      expect(error.reason).toBe('jwks_unavailable');
      expect(error.message).toMatch(detail);
      expect(`${error.message}${JSON.stringify(error)}`).not.toContain(text);
    },
  );

  it('refuses with jwks_unavailable when nothing listens', async () => {
    const gone = await SigningProvider.start([]);
    await gone.close();
    const keys = new JwksCache(transport, { provider: 'gone', jwksUri: gone.jwksUri, timeoutMs: 1000 });
    const lone = new IdTokenValidator(
      { provider: 'gone', issuer: provider.url, clientId: CLIENT, algorithms: ['RS256'], clockToleranceSeconds: 60 },
      keys,
    );
    const error = await lone.validate(await provider.sign(claims())).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ reason: 'jwks_unavailable', message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('keeps serving expired keys while the JWKS fails, and picks up the new set once it answers', async () => {
    await validator.validate(await provider.sign(claims()));
    provider.mode = 'error';
    clock.now += JWKS_DEFAULT_TTL_SECONDS * 1000;
    expect((await validator.validate(await provider.sign(claims()))).sub).toBe('user-1');
    expect((await validator.validate(await provider.sign(claims()))).sub).toBe('user-1');
    expect(provider.jwksRequests).toBe(2);
    provider.mode = 'ok';
    const fresh = await provider.rotate('RS256');
    clock.now += JWKS_REFETCH_COOLDOWN_MS;
    expect((await validator.validate(await provider.sign(claims(), { key: fresh }))).sub).toBe('user-1');
    expect(provider.jwksRequests).toBe(3);
  });

  describe('at_hash', () => {
    const accessToken = 'e2e-access-token.0123456789';
    const leftHalf = (algorithm: string, value: string) => {
      const digest = createHash(algorithm).update(value).digest();
      return digest.subarray(0, digest.length / 2).toString('base64url');
    };

    it.each([
      ['RS256', 0, 'sha256'],
      ['ES384', 1, 'sha384'],
    ] as const)('accepts the right at_hash of %s and refuses a wrong one', async (_, index, algorithm) => {
      const key = provider.published[index]!;
      const good = await provider.sign(claims({ at_hash: leftHalf(algorithm, accessToken) }), { key });
      expect((await validator.validate(good, { accessToken })).sub).toBe('user-1');
      expect((await refusal(good, { accessToken: 'another-access-token' })).reason).toBe('at_hash_mismatch');
      const other = algorithm === 'sha256' ? 'sha384' : 'sha256';
      const wrong = await provider.sign(claims({ at_hash: leftHalf(other, accessToken) }), { key });
      expect((await refusal(wrong, { accessToken })).reason).toBe('at_hash_mismatch');
    });
  });

  it('is what createIdTokenValidator builds from a provider configuration', async () => {
    const config = {
      name: 'signing',
      jwksUri: provider.jwksUri,
      issuer: provider.url,
      idToken: { validate: true, clockToleranceSeconds: 60 },
      clientId: CLIENT,
    } as ResolvedProviderConfig;
    const built = createIdTokenValidator({ config, transport, timeoutMs: 2000 });
    const now = Math.floor(Date.now() / 1000);
    const token = await provider.sign(provider.claims({ aud: CLIENT, iat: now, exp: now + 300, nonce: 'n' }));
    expect((await built.validate(token, { nonce: 'n', subject: 'user-1' })).nonce).toBe('n');
    await expect(built.validate(token, { nonce: 'other' })).rejects.toMatchObject({ reason: 'nonce_mismatch' });
  });
});
