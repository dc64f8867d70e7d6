import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CompactSign, type JWK, type JWTPayload } from 'jose';
import { IdTokenValidationError, InvalidArgumentError } from '../auth-code-flow.errors.js';
import { ID_TOKEN_INVALID, ID_TOKEN_PROBLEM } from '../auth-code-flow.messages.js';
import type { TokenHttpTransport } from '../interfaces/token-http-transport.interface.js';
import { generateSigningKey, signJwt, type SigningKey } from '../../test/support/signing-provider.js';
import { propertyRuns } from '../../test/support/property-runs.js';
import { IdTokenValidator, type IdTokenExpectations, type IdTokenValidatorOptions } from './id-token.validator.js';
import { JwksCache } from './jwks.cache.js';

const NOW = 1_700_000_000;
const ISSUER = 'https://idp.example';
const CLIENT = 'client-1';
const SECRET = 'client-secret-of-the-test-0123456789';
const PREFIX = 'The ID token from provider acme was refused: ';

/** Every detail an ID token refusal may carry (the JWKS ones with this file's parameters). */
const ALLOWED_DETAILS = new Set(
  Object.values(ID_TOKEN_PROBLEM).flatMap((problem) =>
    typeof problem === 'string'
      ? [problem]
      : ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf'].map((c) => problem(c as never)),
  ),
);

const base64url = (value: string) => Buffer.from(value).toString('base64url');

/** `at_hash` computed apart from the validator: WebCrypto's digest, the left half, base64url. */
async function independentAtHash(accessToken: string, hash: 'SHA-256' | 'SHA-384' | 'SHA-512'): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest(hash, new TextEncoder().encode(accessToken)));
  return Buffer.from(digest.slice(0, digest.length / 2)).toString('base64url');
}

function claims(extra: Record<string, unknown> = {}): JWTPayload {
  const all: Record<string, unknown> = { iss: ISSUER, sub: 'user-1', aud: CLIENT, iat: NOW, exp: NOW + 300, ...extra };
  for (const [name, value] of Object.entries(all)) if (value === undefined) delete all[name];
  return all;
}

