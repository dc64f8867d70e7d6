/**
 * (d) The floor inside Nest: one hand-written controller doing the same protocol work as the module
 * (state and PKCE S256 in a Map, user check, keep-alive token POST, tokens in a Map) and nothing else.
 * Responses go through Nest's HTTP adapter, as the module's do, so it runs on Express and Fastify.
 */
import { Controller, Get, Headers, Module, Query, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { finishFlow, REDIRECT_ORIGIN, startFlow, USER_HEADER, type Pending, type StoredTokens } from './common.js';
import { startNest } from './nest-app.js';

const REDIRECT_URI = `${REDIRECT_ORIGIN}/oauth/fake/callback`;

@Controller('oauth/fake')
class MinimalOAuthController {
  private readonly pending = new Map<string, Pending>();
  private readonly tokens = new Map<string, StoredTokens>();

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  @Get('authorize')
  authorize(@Headers(USER_HEADER) user: string | undefined, @Res() response: unknown): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!user) return void adapter.reply(response, { statusCode: 401 }, 401);
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    adapter.redirect(response, 302, startFlow(this.pending, user, REDIRECT_URI));
  }

  @Get('callback')
  async callback(
    @Headers(USER_HEADER) user: string | undefined,
    @Query() query: Record<string, unknown>,
    @Res() response: unknown,
  ): Promise<void> {
    const adapter = this.adapterHost.httpAdapter;
    if (!user) return void adapter.reply(response, { statusCode: 401 }, 401);
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    try {
      const ok = await finishFlow(this.pending, this.tokens, user, query.state, query.code, REDIRECT_URI);
      if (ok) adapter.redirect(response, 302, '/');
      else adapter.reply(response, { statusCode: 400, error: 'invalid_state' }, 400);
    } catch {
      adapter.reply(response, { statusCode: 502, error: 'token_endpoint_error' }, 502);
    }
  }
}

@Module({ controllers: [MinimalOAuthController] })
class AppModule {}

await startNest(AppModule, { authorizePath: '/oauth/fake/authorize', callbackPath: '/oauth/fake/callback' });
