import { type CanActivate, type ExecutionContext, type INestApplication, Injectable, Module } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AuthCodeFlowModule, type AuthCodeFlowModuleOptions } from '../../lib/index.js';
import { recordingFailure } from './leak-capture.js';
import './leak-capture.lib.js';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['express', 'fastify'];

/** Stands in for an app's JWT guard: the `x-user` header becomes `request.user`. */
@Injectable()
export class HeaderUserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined>; user?: { id: string } }>();
    const user = request.headers['x-user'];
    if (user) request.user = { id: user };
    return true;
  }
}

export interface RunningApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** Starts a Nest app with the module on 127.0.0.1 (random port) on Express or Fastify. */
export function startHttpApp(platform: Platform, options: AuthCodeFlowModuleOptions): Promise<RunningApp> {
  return recordingFailure(start(platform, options));
}

async function start(platform: Platform, options: AuthCodeFlowModuleOptions): Promise<RunningApp> {
  const routes = options.routes === false ? false : { guards: [HeaderUserGuard], ...options.routes };
  @Module({ imports: [AuthCodeFlowModule.forRoot({ ...options, routes })], providers: [HeaderUserGuard] })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app =
    platform === 'fastify' ? moduleRef.createNestApplication(new FastifyAdapter()) : moduleRef.createNestApplication();
  app.useLogger(false);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { app, url, close: () => app.close() };
}

/** The cookies a response sets, as `name=value` pairs, for the next request's Cookie header. */
export function cookiesFrom(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
}
