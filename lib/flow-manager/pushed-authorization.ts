import { MAX_EXPIRES_IN_SECONDS } from '../auth-code-flow.constants.js';
import { AuthCodeFlowConfigError, DiscoveryError, TokenEndpointError } from '../auth-code-flow.errors.js';
import {
  DISCOVERY_FAILED,
  INVALID_OPTIONS,
  PAR_METADATA_PROBLEM,
  PAR_OPERATION,
  PAR_RESPONSE_PROBLEM,
  TOKEN_ENDPOINT_FAILED,
} from '../auth-code-flow.messages.js';
import type { ProviderMetadata } from '../discovery/provider-metadata.js';
import type { PendingAuthorization } from '../interfaces/state-store.interface.js';
import type { TokenHttpResponse } from '../interfaces/token-http-transport.interface.js';
import type { ResolvedParOptions, ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import { PushedAuthorizationError } from '../pushed-authorization.errors.js';
import { isRecord } from '../utils/is-record.util.js';
import { appendQuery, formEncodePairs } from '../utils/url.util.js';
import type { AuthorizationUrlBuilder } from './authorization-url.js';
import { authenticateClient, type ClientCredentials } from './client-authentication.js';
import type { TokenEndpointClient } from './token-endpoint.client.js';
import { errorCode, errorDescription } from './token-response.parser.js';

/** Longest `request_uri` accepted: it goes into the browser's URL, where a few kilobytes is the practical limit. */
export const MAX_REQUEST_URI_LENGTH = 2048;
/** Visible ASCII only: a `request_uri` is a URI (RFC 3986), so it has no space, control or non-ASCII character. */
const REQUEST_URI = new RegExp(`^[\\x21-\\x7e]{1,${MAX_REQUEST_URI_LENGTH}}$`);

/** What a pushed authorization request is built from: the client, its authentication and both endpoints. */
export type PushedAuthorizationConfig = ClientCredentials &
  Pick<ResolvedProviderConfig, 'tokenRequestHeaders' | 'authorizationEndpoint'>;

/** A PAR endpoint's answer (RFC 9126 §2.2). */
export interface PushedAuthorizationResponse {
  requestUri: string;
  /** Seconds the `request_uri` stays usable. */
  expiresIn: number;
}

/**
 * Pushes one provider's authorization requests (RFC 9126): POSTs the parameters the authorization URL would
 * carry, as a form body with the client's authentication (as the token request has it), through the token
 * client (its transport, deadline, 1 MiB cap, no redirect followed, no request repeated that may have been
 * received), and returns the authorization URL that carries only `client_id` and the answer's `request_uri`.
 * Every failure is a `PushedAuthorizationError`: there is no fallback to a URL with the parameters in it.
 */
export class PushedAuthorizationRequester {
  constructor(
    private readonly config: PushedAuthorizationConfig,
    private readonly endpoint: string,
    private readonly urls: AuthorizationUrlBuilder,
    private readonly client: TokenEndpointClient,
    private readonly timeoutMs: number,
  ) {}

  /** The authorization URL for `state` (see {@link AuthorizationUrlBuilder.build}), after a successful push. */
  async authorizationUrl(
    state: string,
    record: Pick<PendingAuthorization, 'codeVerifier' | 'nonce'>,
    params?: Record<string, string>,
  ): Promise<string> {
    const { requestUri } = await this.push(
      Object.fromEntries(new URLSearchParams(this.urls.query(state, record, params))),
    );
    const query = formEncodePairs([
      ['client_id', this.config.clientId],
      ['request_uri', requestUri],
    ]);
    return appendQuery(this.config.authorizationEndpoint, query);
  }

  /** POSTs `params` with the client's authentication; the answer, or a `PushedAuthorizationError`. */
  async push(params: Record<string, string>): Promise<PushedAuthorizationResponse> {
    let response: TokenHttpResponse;
    try {
      response = await this.client.post({
        operation: PAR_OPERATION,
        url: this.endpoint,
        params,
        headers: { ...this.config.tokenRequestHeaders },
        authenticate: (attemptParams, attemptHeaders) => authenticateClient(this.config, attemptParams, attemptHeaders),
        bodyEncoding: 'form',
        timeoutMs: this.timeoutMs,
      });
    } catch (error) {
      if (!(error instanceof TokenEndpointError)) throw error;
      // The token client fails only these ways, before any answer; its message names our reason only, its
      // cause a bare code.
      const reason = error.failure === 'timeout' || error.failure === 'response_too_large' ? error.failure : 'network';
      throw new PushedAuthorizationError(reason, undefined, error.message, { cause: error.cause });
    }
    return parsePushedAuthorizationResponse(response);
  }
}

/** The provider's requester when PAR is on (its endpoint is known then: {@link parWithMetadata}), else undefined. */
export function pushedAuthorizationRequester(
  config: PushedAuthorizationConfig & Pick<ResolvedProviderConfig, 'name' | 'par'>,
  urls: AuthorizationUrlBuilder,
  client: TokenEndpointClient,
  timeoutMs: number,
): PushedAuthorizationRequester | undefined {
  if (config.par?.enabled !== true) return undefined;
  if (config.par.endpoint === undefined) {
    const at = `providers.${config.name}`;
    const problem = `${at}.pushedAuthorizationRequests needs ${at}.pushedAuthorizationRequestPath`;
    throw new AuthCodeFlowConfigError([problem], INVALID_OPTIONS([problem]));
  }
  return new PushedAuthorizationRequester(config, config.par.endpoint, urls, client, timeoutMs);
}

/**
 * A discovering provider's PAR settings once its metadata is known: the option wins, else the metadata's
 * `require_pushed_authorization_requests`; a configured path wins over its endpoint. The option turned off
 * while the metadata requires PAR, or PAR on without an endpoint, is a `DiscoveryError('invalid_metadata')`:
 * the flow fails before any state is stored, rather than send a request the provider refuses.
 */
export function parWithMetadata(
  config: Pick<ResolvedProviderConfig, 'name' | 'par'>,
  metadata: ProviderMetadata,
): ResolvedParOptions {
  const required = metadata.requirePushedAuthorizationRequests === true;
  const enabled = config.par?.enabled ?? required;
  const refuse = (detail: string) => new DiscoveryError('invalid_metadata', DISCOVERY_FAILED(metadata.issuer, detail));
  if (required && !enabled) throw refuse(PAR_METADATA_PROBLEM.required(config.name));
  const endpoint = config.par?.endpoint ?? metadata.pushedAuthorizationRequestEndpoint;
  if (enabled && endpoint === undefined) throw refuse(PAR_METADATA_PROBLEM.noEndpoint(config.name));
  return { enabled, ...(endpoint === undefined ? {} : { endpoint }) };
}

/**
 * Reads a PAR endpoint's answer strictly (RFC 9126 §2.2, §2.3): 201 Created with a JSON object holding a
 * `request_uri` string and a positive integer `expires_in`. Anything else is a `PushedAuthorizationError`
 * that quotes nothing of the answer but a filtered OAuth `error` and `error_description`.
 */
export function parsePushedAuthorizationResponse(response: TokenHttpResponse): PushedAuthorizationResponse {
  const { status } = response;
  const failed = (reason: string) => TOKEN_ENDPOINT_FAILED(PAR_OPERATION, reason);
  if (status >= 300 && status < 400)
    throw new PushedAuthorizationError('redirect', status, failed(PAR_RESPONSE_PROBLEM.redirect(status)));
  const body = jsonObject(response.body);
  if (status !== 201) {
    const error = body?.error;
    if (typeof error === 'string' && error !== '') {
      throw new PushedAuthorizationError('http_status', status, failed(PAR_RESPONSE_PROBLEM.rejected(status)), {
        error: errorCode(error),
        errorDescription: errorDescription(body?.error_description),
      });
    }
    throw new PushedAuthorizationError('http_status', status, failed(PAR_RESPONSE_PROBLEM.status(status)));
  }
  const invalid = (reason: string) => new PushedAuthorizationError('invalid_response', status, failed(reason));
  if (body === undefined) throw invalid(PAR_RESPONSE_PROBLEM.notObject);
  const requestUri = body.request_uri;
  if (typeof requestUri !== 'string' || !REQUEST_URI.test(requestUri))
    throw invalid(PAR_RESPONSE_PROBLEM.requestUri(MAX_REQUEST_URI_LENGTH));
  const expiresIn = body.expires_in;
  if (
    typeof expiresIn !== 'number' ||
    !Number.isSafeInteger(expiresIn) ||
    expiresIn <= 0 ||
    expiresIn > MAX_EXPIRES_IN_SECONDS
  )
    throw invalid(PAR_RESPONSE_PROBLEM.expiresIn);
  return { requestUri, expiresIn };
}

/** The body as a JSON object, or undefined; only two members are read, so no bound on its shape is needed. */
function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
