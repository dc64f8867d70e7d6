import { Test, type TestingModule } from '@nestjs/testing';
import { AuthCodeFlowModule, type AuthCodeFlowModuleOptions, type FlowManagerOptions } from '../../lib/index.js';
import type { FakeProvider } from './fake-provider.js';
import { recordingFailure, registerClientOptions, registerSecret } from './leak-capture.js';
import './leak-capture.lib.js';

export const CLIENT_SECRET = 'top-secret-value';
registerSecret(CLIENT_SECRET, 'client secret (testing-module CLIENT_SECRET)');

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
  registerClientOptions(options, 'fakeClientOptions');
  provider.registerClient({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: options.redirectUri,
  });
  return options;
}

export function compileWith(options: AuthCodeFlowModuleOptions): Promise<TestingModule> {
  return recordingFailure(
    (async () => {
      const moduleRef = await Test.createTestingModule({ imports: [AuthCodeFlowModule.forRoot(options)] }).compile();
      await moduleRef.init();
      return moduleRef;
    })(),
  );
}
