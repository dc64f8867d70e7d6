import {
  type CanActivate,
  Controller,
  Get,
  Headers,
  Inject,
  Param,
  Query,
  Req,
  Res,
  type Type,
  UseGuards,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RESOLVED_OPTIONS } from '../auth-code-flow.constants.js';
import { FlowManagerRegistry } from '../flow-manager/flow-manager.registry.js';
import type { ResolvedModuleOptions, ResolvedRoutesOptions } from '../options/resolved-options.interface.js';
import { AuthCodeFlowGuard } from './auth-code-flow.guard.js';
import {
  bindingCookieAfterAuthorize,
  bindingCookieAfterCallback,
  bindingCookieFor,
  newBinding,
  readBinding,
  type BrowserBindingCookie,
} from './browser-binding.js';
import { parseRedirectTarget, redirectLocation } from '../utils/url.util.js';
import { toFlowErrorBody } from './error-response.js';
import { flowUserOf } from './request-user.js';

/**
 * Builds the controller of the built-in routes under `path`: `GET {path}/:provider/authorize` and
 * `GET {path}/:provider/callback`, guarded by `guard` (`routes.guard`). A class per module registration, so two
 * registrations never share a prefix.
 * Responses go through Nest's HTTP adapter, so the routes work on Express and Fastify alike.
 */
export function createAuthCodeFlowController(
  path: string,
  guard: Type<CanActivate> = AuthCodeFlowGuard,
): Type<unknown> {
  @Controller(path)
  @UseGuards(guard)
  class AuthCodeFlowController {
    /** Each provider's binding cookie, derived once from the routes path, its redirect URI and the state TTL. */
    private readonly cookies: ReadonlyMap<string, BrowserBindingCookie>;

    constructor(
      @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedModuleOptions,
      private readonly registry: FlowManagerRegistry,
      private readonly adapterHost: HttpAdapterHost,
    ) {
      this.cookies = new Map(
        registry
          .names()
          .map((name) => [name, bindingCookieFor(registry.get(name).redirectUri, path, options.stateTtlSeconds)]),
      );
    }

    /**
     * 302 to the provider, with a fresh state and PKCE challenge; sets the browser-binding cookie. The flow's
     * binding value is minted here, never taken from the request (a presented value may have been planted); the
     * presented values stay in the cookie for the browser's other tabs, and its well-formed browser id is kept.
     */
    @Get(':provider/authorize')
    async authorize(
      @Param('provider') provider: string,
      @Query() query: Record<string, unknown>,
      @Headers('cookie') cookieHeader: string | undefined,
      @Req() request: object,
      @Res() response: unknown,
    ): Promise<void> {
      const manager = this.registry.get(provider);
      const cookie = this.cookies.get(provider)!;
      const presented = readBinding(cookieHeader, cookie);
      const browserBinding = newBinding();
      const browserId = presented.browserId ?? newBinding();
      const returnTo = typeof query.returnTo === 'string' ? query.returnTo : undefined;
      try {
        const { url } = await manager.createAuthorizationUrl(flowUserOf(request), {
          returnTo,
          browserBinding,
          browserId,
        });
        this.setHeader(
          response,
          'Set-Cookie',
          bindingCookieAfterAuthorize(cookie, presented, browserId, browserBinding),
        );
        this.setHeader(response, 'Cache-Control', 'no-store');
        this.redirect(response, url);
      } catch (error) {
        this.fail(response, error);
      }
    }

    /**
     * Completes the flow: checks the state, exchanges the code, stores the tokens, 302 to `returnTo`. Once the
     * state is consumed, whatever the outcome, the answer drops that flow's value from the binding cookie.
     */
    @Get(':provider/callback')
    async callback(
      @Param('provider') provider: string,
      @Query() query: Record<string, unknown>,
      @Headers('cookie') cookieHeader: string | undefined,
      @Req() request: object,
      @Res() response: unknown,
    ): Promise<void> {
      // RFC 9700 §4.2.4: the page that received the code must not leak it through caches or the Referer.
      this.setHeader(response, 'Cache-Control', 'no-store');
      this.setHeader(response, 'Referrer-Policy', 'no-referrer');
      const manager = this.registry.get(provider);
      try {
        const cookie = this.cookies.get(provider)!;
        const presented = readBinding(cookieHeader, cookie);
        const { returnTo } = await manager.handleCallback(flowUserOf(request), query ?? {}, {
          // No cookie at all is told apart from a cookie without this flow's value: its error names the cause.
          browserBinding: presented.cookies === 'none' ? undefined : presented.values,
          onStateConsumed: (spent) => {
            if (spent !== undefined)
              this.setHeader(response, 'Set-Cookie', bindingCookieAfterCallback(cookie, presented, spent));
          },
        });
        this.redirect(response, returnTo ?? this.routes.successRedirect);
      } catch (error) {
        this.fail(response, error);
      }
    }

    private get adapter() {
      return this.adapterHost.httpAdapter;
    }

    private get routes(): ResolvedRoutesOptions {
      return this.options.routes as ResolvedRoutesOptions;
    }

    private setHeader(response: unknown, name: string, value: string): void {
      this.adapter.setHeader(response, name, value);
    }

    /**
     * A 302 with a Location and no body. Every target here is already a valid header value (built by the
     * module, or percent-encoded when validated); Express's own `redirect` would negotiate and render a
     * body per request that no browser reads.
     */
    private redirect(response: unknown, location: string): void {
      this.adapter.setHeader(response, 'Location', location);
      this.adapter.reply(response, undefined, 302);
    }

    /** A JSON error, or a redirect to `failureRedirect?error=<code>`; never a stack, secret, code or token. */
    private fail(response: unknown, error: unknown): void {
      const body = toFlowErrorBody(error);
      if (this.routes.failureRedirect) {
        // Validated at start-up, so it parses.
        const target = parseRedirectTarget(this.routes.failureRedirect)!;
        target.searchParams.set('error', body.error);
        this.redirect(response, redirectLocation(target));
        return;
      }
      this.adapter.reply(response, body, body.statusCode);
    }
  }
  return AuthCodeFlowController;
}
