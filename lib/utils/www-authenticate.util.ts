/** One challenge of a `WWW-Authenticate` header: its scheme, lower-cased, and its parameters, names lower-cased. */
export interface AuthChallenge {
  scheme: string;
  /** Empty for a challenge with a token68 or with nothing after the scheme. */
  params: ReadonlyMap<string, string>;
}

/** `tchar` of RFC 9110 §5.6.2. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
/** A token68 (RFC 9110 §11.2) that a comma or the end follows: it stands in for the parameters. */
const TOKEN68 = /^[A-Za-z0-9._~+/-]+=*(?=[ \t]*(?:,|$))/;
const WHITESPACE = /^[ \t]*/;

/**
 * The challenges of a `WWW-Authenticate` value (RFC 9110 §11.6.1, §11.2), also several header lines joined
 * with commas as `Headers.get` joins them: `Bearer realm="api", error="invalid_token", Basic realm="x"`.
 * Schemes and parameter names are case-insensitive; values are tokens or quoted strings (with `\` escapes).
 * A malformed value, or a parameter named twice in one challenge (RFC 6750 §3), yields no challenge at all:
 * what it asks cannot be known.
 */
export function parseWwwAuthenticate(value: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let rest = value;
  const skip = (pattern: RegExp) => {
    rest = rest.replace(pattern, '');
  };
  const take = (pattern: RegExp): string | undefined => {
    const match = pattern.exec(rest);
    if (match) rest = rest.slice(match[0].length);
    return match?.[0];
  };
  for (;;) {
    skip(/^[ \t,]*/);
    if (rest === '') return challenges;
    const scheme = take(TOKEN);
    if (scheme === undefined) return [];
    const params = new Map<string, string>();
    challenges.push({ scheme: scheme.toLowerCase(), params });
    skip(WHITESPACE);
    if (take(TOKEN68) !== undefined) continue;
    for (;;) {
      skip(/^[ \t,]*/);
      const start = rest;
      const name = take(TOKEN);
      if (name === undefined) break;
      skip(WHITESPACE);
      if (!rest.startsWith('=')) {
        // A token without "=" begins the next challenge.
        rest = start;
        break;
      }
      rest = rest.slice(1);
      skip(WHITESPACE);
      const paramValue = rest.startsWith('"') ? takeQuoted() : take(TOKEN);
      const key = name.toLowerCase();
      if (paramValue === undefined || params.has(key)) return [];
      params.set(key, paramValue);
      skip(WHITESPACE);
      if (rest !== '' && !rest.startsWith(',')) return [];
    }
  }

  function takeQuoted(): string | undefined {
    let unquoted = '';
    for (let i = 1; i < rest.length; i++) {
      const char = rest[i]!;
      if (char === '"') {
        rest = rest.slice(i + 1);
        return unquoted;
      }
      if (char === '\\') {
        i++;
        if (i >= rest.length) return undefined;
        unquoted += rest[i];
      } else unquoted += char;
    }
    return undefined;
  }
}

/** Whether a `WWW-Authenticate` value carries a Bearer challenge with `error="invalid_token"` (RFC 6750 §3.1). */
export function isInvalidBearerToken(value: string | null | undefined): boolean {
  return hasChallengeError(value, 'bearer', 'invalid_token');
}

/**
 * Whether a `WWW-Authenticate` value carries a challenge of `scheme` (lower-case) whose `error` is `error`: e.g.
 * `DPoP error="use_dpop_nonce"` (RFC 9449 §9) or `DPoP error="invalid_token"` (RFC 9449 §7.1).
 */
export function hasChallengeError(value: string | null | undefined, scheme: string, error: string): boolean {
  if (typeof value !== 'string') return false;
  return parseWwwAuthenticate(value).some(
    (challenge) => challenge.scheme === scheme && challenge.params.get('error') === error,
  );
}
