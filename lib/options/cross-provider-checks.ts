import type { ResolvedProviderConfig, ResolvedRoutesOptions } from './resolved-options.interface.js';

/**
 * What no single provider's options show: two providers sharing a redirect URI, and (with the built-in
 * routes) a redirect URI that leads to another provider's callback route. Either way the provider sends the
 * browser to a callback that refuses the state (`wrong_provider`), after the user consented.
 */
export function crossProviderProblems(
  providers: ReadonlyMap<string, ResolvedProviderConfig>,
  routes: ResolvedRoutesOptions | false | undefined,
  problems: string[],
): void {
  const byUri = new Map<string, string[]>();
  for (const { name, redirectUri } of providers.values()) {
    const href = new URL(redirectUri).href;
    byUri.set(href, [...(byUri.get(href) ?? []), name]);
  }
  for (const [href, [first, ...others]] of byUri) {
    for (const name of others) {
      problems.push(
        `providers.${name}.redirectUri is the same as providers.${first}.redirectUri (${href}): ` +
          'each provider needs its own redirect URI, or its callback cannot be told apart',
      );
    }
  }
  if (!routes) return;
  for (const [href, names] of byUri) {
    // A shared redirect URI is reported above already.
    if (names.length > 1) continue;
    const name = names[0]!;
    const target = callbackRouteProvider(new URL(href).pathname, routes.path);
    if (target !== undefined && target !== name && providers.has(target)) {
      problems.push(
        `providers.${name}.redirectUri leads to /${routes.path}/${target}/callback, the callback route of provider "${target}", ` +
          `which refuses ${name}'s states; use /${routes.path}/${name}/callback`,
      );
    }
  }
}

/**
 * The provider segment when `pathname` ends in the built-in callback route `/{routesPath}/{provider}/callback`
 * (a global prefix or a proxy may come before it). The fixed segments match case-insensitively, as Express routes.
 */
function callbackRouteProvider(pathname: string, routesPath: string): string | undefined {
  const segments = pathname.split('/').map(decodeSegment);
  if (segments.at(-1) === '') segments.pop();
  const prefix = routesPath.split('/');
  const start = segments.length - prefix.length - 2;
  if (start < 1 || segments.at(-1)?.toLowerCase() !== 'callback') return undefined;
  if (prefix.some((segment, i) => segments[start + i]?.toLowerCase() !== segment.toLowerCase())) return undefined;
  return segments[segments.length - 2];
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
