import { Controller, Get, Headers, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { randomBytes } from 'node:crypto';
import { AuthCodeFlowError, FlowManagerRegistry } from 'nestjs-auth-code-flow';
import { DEMO_USER_COOKIE, demoUserOf } from './demo-user.guard.js';
import { renderPage } from './page.js';

export const PROVIDER_LABELS = Symbol('PROVIDER_LABELS');

@Controller()
export class ConnectionsController {
  constructor(
    private readonly registry: FlowManagerRegistry,
    @Inject(PROVIDER_LABELS) private readonly labels: Record<string, string>,
  ) {}

  @Get()
  async page(@Headers('cookie') cookie: string | undefined, @Query('error') error: unknown, @Res() response: Response): Promise<void> {
    let user = demoUserOf(cookie);
    if (!user) {
      user = randomBytes(16).toString('base64url');
      response.setHeader('Set-Cookie', `${DEMO_USER_COOKIE}=${user}; Path=/; HttpOnly; SameSite=Lax`);
    }
    const connections = await Promise.all(
      this.registry.names().map(async (provider) => ({
        provider,
        label: this.labels[provider] ?? provider,
        tokens: await this.registry.get(provider).getTokens(user).catch(() => undefined),
      })),
    );
    response.setHeader('Cache-Control', 'no-store');
    response.type('html').send(renderPage(connections, typeof error === 'string' ? error : undefined));
  }

  @Post('disconnect/:provider')
  async disconnect(@Param('provider') provider: string, @Headers('cookie') cookie: string | undefined, @Res() response: Response): Promise<void> {
    const user = demoUserOf(cookie);
    if (!user || !this.registry.names().includes(provider)) return response.redirect(303, '/');
    try {
      await this.registry.get(provider).revokeTokens(user);
      response.redirect(303, '/');
    } catch (error) {
      // The tokens stay stored when the provider could not revoke them; say so instead of a 500.
      response.redirect(303, `/?error=${encodeURIComponent(error instanceof AuthCodeFlowError ? error.code : 'revocation_failed')}`);
    }
  }
}