describe('IdTokenValidator', () => {
  let rsa: SigningKey;
  let es384: SigningKey;
  let ed: SigningKey;
  let unpublished: SigningKey;
  let published: JWK[];

  beforeAll(async () => {
    [rsa, es384, ed, unpublished] = await Promise.all([
      generateSigningKey('RS256', 'rsa'),
      generateSigningKey('ES384', 'es384'),
      generateSigningKey('EdDSA', 'ed'),
      generateSigningKey('RS256', 'unpublished'),
    ]);
    published = [rsa.publicJwk, es384.publicJwk, ed.publicJwk];
  });

  function validator(options: Partial<IdTokenValidatorOptions> = {}, jwks: JWK[] = published): IdTokenValidator {
    const transport: TokenHttpTransport = {
      post: () => Promise.reject(new Error('no POST expected')),
      get: () =>
        Promise.resolve({ status: 200, contentType: 'application/json', body: JSON.stringify({ keys: jwks }) }),
    };
    const now = () => NOW * 1000;
    const keys = new JwksCache(transport, { provider: 'acme', jwksUri: `${ISSUER}/jwks`, timeoutMs: 1000, now });
    return new IdTokenValidator(
      {
        provider: 'acme',
        issuer: ISSUER,
        clientId: CLIENT,
        clientSecret: SECRET,
        algorithms: ['RS256', 'ES384', 'EdDSA'],
        clockToleranceSeconds: 60,
        now,
        ...options,
      },
      keys,
    );
  }

  /** The reason `token` is refused with; the refusal is checked to hold nothing of the token. */
  async function reasonOf(
    token: string,
    expected: IdTokenExpectations = {},
    against: IdTokenValidator = validator(),
  ): Promise<string> {
    const error = await against.validate(token, expected).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(IdTokenValidationError);
    const refusal = error as IdTokenValidationError;
    expect(refusal.message.startsWith(PREFIX)).toBe(true);
    expect(ALLOWED_DETAILS.has(refusal.message.slice(PREFIX.length, -1))).toBe(true);
    expect(JSON.parse(JSON.stringify(refusal))).toEqual({
      name: 'IdTokenValidationError',
      code: 'invalid_id_token',
      reason: refusal.reason,
    });
    expect(refusal.cause).toBeUndefined();
    return refusal.reason;
  }

  const sign = (payload: JWTPayload, key: SigningKey = rsa, options: { alg?: string; kid?: string | null } = {}) =>
    signJwt(payload, { key, ...options });

  describe('accepts', () => {
    it.each([
      ['RS256', () => rsa],
      ['ES384', () => es384],
      ['EdDSA', () => ed],
    ])('a valid %s token and returns its claims as a plain copy', async (_, key) => {
      const payload = claims({ nonce: 'n-1', email: 'a@b.example', nested: { roles: ['x'] } });
      expect(await validator().validate(await sign(payload, key()), { nonce: 'n-1' })).toEqual(payload);
    });

    it('keeps an own __proto__ claim as a member, never as the prototype', async () => {
      const payload = JSON.parse(`{"__proto__":{"polluted":true},${JSON.stringify(claims()).slice(1)}`);
      const result = await validator().validate(await sign(payload));
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
      expect(Object.keys(result)).toContain('__proto__');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('an HS256 token signed with the client secret when HS256 is allowed', async () => {
      const token = await signJwt(claims(), { key: new TextEncoder().encode(SECRET), alg: 'HS256' });
      expect((await validator({ algorithms: ['RS256', 'HS256'] }).validate(token)).sub).toBe('user-1');
      const hmacOnly = new IdTokenValidator({
        provider: 'acme',
        issuer: ISSUER,
        clientId: CLIENT,
        clientSecret: SECRET,
        algorithms: ['HS256'],
        clockToleranceSeconds: 0,
        now: () => NOW * 1000,
      });
      expect((await hmacOnly.validate(token)).sub).toBe('user-1');
    });

    it('a token without kid when several keys of the set fit: each is tried', async () => {
      const other = await generateSigningKey('RS256');
      const withoutKid = (key: SigningKey) => ({ ...key.publicJwk, kid: undefined });
      const against = validator({}, [withoutKid(other), withoutKid(rsa)]);
      expect((await against.validate(await sign(claims(), rsa, { kid: null }))).sub).toBe('user-1');
      expect(await reasonOf(await sign(claims(), unpublished, { kid: null }), {}, against)).toBe('invalid_signature');
    });
  });

  describe('signature and algorithm', () => {
    it('refuses alg none (an unsigned token)', async () => {
      const token = `${base64url('{"alg":"none"}')}.${base64url(JSON.stringify(claims()))}.`;
      expect(await reasonOf(token)).toBe('unsupported_algorithm');
    });

    it('refuses an HS256 token signed with the client secret when HS256 is not allowed', async () => {
      const token = await signJwt(claims(), { key: new TextEncoder().encode(SECRET), alg: 'HS256' });
      expect(await reasonOf(token)).toBe('unsupported_algorithm');
    });

    it('refuses an HS256 token signed with another secret', async () => {
      const token = await signJwt(claims(), { key: new TextEncoder().encode(`${SECRET}-other`), alg: 'HS256' });
      expect(await reasonOf(token, {}, validator({ algorithms: ['HS256'] }))).toBe('invalid_signature');
    });

    it('refuses an algorithm outside the allow-list even when the JWKS has its key', async () => {
      expect(await reasonOf(await sign(claims()), {}, validator({ algorithms: ['ES384'] }))).toBe(
        'unsupported_algorithm',
      );
    });

    it('refuses a changed payload', async () => {
      const [header, , signature] = (await sign(claims())).split('.');
      const forged = `${header}.${base64url(JSON.stringify(claims({ sub: 'admin' })))}.${signature}`;
      expect(await reasonOf(forged)).toBe('invalid_signature');
    });

    it('refuses a token signed by another key under a published kid', async () => {
      expect(await reasonOf(await sign(claims(), unpublished, { kid: 'rsa' }))).toBe('invalid_signature');
    });

    it('refuses a token whose kid the JWKS does not hold', async () => {
      expect(await reasonOf(await sign(claims(), unpublished))).toBe('unknown_key');
    });
  });

  describe('malformed tokens', () => {
    it.each(['', 'not-a-jwt', 'a.b', 'a.b.c.d', '..', `${base64url('{"alg":')}.${base64url('{}')}.sig`])(
      'refuses %j',
      async (token) => {
        expect(await reasonOf(token)).toBe('malformed');
      },
    );

    it('refuses a value that is not a string', async () => {
      expect(await reasonOf(42 as unknown as string)).toBe('malformed');
    });

    it.each(['not json', '[1,2]', '"text"'])(
      'refuses a signed payload %j that is not a JSON object',
      async (payload) => {
        const token = await new CompactSign(new TextEncoder().encode(payload))
          .setProtectedHeader({ alg: 'RS256', kid: 'rsa' })
          .sign(rsa.privateKey);
        expect(await reasonOf(token)).toBe('malformed');
      },
    );

    it.each(['iss', 'sub', 'aud', 'exp', 'iat'])('refuses a token without %s, naming the claim', async (claim) => {
      const token = await sign(claims({ [claim]: undefined }));
      expect(await reasonOf(token)).toBe('malformed');
      await expect(validator().validate(token)).rejects.toThrow(
        ID_TOKEN_INVALID('acme', ID_TOKEN_PROBLEM.claimMissing(claim)),
      );
    });

    it.each([
      ['iat', 'yesterday'],
      ['exp', '9999999999'],
      ['nbf', null],
      ['sub', 42],
      ['sub', ''],
      ['iss', 42],
    ])('refuses %s = %j', async (claim, value) => {
      expect(await reasonOf(await sign(claims({ [claim]: value })))).toBe('malformed');
    });
  });

  describe('issuer, audience and azp', () => {
    it('refuses another iss, also one that differs by a trailing slash', async () => {
      expect(await reasonOf(await sign(claims({ iss: 'https://evil.example' })))).toBe('issuer_mismatch');
      expect(await reasonOf(await sign(claims({ iss: `${ISSUER}/` })))).toBe('issuer_mismatch');
    });

    it('refuses an aud that is not the client id', async () => {
      expect(await reasonOf(await sign(claims({ aud: 'client-2' })))).toBe('audience_mismatch');
      expect(await reasonOf(await sign(claims({ aud: ['client-2', 'client-3'], azp: CLIENT })))).toBe(
        'audience_mismatch',
      );
    });

    it('wants azp equal to the client id with several audiences', async () => {
      const audiences = [CLIENT, 'api.example'];
      expect(await reasonOf(await sign(claims({ aud: audiences })))).toBe('azp_mismatch');
      expect(await reasonOf(await sign(claims({ aud: audiences, azp: 'api.example' })))).toBe('azp_mismatch');
      expect((await validator().validate(await sign(claims({ aud: audiences, azp: CLIENT })))).azp).toBe(CLIENT);
    });

    it('checks an azp that comes with a single audience too', async () => {
      expect(await reasonOf(await sign(claims({ azp: 'other' })))).toBe('azp_mismatch');
      expect(await reasonOf(await sign(claims({ aud: [CLIENT], azp: 7 })))).toBe('azp_mismatch');
      expect((await validator().validate(await sign(claims({ aud: [CLIENT], azp: CLIENT })))).sub).toBe('user-1');
    });
  });

  describe('Entra ID {tenantid} issuer', () => {
    const template = 'https://login.microsoftonline.com/{tenantid}/v2.0';
    const entra = () => validator({ issuer: template });
    const issuerOf = (tid: string) => `https://login.microsoftonline.com/${tid}/v2.0`;

    it('accepts the iss of the token’s own tid', async () => {
      const token = await sign(claims({ iss: issuerOf('tenant-a'), tid: 'tenant-a' }));
      expect((await entra().validate(token)).tid).toBe('tenant-a');
      const dollar = await sign(claims({ iss: issuerOf('$&$1'), tid: '$&$1' }));
      expect((await entra().validate(dollar)).tid).toBe('$&$1');
    });

    it.each([
      ['another tid', { iss: issuerOf('tenant-a'), tid: 'tenant-b' }],
      ['no tid', { iss: issuerOf('tenant-a') }],
      ['an empty tid', { iss: issuerOf(''), tid: '' }],
      ['a tid with a slash', { iss: issuerOf('a/b'), tid: 'a/b' }],
      ['a tid that is not a string', { iss: issuerOf('7'), tid: 7 }],
      ['the template itself as iss', { iss: template, tid: 'tenant-a' }],
    ])('refuses %s', async (_, extra) => {
      expect(await reasonOf(await sign(claims(extra)), {}, entra())).toBe('issuer_mismatch');
    });
  });

  describe('time claims, with a tolerance of 60 s', () => {
    it.each([
      ['exp 30 s ago', { exp: NOW - 30 }],
      ['iat 59 s ahead', { iat: NOW + 59 }],
      ['nbf 59 s ahead', { nbf: NOW + 59 }],
      ['iat and exp long ago and far ahead', { iat: NOW - 86_400, exp: NOW + 86_400 }],
    ])('accepts %s', async (_, extra) => {
      expect((await validator().validate(await sign(claims(extra)))).sub).toBe('user-1');
    });

    it.each([
      ['exp 61 s ago', { exp: NOW - 61 }, 'expired'],
      ['exp 60 s ago', { exp: NOW - 60 }, 'expired'],
      ['iat 61 s ahead', { iat: NOW + 61 }, 'issued_in_future'],
      ['nbf 61 s ahead', { nbf: NOW + 61 }, 'not_yet_valid'],
    ])('refuses %s', async (_, extra, reason) => {
      expect(await reasonOf(await sign(claims(extra)))).toBe(reason);
    });

    it('has no leeway with a tolerance of 0', async () => {
      const strict = validator({ clockToleranceSeconds: 0 });
      expect(await reasonOf(await sign(claims({ exp: NOW - 1 })), {}, strict)).toBe('expired');
      expect(await reasonOf(await sign(claims({ iat: NOW + 1 })), {}, strict)).toBe('issued_in_future');
      expect(await reasonOf(await sign(claims({ nbf: NOW + 1 })), {}, strict)).toBe('not_yet_valid');
    });
  });

  describe('nonce', () => {
    it('refuses another nonce, a longer one and one that is not a string', async () => {
      for (const nonce of ['n-2', 'n-1x', 'n-', 7, ['n-1']])
        expect(await reasonOf(await sign(claims({ nonce })), { nonce: 'n-1' })).toBe('nonce_mismatch');
    });

    it('refuses a missing nonce when one was sent', async () => {
      expect(await reasonOf(await sign(claims()), { nonce: 'n-1' })).toBe('nonce_missing');
    });

    it('does not check the nonce when none is expected', async () => {
      expect((await validator().validate(await sign(claims({ nonce: 'any' })))).nonce).toBe('any');
      expect((await validator().validate(await sign(claims()), {})).sub).toBe('user-1');
    });
  });

  describe('at_hash', () => {
    const accessToken = 'access-token-value.with~chars_42';

    it.each([
      ['RS256', () => rsa, 'SHA-256'],
      ['ES384', () => es384, 'SHA-384'],
      ['EdDSA', () => ed, 'SHA-512'],
    ] as const)('accepts the right at_hash of a %s token and refuses a wrong one', async (_, key, hash) => {
      const atHash = await independentAtHash(accessToken, hash);
      const good = await sign(claims({ at_hash: atHash }), key());
      expect((await validator().validate(good, { accessToken })).at_hash).toBe(atHash);
      expect(await reasonOf(good, { accessToken: `${accessToken}x` })).toBe('at_hash_mismatch');
      const wrong = await sign(claims({ at_hash: await independentAtHash(`${accessToken}x`, hash) }), key());
      expect(await reasonOf(wrong, { accessToken })).toBe('at_hash_mismatch');
    });

    it('hashes with the algorithm of the token: an ES384 token with a SHA-256 at_hash is refused', async () => {
      const token = await sign(claims({ at_hash: await independentAtHash(accessToken, 'SHA-256') }), es384);
      expect(await reasonOf(token, { accessToken })).toBe('at_hash_mismatch');
    });

    it('refuses an at_hash that is not a string', async () => {
      expect(await reasonOf(await sign(claims({ at_hash: 42 })), { accessToken })).toBe('at_hash_mismatch');
    });

    it('is checked only when present and an access token is given', async () => {
      expect((await validator().validate(await sign(claims()), { accessToken })).sub).toBe('user-1');
      expect((await validator().validate(await sign(claims({ at_hash: 'whatever' })))).at_hash).toBe('whatever');
    });
  });

  describe('subject on refresh', () => {
    it('accepts the same sub and refuses another', async () => {
      const token = await sign(claims());
      expect((await validator().validate(token, { subject: 'user-1' })).sub).toBe('user-1');
      expect(await reasonOf(token, { subject: 'user-2' })).toBe('subject_mismatch');
    });
  });

  describe('construction', () => {
    const options: IdTokenValidatorOptions = {
      provider: 'acme',
      issuer: ISSUER,
      clientId: CLIENT,
      algorithms: ['RS256'],
      clockToleranceSeconds: 60,
    };
    it.each([
      ['no algorithms', { algorithms: [] }],
      ['none among the algorithms', { algorithms: ['RS256', 'none'] }],
      ['an HMAC algorithm without a client secret', { algorithms: ['HS256'] }],
      ['an asymmetric algorithm without keys', { algorithms: ['RS256'], clientSecret: SECRET }],
    ])('refuses %s', (_, overrides) => {
      expect(() => new IdTokenValidator({ ...options, ...overrides })).toThrow(InvalidArgumentError);
    });
  });

  describe('property: a changed iss, aud or nonce', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme', minLength: 8 }));
    type Mutation = { claim: 'iss' | 'aud' | 'audList' | 'nonce'; value: string };
    const mutation: fc.Arbitrary<Mutation> = fc
      .record({ claim: fc.constantFrom('iss', 'aud', 'audList', 'nonce'), value: text })
      .filter(({ claim, value }) => value !== { iss: ISSUER, aud: CLIENT, audList: CLIENT, nonce: 'n-1' }[claim]);
    const REASON = {
      iss: 'issuer_mismatch',
      aud: 'audience_mismatch',
      audList: 'audience_mismatch',
      nonce: 'nonce_mismatch',
    };

    it('is refused with its reason, and no refusal holds the token or a claim value', async () => {
      const against = validator();
      await fc.assert(
        fc.asyncProperty(mutation, text, async ({ claim, value }, sub) => {
          const changed = claim === 'audList' ? { aud: [value, `${value}-2`], azp: CLIENT } : { [claim]: value };
          const payload = claims({ nonce: 'n-1', sub: `sub-${sub}`, ...changed });
          const token = await sign(payload);
          const error = await against.validate(token, { nonce: 'n-1' }).then(
            () => undefined,
            (reason: unknown) => reason as IdTokenValidationError,
          );
          expect(error).toBeInstanceOf(IdTokenValidationError);
          expect(error!.reason).toBe(REASON[claim]);
          const shown = `${error!.message}${JSON.stringify(error)}${String(error!.stack)}`;
          expect(ALLOWED_DETAILS.has(error!.message.slice(PREFIX.length, -1))).toBe(true);
          expect(shown).not.toContain(token);
          for (const member of [value, `sub-${sub}`]) if (member.length >= 8) expect(shown).not.toContain(member);
        }),
        propertyRuns(100),
      );
    });
  });
});
