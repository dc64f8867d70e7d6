/**
 * (e) This package through its built-in routes, imported from the built package (`dist/`) as an app would.
 * `BENCH_PLATFORM`: express | fastify. `BENCH_STORE`: memory (default) | redis (`RedisStateStore` and
 * `RedisTokenStore` on `REDIS_URL`, default redis://127.0.0.1:6379, under a per-process key prefix that is
 * deleted on exit). `BENCH_OIDC=1`: the OpenID Connect variant, configured as an app would configure an OIDC
 * provider without discovery: scope `openid`, `issuer`, `jwksPath` (the module then validates the ID token).
 * `BENCH_DPOP=1`: DPoP (RFC 9449) with a key generated at start-up: each token request carries a proof, to the
 * token server's DPoP endpoint, which answers `token_type: DPoP`.
 */
import { Module } from '@nestjs/common';
import * as lib from 'nestjs-auth-code-flow';
import {
  AuthCodeFlowModule,
  type AuthCodeFlowModuleOptions,
  type StateStore,
  type TokenStore,
} from 'nestjs-auth-code-flow';
import { DPOP_TOKEN_PATH, OIDC_AUTHORIZATION_PATH, OIDC_JWKS_PATH, OIDC_TOKEN_PATH } from '../fake-provider.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  OIDC,
  OIDC_ISSUER,
  OIDC_SCOPE,
  PROVIDER_ORIGIN,
  REDIRECT_ORIGIN,
  SCOPE,
  USER_HEADER,
} from './common.js';
import { startNest } from './nest-app.js';

const storeKind = process.env.BENCH_STORE ?? 'memory';
let stores: Pick<AuthCodeFlowModuleOptions, 'stateStore' | 'tokenStore'> = {};
let cleanup: (() => Promise<void>) | undefined;

if (storeKind === 'redis') {
  // Looked up at run time, so the bench still builds while the Redis stores are not exported.
  const { RedisStateStore, RedisTokenStore } = lib as unknown as Record<
    string,
    (new (client: unknown, options?: { keyPrefix?: string }) => unknown) | undefined
  >;
  if (!RedisStateStore || !RedisTokenStore)
    throw new Error('RedisStateStore/RedisTokenStore are not exported by nestjs-auth-code-flow');
  const { Redis } = await import('ioredis');
  const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  await client.connect();
  const keyPrefix = `acf-bench:${process.pid}:`;
  stores = {
    stateStore: new RedisStateStore(client, { keyPrefix }) as StateStore,
    tokenStore: new RedisTokenStore(client, { keyPrefix }) as TokenStore,
  };
  cleanup = async () => {
    const keys = await client.keys(`${keyPrefix}*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  };
} else if (storeKind !== 'memory') {
  throw new Error(`unknown BENCH_STORE ${storeKind}`);
}

const endpoints = OIDC
  ? {
      authorizationPath: OIDC_AUTHORIZATION_PATH,
      accessTokenPath: OIDC_TOKEN_PATH,
      jwksPath: OIDC_JWKS_PATH,
      issuer: OIDC_ISSUER,
      scope: OIDC_SCOPE,
    }
  : process.env.BENCH_DPOP === '1'
    ? { authorizationPath: '/authorize', accessTokenPath: DPOP_TOKEN_PATH, scope: SCOPE, dpop: true }
    : { authorizationPath: '/authorize', accessTokenPath: '/token', scope: SCOPE };

@Module({
  imports: [
    AuthCodeFlowModule.forRoot({
      providers: {
        fake: {
          baseUri: PROVIDER_ORIGIN,
          ...endpoints,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          redirectUri: `${REDIRECT_ORIGIN}/oauth/fake/callback`,
        },
      },
      // Stands in for the app's own authentication (a JWT guard, a session...).
      resolveUser: (request: { headers: Record<string, string | string[] | undefined> }) => {
        const user = request.headers[USER_HEADER];
        return typeof user === 'string' ? user : undefined;
      },
      ...stores,
    }),
  ],
})
class AppModule {}

const app = await startNest(AppModule, {
  authorizePath: '/oauth/fake/authorize',
  callbackPath: '/oauth/fake/callback',
});
if (cleanup) {
  const done = cleanup;
  process.removeAllListeners('disconnect');
  process.on('disconnect', () => {
    void app
      .close()
      .then(done)
      .finally(() => process.exit(0));
  });
}
