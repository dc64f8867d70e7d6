import {
  DISCOVERY_DEFAULT_TTL_SECONDS,
  DISCOVERY_FAILURE_BACKOFF_MS,
  DISCOVERY_MAX_TTL_SECONDS,
  DISCOVERY_MIN_TTL_SECONDS,
  MAX_TOKEN_RESPONSE_BYTES,
} from '../auth-code-flow.constants.js';
import { DiscoveryError } from '../auth-code-flow.errors.js';
import { DISCOVERY_FAILED } from '../auth-code-flow.messages.js';
import type { TokenHttpResponse, TokenHttpTransport } from '../interfaces/token-http-transport.interface.js';
import { TokenHttpFailure } from '../transport/token-http-failure.js';
import { discoveryUrls, maxAgeSeconds } from './discovery-urls.js';
import { parseProviderMetadata, type ProviderMetadata } from './provider-metadata.js';

export interface ProviderMetadataCacheOptions {
  issuer: string;
  allowInsecure: boolean;
  /** Budget of one load, both well-known locations included. */
  timeoutMs: number;
}

/**
 * One provider's metadata, loaded on first use and kept for its `Cache-Control: max-age` (held within
 * bounds; a default of hours without one). Concurrent loads share one fetch; a failure is remembered for a
 * second only, and metadata that has expired is still used when its reload fails.
 */
export class ProviderMetadataCache {
  private cached: { metadata: ProviderMetadata; expiresAt: number } | undefined;
  private loading: Promise<ProviderMetadata> | undefined;
  private failure: { error: DiscoveryError; until: number } | undefined;

  constructor(
    private readonly transport: TokenHttpTransport,
    private readonly options: ProviderMetadataCacheOptions,
  ) {}

  /** The metadata while it is fresh, else undefined (then call {@link load}). */
  fresh(): ProviderMetadata | undefined {
    const cached = this.cached;
    return cached !== undefined && Date.now() < cached.expiresAt ? cached.metadata : undefined;
  }

  /** The fresh metadata, loading it first when needed; throws `DiscoveryError`. */
  load(): Promise<ProviderMetadata> {
    const fresh = this.fresh();
    if (fresh) return Promise.resolve(fresh);
    if (this.failure && Date.now() < this.failure.until) return Promise.reject(this.failure.error);
    this.loading ??= this.fetch().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async fetch(): Promise<ProviderMetadata> {
    try {
      const response = await this.fetchDocument();
      const metadata = parseProviderMetadata(response.body, this.options.issuer, this.options.allowInsecure);
      const ttl = Math.min(
        DISCOVERY_MAX_TTL_SECONDS,
        Math.max(DISCOVERY_MIN_TTL_SECONDS, maxAgeSeconds(response.cacheControl) ?? DISCOVERY_DEFAULT_TTL_SECONDS),
      );
      this.cached = { metadata, expiresAt: Date.now() + ttl * 1000 };
      this.failure = undefined;
      return metadata;
    } catch (error) {
      const failure =
        error instanceof DiscoveryError
          ? error
          : new DiscoveryError('unreachable', DISCOVERY_FAILED(this.options.issuer, 'unexpected failure'));
      if (this.cached) return this.cached.metadata;
      this.failure = { error: failure, until: Date.now() + DISCOVERY_FAILURE_BACKOFF_MS };
      throw failure;
    }
  }

  /** The first well-known location's answer, or the second's when the first answers 404. */
  private async fetchDocument(): Promise<TokenHttpResponse> {
    const deadline = Date.now() + this.options.timeoutMs;
    const [openid, oauth] = discoveryUrls(this.options.issuer);
    let response = await this.get(openid, deadline);
    if (response.status === 404) response = await this.get(oauth, deadline);
    if (response.status !== 200) {
      // A 3xx is not followed: the metadata must come from the issuer's own location.
      throw new DiscoveryError(
        'http_status',
        DISCOVERY_FAILED(this.options.issuer, `the metadata request answered HTTP ${response.status}`),
      );
    }
    return response;
  }

  private async get(url: string, deadline: number): Promise<TokenHttpResponse> {
    const timeoutMs = deadline - Date.now();
    if (timeoutMs <= 0) throw this.timeout();
    try {
      return await this.transport.get!({
        url,
        headers: { Accept: 'application/json' },
        timeoutMs,
        maxResponseBytes: MAX_TOKEN_RESPONSE_BYTES,
      });
    } catch (error) {
      if (!(error instanceof TokenHttpFailure)) throw error;
      if (error.kind === 'timeout') throw this.timeout();
      if (error.kind === 'response_too_large') {
        throw new DiscoveryError(
          'invalid_metadata',
          DISCOVERY_FAILED(this.options.issuer, `the metadata exceeds ${MAX_TOKEN_RESPONSE_BYTES} bytes`),
        );
      }
      const code = error.code !== undefined && /^[A-Z0-9_]{1,64}$/i.test(error.code) ? error.code : 'without a code';
      throw new DiscoveryError('unreachable', DISCOVERY_FAILED(this.options.issuer, `network error ${code}`));
    }
  }

  private timeout(): DiscoveryError {
    return new DiscoveryError(
      'timeout',
      DISCOVERY_FAILED(this.options.issuer, `no complete answer within ${this.options.timeoutMs} ms`),
    );
  }
}
