import type { TokenSet } from '../interfaces/token-set.interface.js';
import { isRecord } from '../utils/is-record.util.js';
import { parseJson } from './redis-store.util.js';
import { TokenCipher } from './token-cipher.util.js';

// The value a shared token store (Redis, PostgreSQL) keeps for one user and provider: versioned JSON,
// in clear or sealed with `TokenCipher`, and read back as absent whenever it is not what this version writes.

/** Why a stored token value was read as absent. */
export type UnreadableTokenReason =
  /** Not JSON, or not the shape this version writes. */
  | 'malformed'
  /** Written by another version of the store. */
  | 'unknown_version'
  /** Sealed with a key id that is not in `encryption.keys` (or the store has no `encryption`). */
  | 'unknown_key'
  /** AES-GCM authentication failed: the value was changed, or moved from another provider's or user's key. */
  | 'tampered'
  /** Stored in clear while the store has `encryption`. */
  | 'not_encrypted';

/** What `onUnreadableValue` receives; it never holds the value. */
export interface UnreadableTokenValueEvent {
  provider: string;
  user: string;
  reason: UnreadableTokenReason;
}

/** Version of the JSON the stores write: `{"v":1,"tokens":{...}}` or `{"v":1,"sealed":{...}}`. */
export const TOKEN_VALUE_VERSION = 1;
const OPTIONAL_STRING_FIELDS = ['refreshToken', 'scope', 'idToken', 'dpopJkt'] as const;
const OPTIONAL_NUMBER_FIELDS = ['expiresIn', 'expiresAt'] as const;

/** Writes and reads token values; `cipher` seals them, `onUnreadableValue` hears of every value read as absent. */
export class TokenValueCodec {
  private constructor(
    private readonly cipher: TokenCipher | undefined,
    private readonly onUnreadableValue: ((event: UnreadableTokenValueEvent) => void) | undefined,
  ) {}

  /**
   * The codec for a store's `encryption` and `onUnreadableValue` options; each invalid one adds a problem,
   * named by `storeName` and the option, to `problems` (the codec then seals nothing).
   */
  static fromOptions(
    storeName: string,
    encryption: unknown,
    onUnreadableValue: unknown,
    problems: string[],
  ): TokenValueCodec {
    const cipher = encryption === undefined ? undefined : TokenCipher.fromOptions(encryption, storeName, problems);
    if (onUnreadableValue !== undefined && typeof onUnreadableValue !== 'function') {
      problems.push(`${storeName}: onUnreadableValue must be a function`);
    }
    const hook =
      typeof onUnreadableValue === 'function'
        ? (onUnreadableValue as (e: UnreadableTokenValueEvent) => void)
        : undefined;
    return new TokenValueCodec(cipher, hook);
  }

  encode(provider: string, user: string, tokens: TokenSet): string {
    if (!this.cipher) return JSON.stringify({ v: TOKEN_VALUE_VERSION, tokens });
    return JSON.stringify({
      v: TOKEN_VALUE_VERSION,
      sealed: this.cipher.seal(JSON.stringify(tokens), additionalData(provider, user)),
    });
  }

  decode(provider: string, user: string, value: string): TokenSet | undefined {
    const parsed = parseJson(value);
    if (!isRecord(parsed)) return this.unreadable(provider, user, 'malformed');
    if (parsed.v !== TOKEN_VALUE_VERSION) return this.unreadable(provider, user, 'unknown_version');
    if (parsed.sealed !== undefined) {
      if (!this.cipher) return this.unreadable(provider, user, 'unknown_key');
      const opened = this.cipher.open(parsed.sealed, additionalData(provider, user));
      if (!opened.ok) return this.unreadable(provider, user, opened.reason);
      const tokens = decodeStoredTokens(parseJson(opened.plaintext));
      return tokens ?? this.unreadable(provider, user, 'malformed');
    }
    if (this.cipher) return this.unreadable(provider, user, 'not_encrypted');
    return decodeStoredTokens(parsed.tokens) ?? this.unreadable(provider, user, 'malformed');
  }

  private unreadable(provider: string, user: string, reason: UnreadableTokenReason): undefined {
    try {
      this.onUnreadableValue?.({ provider, user, reason });
    } catch {
      // The hook is for observation only; it cannot change what the store answers.
    }
    return undefined;
  }
}

/** AES-GCM additional data: binds a sealed value to its provider and user. */
function additionalData(provider: string, user: string): string {
  return `nestjs-auth-code-flow:tokens:v${TOKEN_VALUE_VERSION}\u0000${provider}\u0000${user}`;
}

/** A `TokenSet` from stored JSON, or `undefined` when its shape is wrong. */
function decodeStoredTokens(value: unknown): TokenSet | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.accessToken !== 'string' || typeof value.tokenType !== 'string' || !isRecord(value.raw))
    return undefined;
  const tokens: TokenSet = { accessToken: value.accessToken, tokenType: value.tokenType, raw: value.raw };
  for (const field of OPTIONAL_NUMBER_FIELDS) {
    const fieldValue = value[field];
    if (fieldValue === undefined) continue;
    if (typeof fieldValue !== 'number' || !Number.isFinite(fieldValue)) return undefined;
    tokens[field] = fieldValue;
  }
  for (const field of OPTIONAL_STRING_FIELDS) {
    const fieldValue = value[field];
    if (fieldValue === undefined) continue;
    if (typeof fieldValue !== 'string') return undefined;
    tokens[field] = fieldValue;
  }
  if (value.reauthorization !== undefined) {
    const marker = value.reauthorization;
    if (!isRecord(marker) || marker.reason !== 'refresh_rejected' || typeof marker.error !== 'string') return undefined;
    tokens.reauthorization = { reason: marker.reason, error: marker.error };
  }
  if (value.refreshFailure !== undefined) {
    const note = value.refreshFailure;
    if (!isRecord(note) || typeof note.failure !== 'string' || typeof note.until !== 'number') return undefined;
    if (note.status !== undefined && typeof note.status !== 'number') return undefined;
    tokens.refreshFailure = {
      failure: note.failure as NonNullable<TokenSet['refreshFailure']>['failure'],
      until: note.until,
      ...(note.status === undefined ? {} : { status: note.status }),
    };
  }
  if (value.idTokenClaims !== undefined) {
    if (!isRecord(value.idTokenClaims)) return undefined;
    tokens.idTokenClaims = value.idTokenClaims;
  }
  return tokens;
}
