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
import { setFlowUser } from './request-user.js';

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

  // Synchronous unless an app guard or `resolveUser` is not: each route of each flow runs it.
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.routes.guards.length > 0) return this.runAppGuards(context).then(() => this.admit(context));
    return this.admit(context);
  }

  /** Who the tokens are for; by default the module's `resolveUser` option. May answer synchronously. */
  protected resolveUser(request: unknown): string | undefined | Promise<string | undefined> {
    const user = this.options.resolveUser(request);
    return isPromiseLike(user) ? Promise.resolve(user).then(asUserId) : asUserId(user);
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

  /** The provider must be configured; the resolved user (or `allowAnonymous`) is what the routes act for. */
  private admit(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ params?: Record<string, string> }>();
    const provider = request.params?.provider;
    if (typeof provider !== 'string' || !this.registry.has(provider)) this.throwUnknownProvider();
    const user = this.resolveUser(request);
    return isPromiseLike(user) ? Promise.resolve(user).then((resolved) => this.admitUser(request, resolved)) : this.admitUser(request, user);
  }

  private admitUser(request: object, user: string | undefined): true {
    if (user === undefined && !this.routes.allowAnonymous) this.throwUnauthorized();
    setFlowUser(request, user);
    return true;
  }

  private async runAppGuards(context: ExecutionContext): Promise<void> {
    for (const guard of await this.getAppGuards()) {
      const result = guard.canActivate(context);
      const allowed = isObservable(result) ? await lastValueFrom(result) : await result;
      if (!allowed) this.throwForbidden();
    }
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

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

function asUserId(user: unknown): string | undefined {
  return user === undefined || user === null || user === '' ? undefined : String(user);
}
