import { afterEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AuthCodeFlowModule, type AuthCodeFlowModuleOptions } from '../lib/index.js';

const github = {
  baseUri: 'https://github.com',
  authorizationPath: '/login/oauth/authorize',
  accessTokenPath: '/login/oauth/access_token',
  clientId: 'gh-id',
  clientSecret: 'gh-secret',
  redirectUri: 'https://app.example/auth/github/callback',
};

describe('registering the routes with forRootAsync', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function listen(module: ReturnType<typeof AuthCodeFlowModule.forRootAsync>): Promise<string> {
    const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
    app = moduleRef.createNestApplication();
    app.useLogger(false);
    await app.listen(0, '127.0.0.1');
    return (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }

  const factory = (extra: Partial<AuthCodeFlowModuleOptions> = {}) => async (): Promise<AuthCodeFlowModuleOptions> => ({
    providers: { github },
    resolveUser: () => 'ada',
    ...extra,
  });

  it('mounts the routes at the path declared with the registration, taking the rest from the factory', async () => {
    const url = await listen(AuthCodeFlowModule.forRootAsync({ providerNames: ['github'], routes: { path: 'auth' }, useFactory: factory({ routes: { path: 'auth' } }) }));
    const response = await fetch(`${url}/auth/github/authorize`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(/^https:\/\/github\.com\/login\/oauth\/authorize\?/);
  });

  it('lets the factory leave the path out, keeping the registered one', async () => {
    const url = await listen(AuthCodeFlowModule.forRootAsync({ providerNames: ['github'], routes: { path: 'connect' }, useFactory: factory({ routes: { successRedirect: '/done' } }) }));
    expect((await fetch(`${url}/connect/github/authorize`, { redirect: 'manual' })).status).toBe(302);
  });

  it('registers no controller with routes: false', async () => {
    const url = await listen(AuthCodeFlowModule.forRootAsync({ providerNames: ['github'], routes: false, useFactory: factory() }));
    expect((await fetch(`${url}/oauth/github/authorize`, { redirect: 'manual' })).status).toBe(404);
  });

  it('fails the start-up when the factory disagrees with the registration', async () => {
    const compiling = Test.createTestingModule({
      imports: [AuthCodeFlowModule.forRootAsync({ providerNames: ['github'], useFactory: factory({ routes: { path: 'auth' } }) })],
    }).compile();
    await expect(compiling).rejects.toThrow(`routes: the factory's routes (path "auth") differ from the registration's (path "oauth"); give forRootAsync the same routes`);
    const disabled = Test.createTestingModule({
      imports: [AuthCodeFlowModule.forRootAsync({ providerNames: ['github'], routes: false, useFactory: factory({ routes: {} }) })],
    }).compile();
    await expect(disabled).rejects.toThrow('routes: the module was registered with routes: false, so the factory cannot enable them');
  });
});
