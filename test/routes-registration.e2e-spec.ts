import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AuthCodeFlowModule, type AuthCodeFlowModuleOptions } from '../lib/index.js';
import { PLATFORMS } from './support/http-app.js';

const github = {
  baseUri: 'https://github.com',
  authorizationPath: '/login/oauth/authorize',
  accessTokenPath: '/login/oauth/access_token',
  clientId: 'gh-id',
  clientSecret: 'gh-secret',
  redirectUri: 'https://app.example/auth/github/callback',
};

describe.each(PLATFORMS)('registering the routes with forRootAsync on %s', (platform) => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function listen(module: ReturnType<typeof AuthCodeFlowModule.forRootAsync>): Promise<string> {
    const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
    app =
      platform === 'fastify'
        ? moduleRef.createNestApplication(new FastifyAdapter())
        : moduleRef.createNestApplication();
    app.useLogger(false);
    await app.listen(0, '127.0.0.1');
    return (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  }

  const factory =
    (extra: Partial<AuthCodeFlowModuleOptions> = {}) =>
    async (): Promise<AuthCodeFlowModuleOptions> => ({
      providers: { github },
      resolveUser: () => 'ada',
      ...extra,
    });

  it('mounts the routes at the path declared with the registration, taking the rest from the factory', async () => {
    const url = await listen(
      AuthCodeFlowModule.forRootAsync({
        providerNames: ['github'],
        routes: { path: 'auth' },
        useFactory: factory({ routes: { path: 'auth' } }),
      }),
    );
    const response = await fetch(`${url}/auth/github/authorize`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(/^https:\/\/github\.com\/login\/oauth\/authorize\?/);
  });

  it('lets the factory leave the path out, keeping the registered one', async () => {
    const url = await listen(
      AuthCodeFlowModule.forRootAsync({
        providerNames: ['github'],
        routes: { path: 'connect' },
        useFactory: factory({ routes: { successRedirect: '/done' } }),
      }),
    );
    expect((await fetch(`${url}/connect/github/authorize`, { redirect: 'manual' })).status).toBe(302);
  });

  it('registers no controller with routes: false', async () => {
    const url = await listen(
      AuthCodeFlowModule.forRootAsync({ providerNames: ['github'], routes: false, useFactory: factory() }),
    );
    expect((await fetch(`${url}/oauth/github/authorize`, { redirect: 'manual' })).status).toBe(404);
  });

  it('lets the factory turn the routes off: both answer 404 as a route that was never registered', async () => {
    const resolveUser = jest.fn(() => 'ada');
    const url = await listen(
      AuthCodeFlowModule.forRootAsync({
        providerNames: ['github'],
        useFactory: async () => ({ providers: { github }, resolveUser, routes: false }),
      }),
    );
    const missing = await fetch(`${url}/oauth/github/elsewhere`);
    expect(missing.status).toBe(404);
    const missingBody = (await missing.json()) as Record<string, unknown>;
    expect(missingBody).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /oauth/github/elsewhere' });

    for (const path of ['/oauth/github/authorize', '/oauth/github/callback', '/oauth/unknown/authorize']) {
      const response = await fetch(`${url}${path}?code=the-code&state=the-state`, { redirect: 'manual' });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe(missing.headers.get('content-type'));
      // The same body as Nest's own 404, without the query (a callback's query holds the code).
      expect(await response.json()).toEqual({ ...missingBody, message: `Cannot GET ${path}` });
    }
    expect(resolveUser).not.toHaveBeenCalled();
  });

  it('lets the factory turn routes registered under another path off', async () => {
    const url = await listen(
      AuthCodeFlowModule.forRootAsync({
        providerNames: ['github'],
        routes: { path: 'auth' },
        useFactory: factory({ routes: false }),
      }),
    );
    expect((await fetch(`${url}/auth/github/authorize`, { redirect: 'manual' })).status).toBe(404);
  });

  it('fails the start-up when the factory disagrees with the registration', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        AuthCodeFlowModule.forRootAsync({
          providerNames: ['github'],
          useFactory: factory({ routes: { path: 'auth' } }),
        }),
      ],
    }).compile();
    await expect(compiling).rejects.toThrow(
      `routes: the factory's routes (path "auth") differ from the registration's (path "oauth"); give forRootAsync the same routes`,
    );
    const disabled = Test.createTestingModule({
      imports: [
        AuthCodeFlowModule.forRootAsync({
          providerNames: ['github'],
          routes: false,
          useFactory: factory({ routes: {} }),
        }),
      ],
    }).compile();
    await expect(disabled).rejects.toThrow(
      'routes: the module was registered with routes: false, so the factory cannot enable them',
    );
  });
});
