import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type CanActivate, Global, Injectable, Module, UnauthorizedException } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  AuthCodeFlowConfigError,
  AuthCodeFlowGuard,
  AuthCodeFlowModule,
  TOKEN_STORE,
  type AuthCodeFlowModuleAsyncOptions,
  type AuthCodeFlowRequest,
  type TokenStore,
} from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { cookiesFrom, PLATFORMS, type Platform } from '../support/http-app.js';
import { fakeClientOptions } from '../support/testing-module.js';

/** An app service the subclass injects: it must come from a global module (or forRootAsync's imports). */
@Injectable()
class ApiKeys {
  readonly seen: string[] = [];
  userFor(key: string | undefined): string | undefined {
    if (key !== undefined) this.seen.push(key);
    return key?.startsWith('key-') ? key.slice(4) : undefined;
  }
}

@Global()
@Module({ providers: [ApiKeys], exports: [ApiKeys] })
class ApiKeysModule {}

/** The README's example: the user from an API key header, and a 401 of the app's own shape. */
@Injectable()
class ApiKeyGuard extends AuthCodeFlowGuard {
  constructor(
    moduleRef: ModuleRef,
    private readonly keys: ApiKeys,
  ) {
    super(moduleRef);
  }

  protected override resolveUser(request: AuthCodeFlowRequest): string | undefined {
    const key = request.headers['x-api-key'];
    return this.keys.userFor(typeof key === 'string' ? key : undefined);
  }

  protected override throwUnauthorized(): never {
    throw new UnauthorizedException({ statusCode: 401, error: 'login_required', loginUrl: '/login' });
  }
}

/** A subclass without a constructor: it inherits the base's, and keeps the module's `resolveUser` through `super`. */
@Injectable()
class AuditingGuard extends AuthCodeFlowGuard {
  static readonly audited: string[] = [];
  protected override async resolveUser(request: AuthCodeFlowRequest): Promise<string | undefined> {
    const user = await super.resolveUser(request);
    AuditingGuard.audited.push(`${(request.params as { provider: string }).provider}:${user}`);
    return user;
  }
}

class NotOurGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

describe.each(PLATFORMS)('routes.guard, a subclass of AuthCodeFlowGuard, on %s', (platform: Platform) => {
  let provider: FakeProvider;
  let close: (() => Promise<void>) | undefined;
  let url = '';
  let tokenStore: TokenStore;

  beforeAll(async () => {
    provider = await FakeProvider.start();
  });
  afterAll(() => provider.close());
  afterEach(async () => {
    await close?.();
    close = undefined;
    provider.reset();
  });

  async function listen(authModule: ReturnType<typeof AuthCodeFlowModule.forRoot>): Promise<void> {
    const moduleRef = await Test.createTestingModule({ imports: [ApiKeysModule, authModule] }).compile();
    const app =
      platform === 'fastify'
        ? moduleRef.createNestApplication(new FastifyAdapter())
        : moduleRef.createNestApplication();
    app.useLogger(false);
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
    tokenStore = app.get<TokenStore>(TOKEN_STORE);
    close = () => app.close();
  }

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { redirect: 'manual', headers });

  /** The whole flow through the subclass: authorize, consent, callback. */
  async function flow(prefix: string, headers: Record<string, string>): Promise<Response> {
    const started = await get(`/${prefix}/fake/authorize`, headers);
    expect(started.status).toBe(302);
    const query = await provider.authorize(started.headers.get('location')!);
    return get(`/${prefix}/fake/callback?${query}`, { ...headers, cookie: cookiesFrom(started) });
  }

  it('guards both routes with a forRoot subclass: its resolveUser, its 401, its injected service', async () => {
    await listen(
      AuthCodeFlowModule.forRoot({ providers: { fake: fakeClientOptions(provider) }, routes: { guard: ApiKeyGuard } }),
    );

    for (const path of ['/oauth/fake/authorize', '/oauth/fake/callback?code=c&state=s']) {
      const refused = await get(path, { 'x-api-key': 'wrong' });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ statusCode: 401, error: 'login_required', loginUrl: '/login' });
    }
    const done = await flow('oauth', { 'x-api-key': 'key-ada' });
    expect(done.status).toBe(302);
    expect((await tokenStore.get('fake', 'ada'))?.accessToken).toMatch(/^access-/);
    // The unknown-provider hook is still the base's.
    expect(await (await get('/oauth/nope/authorize', { 'x-api-key': 'key-ada' })).json()).toMatchObject({
      statusCode: 404,
      error: 'unknown_provider',
    });
  });

  it('takes the subclass from forRootAsync’s registration routes, with the factory’s other route options', async () => {
    const options: AuthCodeFlowModuleAsyncOptions = {
      providerNames: ['fake'],
      routes: { path: 'connect', guard: AuditingGuard },
      useFactory: () => ({
        providers: {
          fake: fakeClientOptions(provider, 'fake', { redirectUri: 'http://127.0.0.1:3000/connect/fake/callback' }),
        },
        resolveUser: (request: AuthCodeFlowRequest) =>
          typeof request.headers['x-user'] === 'string' ? request.headers['x-user'] : undefined,
        routes: { successRedirect: '/connected' },
      }),
    };
    AuditingGuard.audited.length = 0;
    await listen(AuthCodeFlowModule.forRootAsync(options));
    const done = await flow('connect', { 'x-user': 'grace' });
    expect(done.headers.get('location')).toBe('/connected');
    expect(AuditingGuard.audited).toEqual(['fake:grace', 'fake:grace']);
    expect((await get('/connect/fake/authorize')).status).toBe(401);
  });
});

describe('routes.guard validation at start-up', () => {
  const options = (guard: unknown) => ({
    providers: {
      github: {
        baseUri: 'https://github.com',
        authorizationPath: '/a',
        accessTokenPath: '/t',
        clientId: 'id',
        clientSecret: 's',
        redirectUri: 'https://app.example/oauth/github/callback',
      },
    },
    routes: { guard: guard as typeof AuthCodeFlowGuard },
  });

  it('refuses a forRoot guard that does not extend AuthCodeFlowGuard', async () => {
    const compiling = Test.createTestingModule({
      imports: [AuthCodeFlowModule.forRoot(options(NotOurGuard))],
    }).compile();
    await expect(compiling).rejects.toThrow(
      "routes.guard must be AuthCodeFlowGuard or a class that extends it (the app's other guards go in routes.guards)",
    );
  });

  it('refuses a forRootAsync registration guard that does not extend it, at once', () => {
    expect(() =>
      AuthCodeFlowModule.forRootAsync({
        providerNames: ['github'],
        // @ts-expect-error the type, too, takes only a subclass of AuthCodeFlowGuard
        routes: { guard: NotOurGuard },
        useFactory: () => options(AuthCodeFlowGuard),
      }),
    ).toThrow(AuthCodeFlowConfigError);
  });

  it('refuses a factory guard that differs from the registration’s', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        AuthCodeFlowModule.forRootAsync({ providerNames: ['github'], useFactory: () => options(AuditingGuard) }),
      ],
    }).compile();
    await expect(compiling).rejects.toThrow(
      "routes.guard: the factory's guard (AuditingGuard) differs from the registration's (AuthCodeFlowGuard); give it with forRootAsync's routes",
    );
  });
});
