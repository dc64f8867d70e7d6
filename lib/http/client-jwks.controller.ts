import { Controller, Get, Inject, NotFoundException, Param, Req, Res, type Type } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RESOLVED_OPTIONS } from '../auth-code-flow.constants.js';
import { PUBLIC_NO_CLIENT_KEYS, PUBLIC_UNKNOWN_PROVIDER } from '../auth-code-flow.messages.js';
import type { ClientJwks } from '../flow-manager/client-assertion.js';
import { FlowManagerRegistry } from '../flow-manager/flow-manager.registry.js';
import type { ResolvedModuleOptions } from '../options/resolved-options.interface.js';

/**
 * Public keys, for a server that caches them: short enough that a restart with a new key is picked up soon
 * (oidc-provider, for one, refetches a client's `jwks_uri` at most once a minute anyway).
 */
const CACHE_CONTROL = 'public, max-age=60';

/**
 * Builds the controller of `GET {path}/:provider/jwks` (`routes.clientJwks`): the provider's
 * `getClientJwks()`, for registering its `private_key_jwt` key by URL. The authorization server fetches it
 * without a session, so no guard of the routes runs; it serves public keys only. Registered with the other routes
 * (with `forRootAsync` before the factory says whether it is on), it answers 404 unless `routes.clientJwks` is
 * set, and for a provider without a private key.
 */
export function createClientJwksController(path: string): Type<unknown> {
  @Controller(path)
  class ClientJwksController {
    constructor(
      @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedModuleOptions,
      private readonly registry: FlowManagerRegistry,
      private readonly adapterHost: HttpAdapterHost,
    ) {}

    @Get(':provider/jwks')
    jwks(
      @Param('provider') provider: string,
      @Req() request: object,
      @Res({ passthrough: true }) response: unknown,
    ): ClientJwks {
      const adapter = this.adapterHost.httpAdapter;
      if (this.options.routes === false || !this.options.routes.clientJwks) {
        // What Nest answers for a route that does not exist.
        const url = String(adapter.getRequestUrl(request) ?? '').split('?')[0];
        throw new NotFoundException(`Cannot ${adapter.getRequestMethod(request)} ${url}`);
      }
      if (!this.registry.has(provider))
        throw new NotFoundException({ statusCode: 404, error: 'unknown_provider', message: PUBLIC_UNKNOWN_PROVIDER });
      const jwks = this.registry.get(provider).getClientJwks();
      if (jwks.keys.length === 0)
        throw new NotFoundException({ statusCode: 404, error: 'no_client_keys', message: PUBLIC_NO_CLIENT_KEYS });
      adapter.setHeader(response, 'Cache-Control', CACHE_CONTROL);
      return jwks;
    }
  }
  return ClientJwksController;
}
