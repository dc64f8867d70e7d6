import { describe, expect, it } from '@jest/globals';
import { Injectable, type CanActivate } from '@nestjs/common';
import fc from 'fast-check';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { AuthCodeFlowGuard } from '../http/auth-code-flow.guard.js';
import { defaultResolveUser, registrationProblems, resolveOptions } from './resolve-options.util.js';
import { propertyRuns } from '../../test/support/property-runs.js';

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
    expect(resolved.routes).toEqual({
      path: 'oauth',
      successRedirect: '/',
      failureRedirect: undefined,
      allowAnonymous: false,
      guards: [],
      guard: undefined,
      clientJwks: false,
    });
    expect(resolved.providers.get('github')).toMatchObject({
      authorizationEndpoint: 'https://github.com/login/oauth/authorize',
      tokenEndpoint: 'https://github.com/login/oauth/access_token',
      clientAuthMethod: 'client_secret_post',
      pkce: true,
      postFormData: true,
      requireIssuerParameter: false,
      allowUnverifiedIssuer: false,
    });
  });

  it('defaults a public client to clientAuthMethod none, and joins an array scope', () => {
    const { clientSecret: _omit, ...publicClient } = github;
    const resolved = resolveOptions({ providers: { p: { ...publicClient, scope: ['a', 'b'], scopeDelimiter: ',' } } });
    expect(resolved.providers.get('p')).toMatchObject({ clientAuthMethod: 'none', scope: 'a,b' });
    expect(
      resolveOptions({ providers: { p: { ...publicClient, scope: ['a', 'b'], scopeDelimiter: ' ' } } }).providers.get(
        'p',
      )?.scope,
    ).toBe('a b');
    expect(problemsOf({ providers: { p: { ...publicClient, scopeDelimiter: '' } } })).toEqual([
      'providers.p.scopeDelimiter must be a non-empty string',
    ]);
  });

  it('names the provider and the field of each problem', () => {
    const problems = problemsOf({
      providers: {
        github: {
          ...github,
          redirectUri: 'not a url',
          clientId: '',
          pkce: 'yes',
          clientAuthMethod: 'tls_client_auth',
          redirectURI: 'x',
        },
      },
      stateTtlSeconds: -5,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'providers.github.redirectUri must be an absolute http(s) URL',
        'providers.github.clientId is required',
        'providers.github.pkce must be true or false',
        'providers.github.clientAuthMethod must be one of client_secret_post, client_secret_basic, none, private_key_jwt, client_secret_jwt',
        'providers.github.redirectURI is not a known option (did you mean redirectUri?)',
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
    expect(() =>
      resolveOptions({ providers: { p: { ...github, baseUri: 'http://idp.example', allowInsecureRequests: true } } }),
    ).not.toThrow();
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
    const resolved = resolveOptions({
      providers: { p: { ...github, tokenRequestHeaders: { 'User-Agent': 'app/1.0' } } },
    });
    expect(resolved.providers.get('p')?.tokenRequestHeaders).toEqual({ 'User-Agent': 'app/1.0' });
    expect(
      problemsOf({
        providers: {
          p: {
            ...github,
            tokenRequestHeaders: { authorization: 'Bearer x', 'X-Trace': 'a\r\nInjected: 1', 'bad name': 'v' },
          },
        },
      }),
    ).toEqual([
      'providers.p.tokenRequestHeaders.authorization is set by the flow manager and cannot be configured',
      'providers.p.tokenRequestHeaders.X-Trace must be a string without line breaks',
      'providers.p.tokenRequestHeaders.bad name is not a valid header name',
    ]);
  });

  it('rejects empty providers, bad names, and names that differ from providerNames', () => {
    expect(problemsOf({ providers: {} })).toEqual(['providers must be an object with at least one provider']);
    expect(problemsOf({ providers: { 'bad name': github } })[0]).toMatch(
      /^providers\.bad name: the provider name must be/,
    );
    expect(problemsOf({ providers: { github } }, ['github', 'google'])).toEqual([
      'providers.google is missing: it is listed in providerNames',
    ]);
    const extra = { ...github, redirectUri: 'https://app.example/oauth/extra/callback' };
    expect(problemsOf({ providers: { github, extra } }, ['github'])).toEqual([
      'providers.extra is not listed in providerNames',
    ]);
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
    expect(
      resolveOptions({
        providers: { github },
        routes: { successRedirect: '/connected page?é=1', failureRedirect: 'https://app.example/ä' },
      }).routes,
    ).toMatchObject({
      successRedirect: '/connected%20page?%C3%A9=1',
      failureRedirect: 'https://app.example/%C3%A4',
    });
    expect(resolveOptions({ providers: { github }, routes: { path: '/auth/v1/' } }).routes).toMatchObject({
      path: 'auth/v1',
    });
  });

  it('resolves the user from request.user.id or .sub', () => {
    expect(defaultResolveUser({ headers: {}, user: { id: 7 } })).toBe('7');
    expect(defaultResolveUser({ headers: {}, user: { sub: 'abc' } })).toBe('abc');
    expect(defaultResolveUser({ headers: {}, user: { id: null, sub: 'abc' } })).toBe('abc');
    expect(defaultResolveUser({ headers: {} })).toBeUndefined();
    expect(defaultResolveUser({ headers: {}, user: 'ada' })).toBeUndefined();
  });

  it('checks allowUnverifiedIssuer', () => {
    expect(
      resolveOptions({ providers: { github: { ...github, allowUnverifiedIssuer: true } } }).providers.get('github')
        ?.allowUnverifiedIssuer,
    ).toBe(true);
    expect(
      problemsOf({
        providers: {
          a: { ...github, allowUnverifiedIssuer: 'yes' },
          b: {
            ...github,
            redirectUri: 'https://app.example/oauth/b/callback',
            issuer: 'https://idp.example',
            allowUnverifiedIssuer: true,
          },
        },
      }),
    ).toEqual([
      'providers.a.allowUnverifiedIssuer must be true or false',
      'providers.b.allowUnverifiedIssuer cannot be combined with providers.b.issuer: with an issuer, every iss is checked against it',
    ]);
  });

  it('refuses a plain-http redirect URI off loopback, unless allowInsecureRequests', () => {
    expect(
      problemsOf({ providers: { github: { ...github, redirectUri: 'http://app.example/oauth/github/callback' } } }),
    ).toEqual([
      'providers.github.redirectUri must use https (plain http is allowed for localhost only, or with allowInsecureRequests): the code would travel in clear text',
    ]);
    for (const redirectUri of [
      'http://127.0.0.1:3000/oauth/github/callback',
      'http://localhost/oauth/github/callback',
      'http://[::1]:8080/oauth/github/callback',
      'http://app.localhost/oauth/github/callback',
    ]) {
      expect(
        resolveOptions({ providers: { github: { ...github, redirectUri } } }).providers.get('github')?.redirectUri,
      ).toBe(redirectUri);
    }
    expect(() =>
      resolveOptions({
        providers: {
          github: { ...github, redirectUri: 'http://dev.internal/oauth/github/callback', allowInsecureRequests: true },
        },
      }),
    ).not.toThrow();
  });

  describe('problems across providers', () => {
    const at = (path: string) => `https://app.example${path}`;

    it('refuses two providers with the same redirect URI, compared as URLs, with or without the routes', () => {
      for (const routes of [undefined, false as const]) {
        expect(
          problemsOf({
            providers: {
              a: { ...github, redirectUri: at('/cb') },
              b: { ...github, redirectUri: 'https://APP.example:443/cb' },
            },
            routes,
          }),
        ).toEqual([
          'providers.b.redirectUri is the same as providers.a.redirectUri (https://app.example/cb): each provider needs its own redirect URI, or its callback cannot be told apart',
        ]);
      }
      expect(() =>
        resolveOptions({
          providers: { a: { ...github, redirectUri: at('/cb?p=a') }, b: { ...github, redirectUri: at('/cb?p=b') } },
        }),
      ).not.toThrow();
    });

    it("with the routes, refuses a redirect URI that leads to another provider's callback route", () => {
      const leadsTo = (redirectUri: string) =>
        problemsOf({ providers: { a: { ...github, redirectUri }, b: { ...github, redirectUri: at('/elsewhere/b') } } });
      const problem = `providers.a.redirectUri leads to /oauth/b/callback, the callback route of provider "b", which refuses a's states; use /oauth/a/callback`;
      expect(leadsTo(at('/oauth/b/callback'))).toEqual([problem]);
      // Sharing b's own redirect URI is reported once, as such.
      expect(
        problemsOf({
          providers: {
            a: { ...github, redirectUri: at('/oauth/b/callback') },
            b: { ...github, redirectUri: at('/oauth/b/callback') },
          },
        }),
      ).toEqual([expect.stringMatching(/^providers\.b\.redirectUri is the same as providers\.a\.redirectUri/)]);
      // Behind a global prefix or a proxy path, in another case (Express routes ignore it), with a trailing slash, encoded.
      for (const path of ['/api/oauth/b/callback', '/OAuth/b/CALLBACK', '/oauth/b/callback/', '/oauth/%62/callback'])
        expect(leadsTo(at(path))).toEqual([problem]);
      expect(
        problemsOf({
          providers: { a: { ...github, redirectUri: at('/auth/v1/b/callback') }, b: github },
          routes: { path: 'auth/v1' },
        }),
      ).toEqual([
        `providers.a.redirectUri leads to /auth/v1/b/callback, the callback route of provider "b", which refuses a's states; use /auth/v1/a/callback`,
      ]);
    });

    it('allows a redirect URI that is not a built-in callback route of another provider: the app may proxy or route it', () => {
      const providersWith = (redirectUri: string) => ({
        a: { ...github, redirectUri },
        b: { ...github, redirectUri: at('/b/cb') },
      });
      for (const path of [
        '/oauth/a/callback',
        '/connect/a/done',
        '/cb',
        '/oauth/unknown/callback',
        '/oauth/B/callback',
        '/x/b/callback',
        '/b/callback',
      ]) {
        expect(() => resolveOptions({ providers: providersWith(at(path)) })).not.toThrow();
      }
      expect(() => resolveOptions({ providers: providersWith(at('/oauth/b/callback')), routes: false })).not.toThrow();
      expect(() =>
        resolveOptions({ providers: providersWith(at('/oauth/b/callback')), routes: { path: 'auth' } }),
      ).not.toThrow();
    });

    it('for any names and route prefix, refuses exactly the redirect URIs that end in another provider’s callback route', () => {
      const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,11}$/);
      const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
      fc.assert(
        fc.property(
          name,
          name,
          fc.array(segment, { minLength: 1, maxLength: 3 }),
          fc.array(segment, { maxLength: 2 }),
          (a, b, prefix, mount) => {
            fc.pre(a !== b);
            const path = prefix.join('/');
            const route = (name: string) =>
              at(`/${[...mount, ...prefix, name, 'callback'].map(encodeURIComponent).join('/')}`);
            const options = (redirectUri: string) => ({
              providers: { [a]: { ...github, redirectUri }, [b]: { ...github, redirectUri: route(b) } },
              routes: { path },
            });
            expect(() => resolveOptions(options(route(a)))).not.toThrow();
            expect(problemsOf(options(`${route(b)}?from=${a}`))).toEqual([
              expect.stringContaining(`providers.${a}.redirectUri leads to /${path}/${b}/callback`),
            ]);
          },
        ),
        propertyRuns(200),
      );
    });
  });

  describe('routes.guard and the forRootAsync registration', () => {
    @Injectable()
    class SubclassGuard extends AuthCodeFlowGuard {}
    class OtherGuard implements CanActivate {
      canActivate(): boolean {
        return true;
      }
    }

    it('takes AuthCodeFlowGuard or a subclass, and nothing else', () => {
      expect(resolveOptions({ providers: { github }, routes: { guard: SubclassGuard } }).routes).toMatchObject({
        guard: SubclassGuard,
      });
      const problem =
        "routes.guard must be AuthCodeFlowGuard or a class that extends it (the app's other guards go in routes.guards)";
      for (const guard of [OtherGuard, new SubclassGuard(undefined as never), 'SubclassGuard', null]) {
        expect(problemsOf({ providers: { github }, routes: { guard } })).toEqual([problem]);
      }
    });

    it('lets the factory turn registered routes off, or leave path and guard out, but not change them', () => {
      const registered = { routesPath: 'auth', routesGuard: SubclassGuard };
      expect(resolveOptions({ providers: { github }, routes: false }, registered).routes).toBe(false);
      expect(
        resolveOptions({ providers: { github }, routes: { successRedirect: '/done' } }, registered).routes,
      ).toMatchObject({ path: 'auth', guard: SubclassGuard, successRedirect: '/done' });
      expect(resolveOptions({ providers: { github } }, registered).routes).toMatchObject({
        path: 'auth',
        guard: SubclassGuard,
      });
      expect(
        resolveOptions({ providers: { github }, routes: { path: '/auth/', guard: SubclassGuard } }, registered).routes,
      ).toMatchObject({ path: 'auth' });
      expect(() => resolveOptions({ providers: { github }, routes: { guard: AuthCodeFlowGuard } }, registered)).toThrow(
        "routes.guard: the factory's guard (AuthCodeFlowGuard) differs from the registration's (SubclassGuard); give it with forRootAsync's routes",
      );
      expect(() =>
        resolveOptions({ providers: { github }, routes: { guard: SubclassGuard } }, { routesPath: 'oauth' }),
      ).toThrow(
        "routes.guard: the factory's guard (SubclassGuard) differs from the registration's (AuthCodeFlowGuard)",
      );
      expect(() => resolveOptions({ providers: { github }, routes: { path: 'oauth' } }, registered)).toThrow(
        `routes: the factory's routes (path "oauth") differ from the registration's (path "auth"); give forRootAsync the same routes`,
      );
      expect(() => resolveOptions({ providers: { github }, routes: {} }, { routesPath: false })).toThrow(
        'routes: the module was registered with routes: false, so the factory cannot enable them',
      );
      expect(resolveOptions({ providers: { github }, routes: false }, { routesPath: false }).routes).toBe(false);
    });

    it("checks forRootAsync's own routes and providerNames, every problem at once", () => {
      expect(registrationProblems(['github'], { path: 'auth', guard: SubclassGuard })).toEqual([]);
      expect(registrationProblems(['github'], false)).toEqual([]);
      expect(registrationProblems(['github'], undefined)).toEqual([]);
      expect(registrationProblems([], { path: '../x', guard: OtherGuard, successRedirect: '/done', pth: 'x' })).toEqual(
        [
          'providerNames must be a non-empty array of provider names (forRootAsync needs them before the factory runs)',
          "routes.successRedirect: forRootAsync's routes take only path and guard; give successRedirect in the factory's routes",
          'routes.pth is not a known option',
          'routes.path must be a path of letters, digits, "-", "_" and "/"',
          "routes.guard must be AuthCodeFlowGuard or a class that extends it (the app's other guards go in routes.guards)",
        ],
      );
      expect(registrationProblems(['github'], 'oauth')).toEqual([
        'routes (forRootAsync) must be false or an object with path and guard',
      ]);
    });
  });
});
