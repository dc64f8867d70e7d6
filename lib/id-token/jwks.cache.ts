import {
  createLocalJWKSet,
  errors,
  type CryptoKey,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type LocalJWKSet,
} from 'jose';
import {
  JWKS_DEFAULT_TTL_SECONDS,
  JWKS_MAX_TTL_SECONDS,
  JWKS_MIN_TTL_SECONDS,
  JWKS_REFETCH_COOLDOWN_MS,
  MAX_TOKEN_RESPONSE_BYTES,
} from '../auth-code-flow.constants.js';
import { ID_TOKEN_PROBLEM } from '../auth-code-flow.messages.js';
import { maxAgeSeconds } from '../discovery/discovery-urls.js';
import type { TokenHttpResponse, TokenHttpTransport } from '../interfaces/token-http-transport.interface.js';
import { TokenHttpFailure } from '../transport/token-http-failure.js';
import { isRecord } from '../utils/is-record.util.js';
import { idTokenError } from './id-token-error.js';

/** Where an ID token's verification keys come from: those that match its header, one or more; never none. */
export interface IdTokenKeySource {
  /** Throws `IdTokenValidationError` only (`unknown_key`, `jwks_unavailable`, `unsupported_algorithm`). */
  keysFor(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey[]>;
}

export interface JwksCacheOptions {
  /** The provider's name, for messages. */
  provider: string;
  /** `jwks_uri`, already checked as an endpoint (https unless the provider allows insecure requests). */
  jwksUri: string;
  /** Budget of one fetch: connect, headers and the whole body. */
  timeoutMs: number;
  /** The clock, epoch milliseconds. @default Date.now */
  now?: () => number;
}

/**
 * One provider's JWK Set (RFC 7517 §5), fetched through the module's transport on first use and kept for
 * its `Cache-Control: max-age`, held within bounds (ten minutes without one). Concurrent loads share one
 * fetch. A token whose key the set does not hold (a rotation) makes it fetch the set again, at most once
 * per cooldown; a set that has expired is still used while fetching it again fails, and is then tried
 * again after the cooldown rather than on every token. It throws `IdTokenValidationError` only, and its
 * messages never quote the provider's answer.
 */
export class JwksCache implements IdTokenKeySource {
  private cached: { keys: LocalJWKSet; expiresAt: number } | undefined;
  private loading: Promise<LocalJWKSet> | undefined;
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(
    private readonly transport: TokenHttpTransport,
    private readonly options: JwksCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The JWK Set's URL. */
  get uri(): string {
    return this.options.jwksUri;
  }

  async keysFor(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey[]> {
    const keys = await this.current();
    const found = await this.match(keys, header, token);
    if (found.length > 0) return found;
    const newer = await this.newerThan(keys);
    const again = newer === undefined ? [] : await this.match(newer, header, token);
    if (again.length > 0) return again;
    throw idTokenError(this.options.provider, 'unknown_key', ID_TOKEN_PROBLEM.unknownKey);
  }

  /** The set while it is fresh; else fetched again, or the expired one when that fails. */
  private current(): Promise<LocalJWKSet> {
    const cached = this.cached;
    if (cached !== undefined && this.now() < cached.expiresAt) return Promise.resolve(cached.keys);
    return this.load().catch((error: unknown) => {
      if (this.cached === undefined) throw error;
      this.cached.expiresAt = this.now() + JWKS_REFETCH_COOLDOWN_MS;
      return this.cached.keys;
    });
  }

  /**
   * A set newer than `seen`: the one a fetch under way brings, the one that replaced `seen` meanwhile, or a
   * new fetch's, unless the last fetch started within the cooldown (then undefined). Throws when it fails.
   */
  private async newerThan(seen: LocalJWKSet): Promise<LocalJWKSet | undefined> {
    if (this.loading !== undefined) return this.loading;
    if (this.cached !== undefined && this.cached.keys !== seen) return this.cached.keys;
    if (this.now() < this.lastFetchAt + JWKS_REFETCH_COOLDOWN_MS) return undefined;
    return this.load();
  }

  private load(): Promise<LocalJWKSet> {
    this.loading ??= this.fetch().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async fetch(): Promise<LocalJWKSet> {
    this.lastFetchAt = this.now();
    const response = await this.get();
    if (response.status !== 200) throw this.unavailable(ID_TOKEN_PROBLEM.jwksStatus(response.status));
    const keys = this.parse(response.body);
    const ttl = Math.min(
      JWKS_MAX_TTL_SECONDS,
      Math.max(JWKS_MIN_TTL_SECONDS, maxAgeSeconds(response.cacheControl) ?? JWKS_DEFAULT_TTL_SECONDS),
    );
    this.cached = { keys, expiresAt: this.now() + ttl * 1000 };
    return keys;
  }

  private async get(): Promise<TokenHttpResponse> {
    const { transport, options } = this;
    if (typeof transport.get !== 'function') throw this.unavailable(ID_TOKEN_PROBLEM.jwksNoGet);
    try {
      // A 3xx is returned as it is and refused below: the keys must come from the provider's own location.
      return await transport.get({
        url: options.jwksUri,
        headers: { Accept: 'application/jwk-set+json, application/json' },
        timeoutMs: options.timeoutMs,
        maxResponseBytes: MAX_TOKEN_RESPONSE_BYTES,
      });
    } catch (error) {
      if (error instanceof TokenHttpFailure && error.kind === 'timeout')
        throw this.unavailable(ID_TOKEN_PROBLEM.jwksTimeout(options.timeoutMs));
      if (error instanceof TokenHttpFailure && error.kind === 'response_too_large')
        throw this.unavailable(ID_TOKEN_PROBLEM.jwksTooLarge(MAX_TOKEN_RESPONSE_BYTES));
      const code = error instanceof TokenHttpFailure ? error.code : undefined;
      throw this.unavailable(
        ID_TOKEN_PROBLEM.jwksNetwork(code !== undefined && /^[A-Z0-9_]{1,64}$/i.test(code) ? code : 'without a code'),
      );
    }
  }

  private parse(body: string): LocalJWKSet {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      throw this.unavailable(ID_TOKEN_PROBLEM.jwksNotJson);
    }
    if (!isRecord(document) || !Array.isArray(document.keys)) throw this.unavailable(ID_TOKEN_PROBLEM.jwksNotKeySet);
    try {
      return createLocalJWKSet(document as unknown as JSONWebKeySet);
    } catch {
      // jose wants every member of `keys` to be an object.
      throw this.unavailable(ID_TOKEN_PROBLEM.jwksNotKeySet);
    }
  }

  /** The keys of `keys` that match the header (jose selects by `kty`, `alg`, `kid`, `use`, `key_ops`, `crv`). */
  private async match(keys: LocalJWKSet, header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey[]> {
    try {
      return [await keys(header, token)];
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) return [];
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        const candidates: CryptoKey[] = [];
        // Several keys fit a header without `kid`: the validator tries each (those that cannot be imported are skipped).
        for await (const key of error as unknown as AsyncIterable<CryptoKey>) candidates.push(key);
        return candidates;
      }
      if (error instanceof errors.JOSENotSupported)
        throw idTokenError(this.options.provider, 'unsupported_algorithm', ID_TOKEN_PROBLEM.algorithm);
      throw this.unavailable(ID_TOKEN_PROBLEM.jwksUnusableKey);
    }
  }

  private unavailable(detail: string) {
    return idTokenError(this.options.provider, 'jwks_unavailable', detail);
  }
}
