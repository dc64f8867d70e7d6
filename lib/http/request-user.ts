/**
 * The user `AuthCodeFlowGuard` resolved for a request, for the controller behind it. Kept beside the
 * request rather than on it: adding a property to Express's request objects (whose prototype Express
 * swaps per request) took V8's slow path, several microseconds per request.
 */
const flowUsers = new WeakMap<object, string | undefined>();

export function setFlowUser(request: object, user: string | undefined): void {
  flowUsers.set(request, user);
}

export function flowUserOf(request: object): string | undefined {
  return flowUsers.get(request);
}
