import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { INVALID_OPTIONS_OF } from '../auth-code-flow.messages.js';
import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { PROVIDER_KEYS } from '../options/provider-options.js';
import { unknownKeys } from '../options/validators.util.js';
import { isRecord } from '../utils/is-record.util.js';
import { isAbsoluteUrl, isSecureHttpUrl, parseHttpUrl } from '../utils/url.util.js';

/**
 * What every preset takes: the client's registration, and any field of {@link FlowManagerOptions} to
 * override the preset's value (e.g. `baseUri` for GitHub Enterprise or a test server).
 *
 * - `baseUri` given: every endpoint of the preset moves to that base and keeps its path, also those
 *   the provider serves from another host (Google's token endpoint, Dropbox's API host...).
 * - `authorizationParams` given: merged over the preset's extras (set a key to override one of them).
 * - Anything else given replaces the preset's value.
 */
export type PresetOptions = Pick<FlowManagerOptions, 'clientId' | 'redirectUri'> & Partial<FlowManagerOptions>;

/** The fields a preset sets; `clientId` and `redirectUri` always come from the caller. */
export type PresetDefaults = Omit<FlowManagerOptions, 'clientId' | 'redirectUri'>;

type TokenBody = Record<string, unknown>;

/** Throws an `AuthCodeFlowConfigError` naming the preset and every problem, when there is any. */
export function assertPresetInput(provider: string, problems: readonly string[]): void {
  if (problems.length > 0)
    throw new AuthCodeFlowConfigError(problems, INVALID_OPTIONS_OF(`${provider} preset`, problems));
}

/**
 * The problems of the input every preset shares: an object (else the preset throws at once) with a client id
 * and a redirect URI, and no key that is neither an option of {@link FlowManagerOptions} nor one of the
 * preset's own (a mistyped `clientID` is named as such, besides the missing `clientId`).
 */
export function commonProblems(provider: string, input: unknown, presetOnlyKeys: readonly string[] = []): string[] {
  if (!isRecord(input)) assertPresetInput(provider, ['the options must be an object']);
  const fields = input as Record<string, unknown>;
  const problems: string[] = [];
  const { clientId, redirectUri, clientSecret } = fields;
  if (typeof clientId !== 'string' || clientId.trim() === '') problems.push('clientId is required');
  if (typeof redirectUri !== 'string' || redirectUri.trim() === '') problems.push('redirectUri is required');
  if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret === ''))
    problems.push('clientSecret must be a non-empty string when given');
  unknownKeys(
    fields,
    presetOnlyKeys.length === 0 ? PROVIDER_KEYS : new Set([...PROVIDER_KEYS, ...presetOnlyKeys]),
    '',
    problems,
  );
  return problems;
}

/** For a provider without public clients: a missing secret is refused, saying why. */
export function requireSecret(input: PresetOptions, because: string, problems: string[]): void {
  if (input.clientSecret === undefined) problems.push(`clientSecret is required: ${because}`);
}

/**
 * For a provider with public clients for some registrations only: a missing secret is refused unless the
 * caller asks for a public client with `clientAuthMethod: 'none'`, which then needs PKCE (RFC 9700 §2.1.1).
 */
export function requireSecretUnlessPublic(input: PresetOptions, because: string, problems: string[]): void {
  if (input.clientSecret === undefined && input.clientAuthMethod !== 'none') {
    problems.push(`clientSecret is required: ${because}; for a public client, pass clientAuthMethod: 'none'`);
  }
  if (input.clientSecret === undefined && input.clientAuthMethod === 'none' && input.pkce === false) {
    problems.push('pkce cannot be turned off for a public client (RFC 9700 §2.1.1)');
  }
}

/**
 * Merges the caller's options over a preset's defaults (see {@link PresetOptions}), leaving out the
 * preset-only keys (e.g. `tenant`), which the module would reject as unknown options.
 */
export function applyPreset<T extends PresetOptions>(
  defaults: PresetDefaults,
  input: T,
  presetOnlyKeys: ReadonlyArray<Exclude<keyof T, keyof FlowManagerOptions>> = [],
): FlowManagerOptions {
  const overrides: Record<string, unknown> = { ...input };
  for (const key of presetOnlyKeys) delete overrides[key as string];
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete overrides[key];

  const merged = { ...defaults } as FlowManagerOptions;
  if (typeof overrides.baseUri === 'string') {
    // Split-host providers: keep each endpoint's path, on the caller's base.
    // Presets always name both endpoints (they keep static endpoints, see the README's Discovery).
    merged.authorizationPath = pathOnly(merged.authorizationPath!);
    merged.accessTokenPath = pathOnly(merged.accessTokenPath!);
    for (const key of ['revocationPath', 'jwksPath', 'userInfoPath', 'endSessionPath'] as const) {
      if (merged[key] !== undefined) merged[key] = pathOnly(merged[key]);
    }
  }
  Object.assign(merged, overrides);
  if (defaults.authorizationParams || input.authorizationParams) {
    merged.authorizationParams = { ...defaults.authorizationParams, ...input.authorizationParams };
  }
  return merged;
}

function pathOnly(pathOrUrl: string): string {
  if (!isAbsoluteUrl(pathOrUrl)) return pathOrUrl;
  const url = new URL(pathOrUrl);
  return `${url.pathname}${url.search}`;
}

/** Joins a scope list with the provider's delimiter; a string is kept as given. */
export function joinScope(scope: string | string[] | undefined, delimiter: string): string | undefined {
  if (scope === undefined) return undefined;
  return Array.isArray(scope) ? scope.join(delimiter) : scope;
}

/** An https URL, or http on a loopback host (tests, local development). */
export function isSecureUrl(value: unknown): value is string {
  const url = typeof value === 'string' ? parseHttpUrl(value) : undefined;
  return url !== undefined && isSecureHttpUrl(url);
}

// ---- token response normalisers (RFC 6749 §5.1) -------------------------------------------------

/** Composes normalisers left to right. */
export function pipe(...steps: Array<(body: TokenBody) => TokenBody>): (body: TokenBody) => TokenBody {
  return (body) => steps.reduce((current, step) => step(current), body);
}

/** A `scope` sent as a JSON array (Twitch) becomes the space-delimited string of RFC 6749 §3.3. */
export function scopeArrayToString(body: TokenBody): TokenBody {
  if (!Array.isArray(body.scope)) return body;
  if (!body.scope.every((item) => typeof item === 'string')) return body;
  return { ...body, scope: body.scope.join(' ') };
}

/** A comma-delimited `scope` (GitHub, Slack) becomes space-delimited (RFC 6749 §3.3). */
export function commaScopeToSpaces(body: TokenBody): TokenBody {
  if (typeof body.scope !== 'string' || !body.scope.includes(',')) return body;
  return {
    ...body,
    scope: body.scope
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)
      .join(' '),
  };
}

/**
 * An error sent as an object (`{ error: { type|code, message } }`, as Facebook's Graph API and Stack
 * Exchange do) becomes RFC 6749 §5.2's `error` and `error_description` strings.
 */
export function flattenErrorObject(body: TokenBody): TokenBody {
  const fields = body.error;
  if (!isRecord(fields)) return body;
  const name =
    [fields.type, fields.code, fields.name].find((value) => typeof value === 'string' && value !== '') ??
    (typeof fields.code === 'number' ? `error_${fields.code}` : 'invalid_request');
  const flat: TokenBody = { ...body, error: name };
  if (typeof fields.message === 'string') flat.error_description = fields.message;
  return flat;
}
