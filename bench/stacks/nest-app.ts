/** Starts a Nest app on Express or Fastify (from `BENCH_PLATFORM`) on 127.0.0.1, port 0, without logs. */
import 'reflect-metadata';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { portOf, reportReady } from './common.js';

export type Platform = 'express' | 'fastify';

export function platformFromEnv(): Platform {
  const platform = process.env.BENCH_PLATFORM ?? 'express';
  if (platform !== 'express' && platform !== 'fastify') throw new Error(`unknown BENCH_PLATFORM ${platform}`);
  return platform;
}

export async function startNest(
  appModule: Type<unknown>,
  paths: { authorizePath: string; callbackPath: string },
  platform: Platform = platformFromEnv(),
  configure?: (app: INestApplication) => void,
): Promise<INestApplication> {
  const app =
    platform === 'fastify'
      ? await NestFactory.create(appModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(appModule, { logger: false });
  configure?.(app);
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as import('node:http').Server;
  server.keepAliveTimeout = 65_000;
  reportReady({ port: portOf(server.address()), ...paths });
  return app;
}
