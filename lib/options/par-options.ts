import type { ResolvedParOptions } from './resolved-options.interface.js';
import { optionalBoolean, optionalString } from './validators.util.js';

/** The option that names the PAR endpoint, among the provider's paths. */
export const PAR_PATH = 'pushedAuthorizationRequestPath';

/**
 * The pushed authorization request options of `providers.{name}` (`at`), checked (RFC 9126). `endpoint`
 * resolves a path against the provider's `baseUri` as its other paths are. Without discovery nothing can turn
 * PAR on but the option itself, so `pushedAuthorizationRequests: true` needs the path, and the path needs the
 * option: a configured endpoint that is never used is a mistake, not a default.
 */
export function resolveParOptions(
  raw: Record<string, unknown>,
  at: string,
  discovery: boolean,
  endpoint: (path: string | undefined, field: string) => string | undefined,
  problems: string[],
): ResolvedParOptions {
  const enabled = optionalBoolean(raw.pushedAuthorizationRequests, `${at}.pushedAuthorizationRequests`, problems);
  const path = optionalString(raw[PAR_PATH], `${at}.${PAR_PATH}`, problems);
  if (!discovery && enabled === true && path === undefined)
    problems.push(`${at}.pushedAuthorizationRequests needs ${at}.${PAR_PATH} (or discovery, whose metadata names it)`);
  if (!discovery && enabled === undefined && path !== undefined)
    problems.push(
      `${at}.${PAR_PATH} is set: set ${at}.pushedAuthorizationRequests to true to push the authorization requests`,
    );
  const url = endpoint(path, PAR_PATH);
  return { ...(enabled === undefined ? {} : { enabled }), ...(url === undefined ? {} : { endpoint: url }) };
}
