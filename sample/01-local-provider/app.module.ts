import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import {
  AuthCodeFlowModule,
  RedisStateStore,
  RedisTokenStore,
  github,
  stackExchange,
  type AuthCodeFlowModuleOptions,
  type FlowManagerOptions,
} from 'nestjs-auth-code-flow';
import { ConnectionsController, PROVIDER_LABELS } from './connections.controller.js';
import { DemoUserGuard } from './demo-user.guard.js';
import { OAuthRoutesFilter } from './oauth-routes.filter.js';
import { RedisConnection } from './redis-connection.js';

export interface SampleSettings {
  /** The app's own origin, e.g. http://127.0.0.1:3000: redirect URIs are built from it. */
  origin: string;
  /** The embedded local authorization server. */
  localIssuer: string;
  localClientId: string;
  localClientSecret: string;
  env: NodeJS.ProcessEnv;
}

/** The providers the sample offers: always the local server; GitHub and Stack Exchange when configured. */
export function sampleProviders(settings: SampleSettings): {
  providers: Record<string, FlowManagerOptions>;
  labels: Record<string, string>;
} {
  const { origin, env } = settings;
  const redirectUri = (name: string) => `${origin}/oauth/${name}/callback`;
  const providers: Record<string, FlowManagerOptions> = {
    local: {
      // The issuer alone: its endpoints and keys come from its metadata (OpenID Connect Discovery 1.0).
      issuer: settings.localIssuer,
      clientId: settings.localClientId,
      clientSecret: settings.localClientSecret,
      redirectUri: redirectUri('local'),
      scope: ['openid', 'profile'],
    },
  };
  const labels: Record<string, string> = { local: 'Local authorization server' };
  if (env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET) {
    providers.github = github({
      clientId: env.GITHUB_CLIENT_ID,
      clientSecret: env.GITHUB_CLIENT_SECRET,
      redirectUri: redirectUri('github'),
      scope: ['read:user'],
    });
    labels.github = 'GitHub';
  }
  if (env.STACKEXCHANGE_CLIENT_ID && env.STACKEXCHANGE_CLIENT_SECRET) {
    providers.stackexchange = stackExchange({
      clientId: env.STACKEXCHANGE_CLIENT_ID,
      clientSecret: env.STACKEXCHANGE_CLIENT_SECRET,
      redirectUri: redirectUri('stackexchange'),
      scope: 'no_expiry',
    });
    labels.stackexchange = 'Stack Exchange';
  }
  return { providers, labels };
}

@Module({})
export class AppModule {
  static register(settings: SampleSettings): DynamicModule {
    const { providers, labels } = sampleProviders(settings);
    const options: AuthCodeFlowModuleOptions = {
      providers,
      routes: { guards: [DemoUserGuard], successRedirect: '/', failureRedirect: '/' },
    };
    const redisUrl = settings.env.REDIS_URL;
    const redis = redisUrl ? new RedisConnection(redisUrl) : undefined;
    if (redis) {
      // Several instances behind a load balancer share pending authorizations and tokens through Redis.
      options.stateStore = new RedisStateStore(redis.client, { keyPrefix: 'acf-sample:' });
      options.tokenStore = new RedisTokenStore(redis.client, { keyPrefix: 'acf-sample:' });
    }
    return {
      module: AppModule,
      imports: [AuthCodeFlowModule.forRoot(options)],
      controllers: [ConnectionsController],
      providers: [
        DemoUserGuard,
        { provide: PROVIDER_LABELS, useValue: labels },
        { provide: APP_FILTER, useClass: OAuthRoutesFilter },
        ...(redis ? [{ provide: RedisConnection, useValue: redis }] : []),
      ],
    };
  }
}
