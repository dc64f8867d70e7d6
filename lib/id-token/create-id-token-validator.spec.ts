import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  AuthCodeFlowConfigError,
  EndpointNotConfiguredError,
  IdTokenValidationError,
} from '../auth-code-flow.errors.js';
import type { ProviderMetadata } from '../discovery/provider-metadata.js';
import type { TokenHttpGetRequest, TokenHttpTransport } from '../interfaces/token-http-transport.interface.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import { generateSigningKey, signJwt, type SigningKey } from '../../test/support/signing-provider.js';
import { createIdTokenValidator } from './create-id-token-validator.js';
import { JwksCache } from './jwks.cache.js';

const ISSUER = 'https://idp.example';
const SECRET = 'client-secret-of-the-test-0123456789';

function config(overrides: Partial<ResolvedProviderConfig> = {}): ResolvedProviderConfig {
  return {
    name: 'acme',
    authorizationEndpoint: `${ISSUER}/authorize`,
    tokenEndpoint: `${ISSUER}/token`,
    jwksUri: `${ISSUER}/jwks`,
    idToken: { validate: true, clockToleranceSeconds: 60 },
    clientId: 'client-1',
    clientSecret: SECRET,
    clientAuthMethod: 'client_secret_basic',
    redirectUri: 'https://app.example/callback',
    scope: 'openid',
    pkce: true,
    postFormData: true,
    allowInsecureRequests: false,
    authorizationParams: {},
    issuer: ISSUER,
    requireIssuerParameter: false,
    allowUnverifiedIssuer: false,
    tokenRequestHeaders: {},
    ...overrides,
  };
}

const metadata = (algs?: string[]): ProviderMetadata => ({
  issuer: ISSUER,
  authorizationEndpoint: `${ISSUER}/authorize`,
  tokenEndpoint: `${ISSUER}/token`,
  jwksUri: `${ISSUER}/jwks`,
  authorizationResponseIssParameterSupported: false,
  ...(algs === undefined ? {} : { idTokenSigningAlgValuesSupported: algs }),
});

