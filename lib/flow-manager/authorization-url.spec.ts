import { describe, expect, it } from '@jest/globals';
import { RESERVED_AUTHORIZATION_PARAMS } from '../auth-code-flow.constants.js';
import { InvalidArgumentError, InvalidStateError } from '../auth-code-flow.errors.js';
import { codeChallengeS256 } from '../utils/pkce.util.js';
import { AuthorizationUrlBuilder, assertNoReservedParams, type AuthorizationUrlConfig } from './authorization-url.js';

const CONFIG: AuthorizationUrlConfig = {
  authorizationEndpoint: 'https://idp.example/authorize?tenant=t1',
  clientId: 'client id',
  redirectUri: 'https://app.example/cb',
  scope: 'read write',
  pkce: true,
  authorizationParams: { prompt: 'consent', access_type: 'offline' },
};
const VERIFIER = 'v'.repeat(43);
const CHALLENGE = `code_challenge=${codeChallengeS256(VERIFIER)}&code_challenge_method=S256`;
const HEAD =
  'https://idp.example/authorize?tenant=t1&response_type=code&client_id=client+id&redirect_uri=https%3A%2F%2Fapp.example%2Fcb';

const build = (config: Partial<AuthorizationUrlConfig>, params?: Record<string, string>, state = 's/1') =>
  new AuthorizationUrlBuilder({ ...CONFIG, ...config }).build(state, { codeVerifier: VERIFIER }, params);

describe('AuthorizationUrlBuilder', () => {
  it('orders the protocol parameters, scope, state and challenge, then the configured extras, then the call’s own', () => {
    const tail = '&prompt=consent&access_type=offline';
    expect(build({})).toBe(`${HEAD}&scope=read+write&state=s%2F1&${CHALLENGE}${tail}`);
    expect(build({}, {})).toBe(build({}));
    expect(build({}, { login_hint: 'ada l' })).toBe(
      `${HEAD}&scope=read+write&state=s%2F1&${CHALLENGE}${tail}&login_hint=ada+l`,
    );
  });

  it('gives a call’s extra the place of a configured one of the same name', () => {
    const url = build({}, { prompt: 'login', ui: 'x' });
    expect(url).toBe(`${HEAD}&scope=read+write&state=s%2F1&${CHALLENGE}&prompt=login&access_type=offline&ui=x`);
  });

  it('replaces the configured scope in place with an extra scope, the call’s over the configured', () => {
    const withScope = { authorizationParams: { scope: 'openid', prompt: 'none' } };
    expect(build(withScope)).toBe(`${HEAD}&scope=openid&state=s%2F1&${CHALLENGE}&prompt=none`);
    expect(build(withScope, { scope: 'profile' })).toBe(`${HEAD}&scope=profile&state=s%2F1&${CHALLENGE}&prompt=none`);
  });

  it('puts a scope after the challenge when none is configured, and sends no challenge without PKCE', () => {
    expect(build({ scope: undefined, pkce: false, authorizationParams: {} }, { scope: 'x' })).toBe(
      `${HEAD}&state=s%2F1&scope=x`,
    );
    expect(build({ scope: undefined, pkce: false, authorizationParams: {} })).toBe(`${HEAD}&state=s%2F1`);
  });

  it('sends the pending authorization’s nonce after the challenge (OpenID Connect Core §3.1.2.1), and none without one', () => {
    const builder = new AuthorizationUrlBuilder({ ...CONFIG, authorizationParams: {} });
    const url = builder.build('s', { codeVerifier: VERIFIER, nonce: 'n+1/=' });
    expect(url).toBe(`${HEAD}&scope=read+write&state=s&${CHALLENGE}&nonce=n%2B1%2F%3D`);
    expect(new URL(url).searchParams.getAll('nonce')).toEqual(['n+1/=']);
    expect(builder.build('s', { codeVerifier: VERIFIER })).not.toContain('nonce');
  });

  it('sends dpop_jkt (RFC 9449 §10) after the nonce when the builder has a thumbprint, and reserves the name', () => {
    const jkt = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
    const builder = new AuthorizationUrlBuilder({ ...CONFIG, authorizationParams: {} }, () => jkt);
    const url = builder.build('s', { codeVerifier: VERIFIER, nonce: 'n' });
    expect(url).toBe(`${HEAD}&scope=read+write&state=s&${CHALLENGE}&nonce=n&dpop_jkt=${jkt}`);
    expect(RESERVED_AUTHORIZATION_PARAMS.has('dpop_jkt')).toBe(true);
    expect(build({})).not.toContain('dpop_jkt');
  });

  it('refuses a PKCE flow whose pending authorization has no verifier', () => {
    const builder = new AuthorizationUrlBuilder(CONFIG);
    expect(() => builder.build('s', {})).toThrow(InvalidStateError);
    expect(() => builder.build('s', {})).toThrow(expect.objectContaining({ reason: 'missing_verifier' }));
  });

  it('refuses every reserved parameter with InvalidArgumentError (ERR_INVALID_ARG_VALUE)', () => {
    const builder = new AuthorizationUrlBuilder(CONFIG);
    for (const name of RESERVED_AUTHORIZATION_PARAMS) {
      const checks = [
        () => assertNoReservedParams({ [name]: 'x' }),
        () => builder.build('s', { codeVerifier: VERIFIER }, { [name]: 'x' }),
      ];
      for (const check of checks) {
        expect(check).toThrow(InvalidArgumentError);
        expect(check).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
        expect(check).toThrow(
          `The authorization parameter "${name}" is set by the flow manager and cannot be overridden.`,
        );
      }
    }
    expect(() => assertNoReservedParams({ login_hint: 'ada', scope: 'x' })).not.toThrow();
  });
});
