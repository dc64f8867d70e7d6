import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';

export const DEMO_USER_COOKIE = 'sample-user';
const DEMO_USER = /^[A-Za-z0-9_-]{22}$/;

/** The demo user id a browser carries, if any. */
export function demoUserOf(cookieHeader: string | undefined): string | undefined {
  for (const pair of (cookieHeader ?? '').split(';')) {
    const [name, value] = pair.trim().split('=');
    if (name === DEMO_USER_COOKIE && value && DEMO_USER.test(value)) return value;
  }
  return undefined;
}

/**
 * Stands in for an app's real authentication (a session or JWT guard): each browser gets a random demo
 * user id in a cookie on its first visit, and this guard turns it into `request.user`.
 */
@Injectable()
export class DemoUserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: { cookie?: string }; user?: { id: string } }>();
    const id = demoUserOf(request.headers.cookie);
    if (id) request.user = { id };
    return true;
  }
}
