import { Controller, Get, Headers, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { randomBytes } from 'node:crypto';
import { FlowManagerRegistry } from 'nestjs-auth-code-flow';
import { DEMO_USER_COOKIE, demoUserOf } from './demo-user.guard.js';
import { CLEAR_NOTICE_COOKIE, noticeCodeFromCookie, noticeCodeOf, noticeCookie } from './notices.js';
import { PAGE_CSP, renderPage } from './page.js';

export const PROVIDER_LABELS = Symbol('PROVIDER_LABELS');

@Controller()
export class ConnectionsController {
  constructor(
    private readonly registry: FlowManagerRegistry,
    @Inject(PROVIDER_LABELS) private readonly labels: Record<string, string>,
  ) {}

  @Get()
  async page(
    @Headers('cookie') cookie: string | undefined,
    @Query('error') error: unknown,
    @Res() response: Response,
  ): Promise<void> {
    response.setHeader('Cache-Control', 'no-store');
    if (error !== undefined) {
      // Where the routes send a failure (failureRedirect: '/'). The code moves into a one-time cookie and the
      // browser to a URL without it, so a reload, the Back button or a later success never shows it again.
      response.setHeader('Set-Cookie', noticeCookie(noticeCodeOf(error)));
      return response.redirect(303, '/');
    }
    const cookies: string[] = [];
    let user = demoUserOf(cookie);
    if (!user) {
      user = randomBytes(16).toString('base64url');
      cookies.push(`${DEMO_USER_COOKIE}=${user}; Path=/; HttpOnly; SameSite=Lax`);
    }
    const notice = noticeCodeFromCookie(cookie);
    if (notice) cookies.push(CLEAR_NOTICE_COOKIE);
    if (cookies.length > 0) response.setHeader('Set-Cookie', cookies);
    const connections = await Promise.all(
      this.registry.names().map(async (provider) => ({
        provider,
        label: this.labels[provider] ?? provider,
        tokens: await this.registry
          .get(provider)
          .getTokens(user)
          .catch(() => undefined),
      })),
    );
    response.setHeader('Content-Security-Policy', PAGE_CSP);
    response.type('html').send(renderPage(connections, notice));
  }

  @Post('disconnect/:provider')
  async disconnect(
    @Param('provider') provider: string,
    @Headers('cookie') cookie: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const user = demoUserOf(cookie);
    if (!user || !this.registry.names().includes(provider)) return response.redirect(303, '/');
    try {
      await this.registry.get(provider).revokeTokens(user);
      response.redirect(303, '/');
    } catch {
      // The tokens stay stored when the provider could not revoke them; say so instead of a 500.
      response.redirect(303, '/?error=revocation_failed');
    }
  }
}
