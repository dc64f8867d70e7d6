import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AuthCodeFlowConfigError,
  AuthCodeFlowModule,
  FlowManager,
  FlowManagerRegistry,
  InjectFlowManager,
  InMemoryStateStore,
  InMemoryTokenStore,
  STATE_STORE,
  TOKEN_STORE,
  UnknownProviderError,
  getFlowManagerToken,
  github as githubPreset,
  google,
  type AuthCodeFlowModuleAsyncOptions,
  type AuthCodeFlowModuleOptions,
  type AuthCodeFlowOptionsFactory,
  type PendingAuthorization,
  type StateStore,
} from '../lib/index.js';

const github = {
  baseUri: 'https://github.com',
  authorizationPath: '/login/oauth/authorize',
  accessTokenPath: '/login/oauth/access_token',
  clientId: 'gh-id',
  clientSecret: 'gh-secret',
  redirectUri: 'https://app.example/oauth/github/callback',
  scope: ['read:user'],
};

@Injectable()
class Connections {
  constructor(
    @InjectFlowManager('github') readonly github: FlowManager,
    readonly registry: FlowManagerRegistry,
  ) {}
}

describe('AuthCodeFlowModule', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  it('forRoot registers one injectable FlowManager per provider, and the registry', async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        AuthCodeFlowModule.forRoot({
          providers: {
            github,
            gitlab: { ...github, clientId: 'gl-id', redirectUri: 'https://app.example/oauth/gitlab/callback' },
          },
        }),
      ],
      providers: [Connections],
    }).compile();
    const connections = moduleRef.get(Connections);
    expect(connections.github).toBeInstanceOf(FlowManager);
    expect(connections.github.name).toBe('github');
    expect(moduleRef.get(getFlowManagerToken('gitlab')).name).toBe('gitlab');
    expect(connections.registry.names()).toEqual(['github', 'gitlab']);
    expect(() => connections.registry.get('bitbucket')).toThrow(UnknownProviderError);
    expect(() => connections.registry.get('bitbucket')).toThrow(
      'No OAuth provider named "bitbucket" is configured (configured: github, gitlab).',
    );
    expect(moduleRef.get(STATE_STORE)).toBeInstanceOf(InMemoryStateStore);
    expect(moduleRef.get(TOKEN_STORE)).toBeInstanceOf(InMemoryTokenStore);
  });

  it('forRootAsync takes the options from ConfigService', async () => {
    @Module({
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [() => ({ GITHUB_CLIENT_ID: 'from-config', GITHUB_CLIENT_SECRET: 'config-secret' })],
        }),
        AuthCodeFlowModule.forRootAsync({
          providerNames: ['github'],
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: async (config: ConfigService): Promise<AuthCodeFlowModuleOptions> => ({
            providers: {
              github: {
                ...github,
                clientId: config.getOrThrow('GITHUB_CLIENT_ID'),
                clientSecret: config.getOrThrow('GITHUB_CLIENT_SECRET'),
              },
            },
            stateTtlSeconds: 120,
          }),
        }),
      ],
      providers: [Connections],
    })
    class AppModule {}
    moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const { github: manager } = moduleRef.get(Connections);
    const { url } = await manager.createAuthorizationUrl('ada');
    expect(new URL(url).searchParams.get('client_id')).toBe('from-config');
  });

  it('forRootAsync supports useClass and useExisting, typed by the exported AuthCodeFlowOptionsFactory', async () => {
    @Injectable()
    class AuthOptions implements AuthCodeFlowOptionsFactory {
      async createAuthCodeFlowOptions(): Promise<AuthCodeFlowModuleOptions> {
        return { providers: { github } };
      }
    }
    class Misnamed {
      createOptions(): AuthCodeFlowModuleOptions {
        return { providers: { github } };
      }
    }
    // @ts-expect-error the factory method is createAuthCodeFlowOptions
    const wrong: AuthCodeFlowModuleAsyncOptions = { providerNames: ['github'], useClass: Misnamed };
    expect(wrong.useClass).toBe(Misnamed);
    @Module({ providers: [AuthOptions], exports: [AuthOptions] })
    class OptionsModule {}

    moduleRef = await Test.createTestingModule({
      imports: [AuthCodeFlowModule.forRootAsync({ providerNames: ['github'], useClass: AuthOptions })],
      providers: [Connections],
    }).compile();
    expect(moduleRef.get(Connections).github.name).toBe('github');
    await moduleRef.close();

    moduleRef = await Test.createTestingModule({
      imports: [
        AuthCodeFlowModule.forRootAsync({
          providerNames: ['github'],
          imports: [OptionsModule],
          useExisting: AuthOptions,
        }),
      ],
      providers: [Connections],
    }).compile();
    expect(moduleRef.get(Connections).github.name).toBe('github');
  });

  it('types providerNames as forRootAsync’s, required there and refused by forRoot', async () => {
    const names = ['github'] as const;
    expect(
      AuthCodeFlowModule.forRootAsync({ providerNames: names, useFactory: () => ({ providers: { github } }) }).module,
    ).toBe(AuthCodeFlowModule);
    // @ts-expect-error forRoot reads the names from providers
    const withNames = AuthCodeFlowModule.forRoot({ providers: { github }, providerNames: ['github'] });
    await expect(Test.createTestingModule({ imports: [withNames] }).compile()).rejects.toThrow(
      'providerNames is not a known option',
    );
  });

  it('forRootAsync requires providerNames, and checks them against the factory result', async () => {
    // @ts-expect-error providerNames is required by the type too; plain JavaScript callers get the error.
    expect(() => AuthCodeFlowModule.forRootAsync({ useFactory: () => ({ providers: { github } }) })).toThrow(
      AuthCodeFlowConfigError,
    );
    const compiling = Test.createTestingModule({
      imports: [
        AuthCodeFlowModule.forRootAsync({
          providerNames: ['github', 'google'],
          useFactory: () => ({ providers: { github } }),
        }),
      ],
    }).compile();
    await expect(compiling).rejects.toThrow('providers.google is missing: it is listed in providerNames');
  });

  it('isGlobal makes the flow managers injectable in every module', async () => {
    @Module({ providers: [Connections], exports: [Connections] })
    class FeatureModule {}
    moduleRef = await Test.createTestingModule({
      imports: [AuthCodeFlowModule.forRoot({ providers: { github }, isGlobal: true }), FeatureModule],
    }).compile();
    expect(moduleRef.get(Connections).github.name).toBe('github');

    const withoutGlobal = Test.createTestingModule({
      imports: [AuthCodeFlowModule.forRoot({ providers: { github } }), FeatureModule],
    }).compile();
    await expect(withoutGlobal).rejects.toThrow(/can't resolve dependencies of the Connections/i);
  });

  it('lets a test override the state store with overrideProvider(STATE_STORE)', async () => {
    const saved: Array<[string, PendingAuthorization, number]> = [];
    const recordingStore: StateStore = {
      save: async (state, record, ttl) => void saved.push([state, record, ttl]),
      peek: async () => undefined,
      consume: async () => undefined,
    };
    moduleRef = await Test.createTestingModule({
      imports: [AuthCodeFlowModule.forRoot({ providers: { github }, stateTtlSeconds: 90 })],
      providers: [Connections],
    })
      .overrideProvider(STATE_STORE)
      .useValue(recordingStore)
      .compile();
    const { state } = await moduleRef.get(Connections).github.createAuthorizationUrl('ada', { returnTo: '/x' });
    expect(saved).toEqual([
      [
        state,
        expect.objectContaining({ provider: 'github', user: 'ada', returnTo: '/x', codeVerifier: expect.any(String) }),
        90,
      ],
    ]);
    expect(moduleRef.get(STATE_STORE)).toBe(recordingStore);
  });

  it('stops the sweep timer of the default state store when the module is destroyed, not that of a given store', async () => {
    moduleRef = await Test.createTestingModule({
      imports: [AuthCodeFlowModule.forRoot({ providers: { github } })],
    }).compile();
    await moduleRef.init();
    const closeCreated = jest.spyOn(moduleRef.get<InMemoryStateStore>(STATE_STORE), 'close');
    await moduleRef.close();
    moduleRef = undefined;
    expect(closeCreated).toHaveBeenCalledTimes(1);

    const given = new InMemoryStateStore();
    const closeGiven = jest.spyOn(given, 'close');
    const withGiven = await Test.createTestingModule({
      imports: [AuthCodeFlowModule.forRoot({ providers: { github }, stateStore: given })],
    }).compile();
    await withGiven.init();
    await withGiven.close();
    expect(closeGiven).not.toHaveBeenCalled();
    given.close();
  });

  it('uses the stores given in the options', async () => {
    const stateStore = new InMemoryStateStore({ maxEntries: 5 });
    const tokenStore = new InMemoryTokenStore();
    moduleRef = await Test.createTestingModule({
      imports: [AuthCodeFlowModule.forRoot({ providers: { github }, stateStore, tokenStore })],
    }).compile();
    expect(moduleRef.get(STATE_STORE)).toBe(stateStore);
    expect(moduleRef.get(TOKEN_STORE)).toBe(tokenStore);
    stateStore.close();
  });

  it('fails the start-up on bad options, naming the provider and the field', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        AuthCodeFlowModule.forRoot({ providers: { github: { ...github, redirectUri: '/relative/callback' } } }),
      ],
    }).compile();
    await expect(compiling).rejects.toBeInstanceOf(AuthCodeFlowConfigError);
    await expect(
      Test.createTestingModule({
        imports: [
          AuthCodeFlowModule.forRoot({ providers: { github: { ...github, redirectUri: '/relative/callback' } } }),
        ],
      }).compile(),
    ).rejects.toThrow('providers.github.redirectUri must be an absolute http(s) URL');
  });

  it('fails the start-up when an async factory yields bad options', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        AuthCodeFlowModule.forRootAsync({
          providerNames: ['github'],
          useFactory: async () => ({
            providers: { github: { ...github, clientId: undefined as unknown as string } },
            httpTimeoutMs: 0,
          }),
        }),
      ],
    }).compile();
    await expect(compiling).rejects.toThrow(
      /providers\.github\.clientId is required[\s\S]*httpTimeoutMs must be a positive integer/,
    );
  });

  it('fails the start-up on what no single provider shows, naming both providers and the field', async () => {
    const start = (options: AuthCodeFlowModuleOptions) =>
      Test.createTestingModule({ imports: [AuthCodeFlowModule.forRoot(options)] }).compile();
    await expect(start({ providers: { github, other: { ...github, clientId: 'other' } } })).rejects.toThrow(
      'providers.other.redirectUri is the same as providers.github.redirectUri (https://app.example/oauth/github/callback)',
    );
    await expect(
      start({
        providers: { github, other: { ...github, redirectUri: 'https://app.example/api/oauth/github/callback' } },
      }),
    ).rejects.toThrow(
      'providers.other.redirectUri leads to /oauth/github/callback, the callback route of provider "github", which refuses other\'s states; use /oauth/other/callback',
    );
    await expect(
      start({ providers: { github: { ...github, redirectUri: 'http://app.example/oauth/github/callback' } } }),
    ).rejects.toThrow(
      'providers.github.redirectUri must use https (plain http is allowed for localhost only, or with allowInsecureRequests)',
    );
  });

  it('fails at once for a preset without the secret its provider needs, reporting every problem', () => {
    const redirectUri = 'https://app.example/oauth/google/callback';
    expect(() =>
      AuthCodeFlowModule.forRoot({ providers: { google: google({ clientId: 'id', redirectUri }) } }),
    ).toThrow(
      'Invalid google preset options:\n  - clientSecret is required: Google web application clients authenticate with their client secret',
    );
    expect(() => githubPreset({ clientID: 'id', redirectURI: redirectUri } as never)).toThrow(
      'clientId is required\n  - redirectUri is required\n  - clientID is not a known option (did you mean clientId?)\n  - redirectURI is not a known option (did you mean redirectUri?)\n  - clientSecret is required',
    );
  });
});
