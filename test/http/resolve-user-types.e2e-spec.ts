import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { FastifyRequest } from 'fastify';
import { AuthCodeFlowGuard, type AuthCodeFlowModuleOptions, type AuthCodeFlowRequest } from '../../lib/index.js';
import { startHttpApp, type RunningApp } from '../support/http-app.js';

// `resolveUser` and a guard subclass take the platform's own request type, unchanged (`npm run typecheck`
// compiles this file under `strict`), and get that platform's request at run time.

const github = {
  baseUri: 'https://github.com',
  authorizationPath: '/login/oauth/authorize',
  accessTokenPath: '/login/oauth/access_token',
  clientId: 'gh-id',
  clientSecret: 'gh-secret',
  redirectUri: 'https://app.example/oauth/github/callback',
};

// Type-level checks: what compiles, and what must not.
const typed: Array<AuthCodeFlowModuleOptions['resolveUser']> = [
  (request: Request) => request.header('x-user'),
  (request: FastifyRequest) => (typeof request.headers['x-user'] === 'string' ? request.headers['x-user'] : undefined),
  async (request: AuthCodeFlowRequest<{ id: string }>) => request.user?.id,
  (request) => (typeof request.headers['x-user'] === 'string' ? request.headers['x-user'] : undefined),
  // @ts-expect-error the user is whatever the app's authentication put there: it must be narrowed first
  (request) => request.user.id,
  // @ts-expect-error a user id is a string
  (request: Request) => request.headers.length,
];

@Injectable()
class ExpressTypedGuard extends AuthCodeFlowGuard {
  protected override resolveUser(request: Request): string | undefined {
    // An Express-only API: the request really is Express's.
    return request.get('x-guard-user');
  }
}

describe('the request type of resolveUser', () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const authorize = (headers: Record<string, string>) =>
    fetch(`${running!.url}/oauth/github/authorize`, { redirect: 'manual', headers });

  it('takes a resolver written for Express’s Request, and calls it with one', async () => {
    const seen: unknown[] = [];
    running = await startHttpApp('express', {
      providers: { github },
      resolveUser: (request: Request) => {
        seen.push(request.get('x-user'), typeof request.originalUrl);
        return request.get('x-user');
      },
    });
    expect((await authorize({ 'x-user': 'ada' })).status).toBe(302);
    expect((await authorize({})).status).toBe(401);
    expect(seen).toEqual(['ada', 'string', undefined, 'string']);
    expect(typed).toHaveLength(6);
  });

  it('takes a resolver written for Fastify’s FastifyRequest, and calls it with one', async () => {
    const seen: unknown[] = [];
    running = await startHttpApp('fastify', {
      providers: { github },
      resolveUser: (request: FastifyRequest) => {
        seen.push(request.hostname);
        const user = request.headers['x-user'];
        return typeof user === 'string' ? user : undefined;
      },
    });
    expect((await authorize({ 'x-user': 'ada' })).status).toBe(302);
    expect(seen).toEqual([expect.stringMatching(/^127\.0\.0\.1/)]);
  });

  it('takes a guard subclass whose resolveUser is typed for Express', async () => {
    running = await startHttpApp('express', { providers: { github }, routes: { guard: ExpressTypedGuard } });
    expect((await authorize({ 'x-guard-user': 'ada' })).status).toBe(302);
    expect((await authorize({ 'x-user': 'ada' })).status).toBe(401);
  });
});
