/**
 * What the built-in routes know of an incoming request, on Express and Fastify alike: what `resolveUser`
 * and an `AuthCodeFlowGuard` subclass receive. Express's `Request` and Fastify's `FastifyRequest` both fit
 * it, so a resolver written against either type is accepted as it is.
 *
 * `user` is whatever the app's authentication put there (Passport, a JWT guard...); narrow it before use,
 * or name its shape: `(request: AuthCodeFlowRequest<{ id: string }>) => request.user?.id`.
 */
export interface AuthCodeFlowRequest<User = unknown> {
  /** Header names in lower case, as Node parses them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Set by the app's own authentication, e.g. its guards in `routes.guards`. */
  readonly user?: User;
  /** The route parameters; the built-in routes have `provider`. */
  readonly params?: unknown;
  /** The parsed query string. */
  readonly query?: unknown;
  readonly method?: string;
  readonly url?: string;
}
