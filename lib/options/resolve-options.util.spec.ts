import { describe, expect, it } from '@jest/globals';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { defaultResolveUser, resolveOptions } from './resolve-options.util.js';

const github = {
  baseUri: 'https://github.com',
  authorizationPath: '/login/oauth/authorize',
  accessTokenPath: '/login/oauth/access_token',
  clientId: 'id',
  clientSecret: 'secret',
  redirectUri: 'https://app.example/oauth/github/callback',
};

function problemsOf(options: unknown, names?: string[]): readonly string[] {
  try {
    resolveOptions(options, { providerNames: names });
  } catch (error) {
    expect(error).toBeInstanceOf(AuthCodeFlowConfigError);
    return (error as AuthCodeFlowConfigError).problems;
  }
  throw new Error('expected the options to be rejected');
}

describe('resolveOptions', () => {
  it('applies the defaults', () => {
    const resolved = resolveOptions({ providers: { github } });
    expect(resolved.stateTtlSeconds).toBe(600);
    expect(resolved.httpTimeoutMs).toBe(10_000);
    expect(resolved.routes).toEqual({ path: 'oauth', successRedirect: '/', failureRedirect: undefined, allowAnonymous: false, guards: [] });
    expect(resolved.providers.get('github')).toMatchObject({
      authorizationEndpoint: 'https://github.com/login/oauth/authorize',
      tokenEndpoint: 'https://github.com/login/oauth/access_token',
      clientAuthMethod: 'client_secret_post',
      pkce: true,
      postFormData: true,
      requireIssuerParameter: false,
    });
  });

  it('defaults a public client to clientAuthMethod none, and joins an array scope', () => {
    const { clientSecret: _omit, ...publicClient } = github;
    const resolved = resolveOptions({ providers: { p: { ...publicClient, scope: ['a', 'b'], scopeDelimiter: ',' } } });
    expect(resolved.providers.get('p')).toMatchObject({ clientAuthMethod: 'none', scope: 'a,b' });
    expect(resolveOptions({ providers: { p: { ...publicClient, scope: ['a', 'b'], scopeDelimiter: ' ' } } }).providers.get('p')?.scope).toBe('a b');
    expect(problemsOf({ providers: { p: { ...publicClient, scopeDelimiter: '' } } })).toEqual(['providers.p.scopeDelimiter must be a non-empty string']);
  });

  it('names the provider and the field of each problem', () => {
    const problems = problemsOf({
      providers: {
        github: { ...github, redirectUri: 'not a url', clientId: '', pkce: 'yes', clientAuthMethod: 'private_key_jwt', redirectURI: 'x' },
      },
      stateTtlSeconds: -5,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'providers.github.redirectUri must be an absolute http(s) URL',
        'providers.github.clientId is required',
        'providers.github.pkce must be true or false',
        'providers.github.clientAuthMethod must be one of client_secret_post, client_secret_basic, none',
        'providers.github.redirectURI is not a known option',
        'stateTtlSeconds must be a positive integer',
      ]),
    );
  });

  it('puts every problem in the error message', () => {
    expect(() => resolveOptions({ providers: { github: { ...github, baseUri: undefined } } })).toThrow(
      'Invalid AuthCodeFlowModule options:\n  - providers.github.baseUri is required',
    );
  });

  it('refuses plain http outside localhost unless explicitly allowed', () => {
    expect(problemsOf({ providers: { p: { ...github, baseUri: 'http://idp.example' } } })).toContain(
      'providers.p.baseUri must use https (plain http is allowed for localhost only, or with allowInsecureRequests)',
    );
    expect(() => resolveOptions({ providers: { p: { ...github, baseUri: 'http://127.0.0.1:8080' } } })).not.toThrow();
    expect(() => resolveOptions({ providers: { p: { ...github, baseUri: 'http://idp.example', allowInsecureRequests: true } } })).not.toThrow();
    expect(problemsOf({ providers: { p: { ...github, accessTokenPath: 'http://idp.example/token' } } })).toContain(
      'providers.p.accessTokenPath must use https (plain http is allowed for localhost only, or with allowInsecureRequests)',
    );
  });

  it('rejects a redirect URI with a fragment, reserved authorization params and a secret-less confidential method', () => {
    const { clientSecret: _omit, ...publicClient } = github;
    const problems = problemsOf({
      providers: {
        a: { ...github, redirectUri: 'https://app.example/cb#x' },
        b: { ...github, authorizationParams: { state: 'fixed', access_type: 'offline' } },
        c: { ...publicClient, clientAuthMethod: 'client_secret_basic' },
        d: { ...github, requireIssuerParameter: true },
      },
    });
    expect(problems).toEqual([
      'providers.a.redirectUri must not contain a fragment (RFC 6749 §3.1.2)',
      'providers.b.authorizationParams.state is set by the flow manager and cannot be configured',
      'providers.c.clientSecret is required with clientAuthMethod client_secret_basic',
      'providers.d.requireIssuerParameter needs providers.d.issuer',
    ]);
  });

  it('takes extra token request headers, but not the protocol ones', () => {
    const resolved = resolveOptions({ providers: { p: { ...github, tokenRequestHeaders: { 'User-Agent': 'app/1.0' } } } });
    expect(resolved.providers.get('p')?.tokenRequestHeaders).toEqual({ 'User-Agent': 'app/1.0' });
    expect(problemsOf({ providers: { p: { ...github, tokenRequestHeaders: { authorization: 'Bearer x', 'X-Trace': 'a\r\nInjected: 1', 'bad name': 'v' } } } })).toEqual([
      'providers.p.tokenRequestHeaders.authorization is set by the flow manager and cannot be configured',
      'providers.p.tokenRequestHeaders.X-Trace must be a string without line breaks',
      'providers.p.tokenRequestHeaders.bad name is not a valid header name',
    ]);
  });

  it('rejects empty providers, bad names, and names that differ from providerNames', () => {
    expect(problemsOf({ providers: {} })).toEqual(['providers must be an object with at least one provider']);
    expect(problemsOf({ providers: { 'bad name': github } })[0]).toMatch(/^providers\.bad name: the provider name must be/);
    expect(problemsOf({ providers: { github } }, ['github', 'google'])).toEqual(['providers.google is missing: it is listed in providerNames']);
    expect(problemsOf({ providers: { github, extra: github } }, ['github'])).toEqual(['providers.extra is not listed in providerNames']);
  });

  it('validates stores, hooks and routes', () => {
    const problems = problemsOf({
      providers: { github },
      stateStore: { save() {} },
      resolveUser: 'user.id',
      routes: { path: '../x', successRedirect: '//evil.example', guards: ['nope'] },
    });
    expect(problems).toEqual([
      'stateStore must implement save, peek, consume (missing: peek, consume)',
      'resolveUser must be a function',
      'routes.path must be a path of letters, digits, "-", "_" and "/"',
      'routes.successRedirect must be a same-origin path starting with "/" or an absolute http(s) URL',
      'routes.guards must be an array of guard classes or guard instances',
    ]);
    expect(resolveOptions({ providers: { github }, routes: false }).routes).toBe(false);
    expect(problemsOf({ providers: { github }, routes: { failureRedirect: '/\\evil.example' } })).toEqual([
      'routes.failureRedirect must be a same-origin path starting with "/" or an absolute http(s) URL',
    ]);
    expect(resolveOptions({ providers: { github }, routes: { successRedirect: '/connected page?é=1', failureRedirect: 'https://app.example/ä' } }).routes).toMatchObject({
      successRedirect: '/connected%20page?%C3%A9=1',
      failureRedirect: 'https://app.example/%C3%A4',
    });
    expect(resolveOptions({ providers: { github }, routes: { path: '/auth/v1/' } }).routes).toMatchObject({ path: 'auth/v1' });
  });

  it('resolves the user from request.user.id or .sub', () => {
    expect(defaultResolveUser({ user: { id: 7 } })).toBe('7');
    expect(defaultResolveUser({ user: { sub: 'abc' } })).toBe('abc');
    expect(defaultResolveUser({})).toBeUndefined();
  });
});
