import { Test, type TestingModule } from '@nestjs/testing';
import { AuthCodeFlowModule, type AuthCodeFlowModuleOptions, type FlowManagerOptions } from '../../lib/index.js';
import type { FakeProvider } from './fake-provider.js';

export const CLIENT_SECRET = 'top-secret-value';

/** A confidential client of `provider`, registered with it, named `name`. */
export function fakeClientOptions(
  provider: FakeProvider,
  name = 'fake',
  overrides: Partial<FlowManagerOptions> = {},
): FlowManagerOptions {
  const options: FlowManagerOptions = {
    baseUri: provider.url,
    authorizationPath: '/oauth/authorize',
    accessTokenPath: '/oauth/token',
    clientId: `${name}-client`,
    clientSecret: CLIENT_SECRET,
    redirectUri: `http://127.0.0.1:3000/oauth/${name}/callback`,
    scope: ['read', 'write'],
    ...overrides,
  };
  provider.registerClient({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: options.redirectUri,
  });
  return options;
}

export async function compileWith(options: AuthCodeFlowModuleOptions): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: [AuthCodeFlowModule.forRoot(options)] }).compile();
  await moduleRef.init();
  return moduleRef;
}
