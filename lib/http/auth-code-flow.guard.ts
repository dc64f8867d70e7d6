import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  NotFoundException,
  type Type,
  UnauthorizedException,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import { AUTH_CODE_FLOW_GUARD_BASE, RESOLVED_OPTIONS } from '../auth-code-flow.constants.js';
import { FlowManagerRegistry } from '../flow-manager/flow-manager.registry.js';
import type { AuthCodeFlowRequest } from '../interfaces/auth-code-flow-request.interface.js';
import type { ResolvedModuleOptions, ResolvedRoutesOptions } from '../options/resolved-options.interface.js';
import { asUserId } from '../utils/user-id.util.js';
import { setFlowUser } from './request-user.js';

/**
 * Guards the built-in authorize and callback routes: runs the app's own guards (`routes.guards`) first,
 * answers 404 for a provider that is not configured, resolves the user (`resolveUser`) and answers 401
 * without one unless `allowAnonymous`.
 *
 * To change a step, extend it, override the protected hooks, and give the subclass as `routes.guard`. Nest
 * creates the subclass in the module: a constructor of its own takes `ModuleRef` first and passes it on.
 *
 * ```ts
 * @Injectable()
 * class HeaderUserGuard extends AuthCodeFlowGuard {
 *   constructor(moduleRef: ModuleRef, private readonly users: UsersService) {
 *     super(moduleRef);
 *   }
 *   protected override resolveUser(request: AuthCodeFlowRequest) {
 *     return this.users.idFromSession(request.headers.cookie);
 *   }
 * }
 * ```
 */
@Injectable()
export class AuthCodeFlowGuard implements CanActivate {
  /** Known as a guard class of the built-in routes by the option checks, which cannot import this class. */
  static readonly [AUTH_CODE_FLOW_GUARD_BASE]: Type<CanActivate> = AuthCodeFlowGuard;

  private resolvedOptions?: ResolvedModuleOptions;
  private flowManagers?: FlowManagerRegistry;
  private appGuards?: CanActivate[];

  constructor(protected readonly moduleRef: ModuleRef) {}

  // Synchronous unless an app guard or `resolveUser` is not: each route of each flow runs it.
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const routes = this.options.routes;
    // forRootAsync registered the routes, and its factory turned them off.
    if (routes === false) this.throwRoutesDisabled(context);
    if (routes.guards.length > 0) return this.runAppGuards(context).then(() => this.admit(context));
    return this.admit(context);
  }

  /**
   * Who the tokens are for; by default the module's `resolveUser` option. May answer synchronously. A subclass
   * may type `request` as its platform's request, e.g. Express's `Request`.
   */
  protected resolveUser(request: AuthCodeFlowRequest): string | undefined | Promise<string | undefined> {
    const user = this.options.resolveUser(request);
    return isPromiseLike(user) ? Promise.resolve(user).then(asUserId) : asUserId(user);
  }

  protected throwUnauthorized(): never {
    throw new UnauthorizedException({
      statusCode: 401,
      error: 'unauthorized',
      message: 'Sign in before connecting an OAuth provider.',
    });
  }

  protected throwUnknownProvider(): never {
    throw new NotFoundException({ statusCode: 404, error: 'unknown_provider', message: 'No such OAuth provider.' });
  }

  protected throwForbidden(): never {
    throw new ForbiddenException({ statusCode: 403, error: 'forbidden', message: 'Forbidden.' });
  }

  /** The configured flow managers, by provider name. */
  protected get registry(): FlowManagerRegistry {
    return (this.flowManagers ??= this.moduleRef.get(FlowManagerRegistry));
  }

  private get options(): ResolvedModuleOptions {
    return (this.resolvedOptions ??= this.moduleRef.get<ResolvedModuleOptions>(RESOLVED_OPTIONS));
  }

  private get routes(): ResolvedRoutesOptions {
    return this.options.routes as ResolvedRoutesOptions;
  }

  /** What Nest answers for a route that does not exist, without the query (it may hold a code). */
  private throwRoutesDisabled(context: ExecutionContext): never {
    const request = context.switchToHttp().getRequest<object>();
    const adapter = this.moduleRef.get(HttpAdapterHost, { strict: false }).httpAdapter;
    const url = String(adapter.getRequestUrl(request) ?? '').split('?')[0];
    throw new NotFoundException(`Cannot ${adapter.getRequestMethod(request)} ${url}`);
  }

  /** The provider must be configured; the resolved user (or `allowAnonymous`) is what the routes act for. */
  private admit(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthCodeFlowRequest & object>();
    const provider = (request.params as { provider?: unknown } | undefined)?.provider;
    if (typeof provider !== 'string' || !this.registry.has(provider)) this.throwUnknownProvider();
    const user = this.resolveUser(request);
    return isPromiseLike(user)
      ? Promise.resolve(user).then((resolved) => this.admitUser(request, resolved))
      : this.admitUser(request, user);
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
