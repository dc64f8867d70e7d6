import { describe, expect, it } from '@jest/globals';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { scopeIncludesOpenid } from './id-token-options.js';
import { resolveOptions } from './resolve-options.util.js';

const oidc = {
  baseUri: 'https://idp.example',
  authorizationPath: '/authorize',
  accessTokenPath: '/token',
  jwksPath: '/jwks',
  issuer: 'https://idp.example',
  clientId: 'id',
  clientSecret: 'secret',
  redirectUri: 'https://app.example/oauth/idp/callback',
  scope: 'openid email',
};

const resolve = (overrides: Record<string, unknown>) =>
  resolveOptions({ providers: { idp: { ...oidc, ...overrides } } }).providers.get('idp')!;

function problemsOf(overrides: Record<string, unknown>): readonly string[] {
  try {
    resolve(overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthCodeFlowConfigError);
    return (error as AuthCodeFlowConfigError).problems;
  }
  throw new Error('expected the options to be rejected');
}

describe('ID token options', () => {
  it('validates ID tokens exactly when the scope holds openid, with a 60 s tolerance by default', () => {
    expect(resolve({}).idToken).toEqual({ validate: true, clockToleranceSeconds: 60 });
    expect(resolve({ scope: ['email', 'openid'] }).idToken.validate).toBe(true);
    expect(resolve({ scope: 'openidx email' }).idToken.validate).toBe(false);
    expect(resolve({ scope: undefined }).idToken.validate).toBe(false);
    expect(scopeIncludesOpenid('a,openid', ',')).toBe(true);
    expect(scopeIncludesOpenid('a openid', ',')).toBe(false);
  });

  it('resolves the key, userinfo and end-session endpoints like the other paths', () => {
    const config = resolve({ userInfoPath: '/me', endSessionPath: 'https://idp.example/logout?x=1' });
    expect(config).toMatchObject({
      jwksUri: 'https://idp.example/jwks',
      userinfoEndpoint: 'https://idp.example/me',
      endSessionEndpoint: 'https://idp.example/logout?x=1',
    });
    expect(problemsOf({ userInfoPath: 'http://idp.example/me' })).toEqual([
      expect.stringContaining('providers.idp.userInfoPath'),
    ]);
  });

  it('needs a way to check the issuer and the signature of every ID token', () => {
    expect(problemsOf({ issuer: undefined })).toEqual([
      'providers.idp.scope includes openid, so ID tokens are validated: set providers.idp.issuer (or providers.idp.idTokenIssuer)',
    ]);
    expect(problemsOf({ jwksPath: undefined })).toEqual([
      'providers.idp.scope includes openid, so ID tokens are validated: set providers.idp.jwksPath, or use discovery',
    ]);
    expect(resolve({ issuer: undefined, idTokenIssuer: 'https://login.example/{tenantid}/v2.0' }).idToken.issuer).toBe(
      'https://login.example/{tenantid}/v2.0',
    );
    expect(problemsOf({ idTokenIssuer: 'login.example' })).toEqual([
      'providers.idp.idTokenIssuer must be an absolute URL (with at most a {tenantid} placeholder)',
    ]);
  });

  it('never allows none, allows HMAC only with a client secret, and names unknown algorithms', () => {
    expect(resolve({ idTokenSigningAlgorithms: ['ES256', 'HS256', 'ES256'] }).idToken.algorithms).toEqual([
      'ES256',
      'HS256',
    ]);
    expect(problemsOf({ idTokenSigningAlgorithms: ['none'] })).toEqual([
      'providers.idp.idTokenSigningAlgorithms cannot hold none: ID tokens must be signed',
    ]);
    expect(
      problemsOf({ idTokenSigningAlgorithms: ['HS256'], clientSecret: undefined, clientAuthMethod: 'none' }),
    ).toEqual([
      'providers.idp.idTokenSigningAlgorithms holds HS256, which is verified with providers.idp.clientSecret',
    ]);
    expect(problemsOf({ idTokenSigningAlgorithms: ['RS257'] })).toEqual([
      'providers.idp.idTokenSigningAlgorithms holds RS257, which is not a JWS algorithm',
    ]);
    expect(problemsOf({ idTokenSigningAlgorithms: [] })).toEqual([
      'providers.idp.idTokenSigningAlgorithms must be a non-empty array of JWS algorithm names',
    ]);
  });

  it('takes a clock tolerance from 0 to 600 whole seconds', () => {
    expect(resolve({ clockToleranceSeconds: 0 }).idToken.clockToleranceSeconds).toBe(0);
    for (const bad of [-1, 601, 1.5, '5']) {
      expect(problemsOf({ clockToleranceSeconds: bad })).toEqual([
        'providers.idp.clockToleranceSeconds must be an integer from 0 to 600',
      ]);
    }
  });
});
