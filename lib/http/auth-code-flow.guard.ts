import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  type Type,
  UnauthorizedException,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import { RESOLVED_OPTIONS } from '../auth-code-flow.constants.js';
import { FlowManagerRegistry } from '../flow-manager/flow-manager.registry.js';
import type { ResolvedModuleOptions, ResolvedRoutesOptions } from '../options/resolved-options.interface.js';
import { REQUEST_USER, type RequestWithFlowUser } from './request-user.js';

/**
 * Guards the built-in authorize and callback routes: runs the app's own guards (`routes.guards`) first,
 * answers 404 for a provider that is not configured, resolves the user (`resolveUser`) and answers 401
 * without one unless `allowAnonymous`. Subclass it and override the protected hooks to change a step.
 */
@Injectable()
export class AuthCodeFlowGuard implements CanActivate {
  private appGuards?: CanActivate[];

  constructor(
    @Inject(RESOLVED_OPTIONS) protected readonly options: ResolvedModuleOptions,
    protected readonly registry: FlowManagerRegistry,
    private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    for (const guard of await this.getAppGuards()) {
      const result = guard.canActivate(context);
      const allowed = isObservable(result) ? await lastValueFrom(result) : await result;
      if (!allowed) this.throwForbidden();
    }
    const request = context.switchToHttp().getRequest<RequestWithFlowUser & { params?: Record<string, string> }>();
    const provider = request.params?.provider;
    if (typeof provider !== 'string' || !this.registry.has(provider)) this.throwUnknownProvider();
    const user = await this.resolveUser(request);
    if (user === undefined && !this.routes.allowAnonymous) this.throwUnauthorized();
    request[REQUEST_USER] = user;
    return true;
  }

  /** Who the tokens are for; by default the module's `resolveUser` option. */
  protected async resolveUser(request: unknown): Promise<string | undefined> {
    const user = await this.options.resolveUser(request);
    return user === undefined || user === null || user === '' ? undefined : String(user);
  }

  protected throwUnauthorized(): never {
    throw new UnauthorizedException({ statusCode: 401, error: 'unauthorized', message: 'Sign in before connecting an OAuth provider.' });
  }

  protected throwUnknownProvider(): never {
    throw new NotFoundException({ statusCode: 404, error: 'unknown_provider', message: 'No such OAuth provider.' });
  }

  protected throwForbidden(): never {
    throw new ForbiddenException({ statusCode: 403, error: 'forbidden', message: 'Forbidden.' });
  }

  private get routes(): ResolvedRoutesOptions {
    return this.options.routes as ResolvedRoutesOptions;
  }

  /** The app's guards, instantiated once: a registered provider if there is one, else created with DI. */
  private async getAppGuards(): Promise<CanActivate[]> {
    if (!this.appGuards) {
      this.appGuards = await Promise.all(
        this.routes.guards.map(async (guard) => {
          if (typeof guard !== 'function') return guard;
          const type = guard as Type<CanActivate>;
          try {
            return this.moduleRef.get(type, { strict: false });
          } catch {
            return this.moduleRef.create(type);
          }
        }),
      );
    }
    return this.appGuards;
  }
}
