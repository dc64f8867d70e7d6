import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { AppModule } from './app.module.js';
import { startLocalAuthorizationServer } from './local-authorization-server.js';

/**
 * Starts the sample: the embedded local authorization server (oidc-provider, in a child process), then the
 * Nest app on 127.0.0.1:$PORT (default 3000; 0 picks a free port). Prints the app's URL.
 */
export async function bootstrap(env: NodeJS.ProcessEnv = process.env) {
  const logger = new Logger('Sample');
  const host = env.HOST ?? '127.0.0.1';
  const port = Number(env.PORT ?? 3000);
  // The redirect URI must be known before the app listens; with PORT=0, reserve a port first.
  const appPort = port === 0 ? await freePort(host) : port;
  const origin = `http://${host}:${appPort}`;

  const localClientId = 'sample-app';
  const localClientSecret = randomBytes(24).toString('base64url');
  const authorizationServer = await startLocalAuthorizationServer([
    {
      client_id: localClientId,
      client_secret: localClientSecret,
      redirect_uris: [`${origin}/oauth/local/callback`],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid profile',
      token_endpoint_auth_method: 'client_secret_post',
    },
  ]);

  const app = await NestFactory.create(
    AppModule.register({ origin, localIssuer: authorizationServer.issuer, localClientId, localClientSecret, env }),
    {
      logger: env.SAMPLE_QUIET ? ['error'] : undefined,
    },
  );
  app.enableShutdownHooks();
  const shutdown = async () => {
    await app.close();
    await authorizationServer.close();
  };
  await app.listen(appPort, host);
  logger.log(`Local authorization server: ${authorizationServer.issuer}`);
  console.log(`Sample app listening on ${origin}`);
  return { app, origin, issuer: authorizationServer.issuer, close: shutdown };
}

async function freePort(host: string): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as import('node:net').AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const running = await bootstrap();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void running.close().then(() => process.exit(0)));
  }
}