describe('createIdTokenValidator', () => {
  let rsa: SigningKey;
  let es256: SigningKey;
  let requests: TokenHttpGetRequest[];
  let transport: TokenHttpTransport;

  beforeAll(async () => {
    [rsa, es256] = await Promise.all([generateSigningKey('RS256', 'rsa'), generateSigningKey('ES256', 'es')]);
  });
  beforeEach(() => {
    requests = [];
    transport = {
      post: () => Promise.reject(new Error('no POST expected')),
      get: (request) => {
        requests.push(request);
        const body = JSON.stringify({ keys: [rsa.publicJwk, es256.publicJwk] });
        return Promise.resolve({ status: 200, contentType: 'application/json', body });
      },
    };
  });

  const claims = (extra: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: ISSUER, sub: 'u', aud: 'client-1', iat: now, exp: now + 300, ...extra };
  };
  const reasonOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'accepted',
      (error: unknown) => (error instanceof IdTokenValidationError ? error.reason : error),
    );

  it('builds a validator of the issuer, the client and a JWKS cache of jwksUri, fetching nothing yet', async () => {
    const validator = createIdTokenValidator({ config: config(), transport, timeoutMs: 4321 });
    expect(requests).toHaveLength(0);
    expect(validator.keys).toBeInstanceOf(JwksCache);
    expect((validator.keys as JwksCache).uri).toBe(`${ISSUER}/jwks`);
    expect(await reasonOf(validator.validate(await signJwt(claims(), { key: rsa })))).toBe('accepted');
    expect(requests.map((request) => [request.url, request.timeoutMs])).toEqual([[`${ISSUER}/jwks`, 4321]]);
    expect(await reasonOf(validator.validate(await signJwt(claims({ aud: 'other' }), { key: rsa })))).toBe(
      'audience_mismatch',
    );
  });

  it('checks iss against idTokenIssuer when it is set', async () => {
    const idToken = { validate: true, issuer: 'https://login.example/{tenantid}/v2.0', clockToleranceSeconds: 60 };
    const validator = createIdTokenValidator({ config: config({ idToken }), transport, timeoutMs: 1000 });
    const own = claims({ iss: 'https://login.example/t1/v2.0', tid: 't1' });
    expect(await reasonOf(validator.validate(await signJwt(own, { key: rsa })))).toBe('accepted');
    expect(await reasonOf(validator.validate(await signJwt(claims(), { key: rsa })))).toBe('issuer_mismatch');
  });

  it('allows RS256 and the asymmetric algorithms of the metadata, never its HMAC ones', async () => {
    const es = await signJwt(claims(), { key: es256 });
    const hs = await signJwt(claims(), { key: new TextEncoder().encode(SECRET), alg: 'HS256' });
    const plain = createIdTokenValidator({ config: config(), metadata: metadata(), transport, timeoutMs: 1000 });
    expect(await reasonOf(plain.validate(es))).toBe('unsupported_algorithm');
    const announced = createIdTokenValidator({
      config: config(),
      metadata: metadata(['ES256', 'HS256', 'none']),
      transport,
      timeoutMs: 1000,
    });
    expect(await reasonOf(announced.validate(es))).toBe('accepted');
    expect(await reasonOf(announced.validate(hs))).toBe('unsupported_algorithm');
  });

  it('takes the configured algorithms over the metadata, HMAC with the client secret', async () => {
    const idToken = { validate: true, algorithms: ['HS256'], clockToleranceSeconds: 60 };
    const validator = createIdTokenValidator({
      config: config({ idToken, jwksUri: undefined }),
      metadata: metadata(['RS256']),
      transport,
      timeoutMs: 1000,
    });
    expect(validator.keys).toBeUndefined();
    const hs = await signJwt(claims(), { key: new TextEncoder().encode(SECRET), alg: 'HS256' });
    expect(await reasonOf(validator.validate(hs))).toBe('accepted');
    expect(await reasonOf(validator.validate(await signJwt(claims(), { key: rsa })))).toBe('unsupported_algorithm');
    expect(requests).toHaveLength(0);
  });

  it('uses the clock tolerance of the options', async () => {
    const idToken = { validate: true, clockToleranceSeconds: 0 };
    const validator = createIdTokenValidator({ config: config({ idToken }), transport, timeoutMs: 1000 });
    const past = claims({ exp: Math.floor(Date.now() / 1000) - 5 });
    expect(await reasonOf(validator.validate(await signJwt(past, { key: rsa })))).toBe('expired');
  });

  it('keeps the JWKS cache of the previous validator while the jwks URI is the same', async () => {
    const first = createIdTokenValidator({ config: config(), transport, timeoutMs: 1000 });
    const same = createIdTokenValidator({ config: config(), transport, timeoutMs: 1000, previous: first });
    expect(same.keys).toBe(first.keys);
    const moved = createIdTokenValidator({
      config: config({ jwksUri: `${ISSUER}/keys-v2` }),
      transport,
      timeoutMs: 1000,
      previous: first,
    });
    expect(moved.keys).not.toBe(first.keys);
    expect((moved.keys as JwksCache).uri).toBe(`${ISSUER}/keys-v2`);
  });

  it('throws EndpointNotConfiguredError for an asymmetric algorithm without a jwks URI', () => {
    const error = (() => {
      try {
        return createIdTokenValidator({ config: config({ jwksUri: undefined }), transport, timeoutMs: 1000 });
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(EndpointNotConfiguredError);
    expect(error).toMatchObject({ provider: 'acme', endpoint: 'jwks', code: 'endpoint_not_configured' });
  });

  it('throws AuthCodeFlowConfigError without an issuer, or with a transport that cannot GET', () => {
    expect(() => createIdTokenValidator({ config: config({ issuer: undefined }), transport, timeoutMs: 1000 })).toThrow(
      AuthCodeFlowConfigError,
    );
    const postOnly = { post: transport.post };
    expect(() => createIdTokenValidator({ config: config(), transport: postOnly, timeoutMs: 1000 })).toThrow(
      /needs a token transport with a get method/,
    );
  });
});
