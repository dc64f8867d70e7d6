import { describe, expect, it } from '@jest/globals';
import {
  DiscoveryError,
  EndpointNotConfiguredError,
  IdTokenValidationError,
  NotConnectedError,
  StateStoreFullError,
  StoreUnavailableError,
  TokenEndpointError,
  TokenRequestError,
  UnknownProviderError,
} from '../auth-code-flow.errors.js';
import { PushedAuthorizationError } from '../pushed-authorization.errors.js';
import { REAUTHORIZATION_REQUIRED } from '../auth-code-flow.messages.js';
import { ReauthorizationRequiredError } from '../reauthorization.errors.js';
import { UserInfoError } from '../userinfo.errors.js';
import { toFlowErrorBody } from './error-response.js';

describe('toFlowErrorBody', () => {
  it('answers a discovery failure with 503 discovery_failed and a fixed sentence', () => {
    const body = toFlowErrorBody(
      new DiscoveryError('unreachable', 'The metadata of issuer https://idp could not be used.'),
    );
    expect(body).toEqual({
      statusCode: 503,
      error: 'discovery_failed',
      message: "The provider's configuration could not be loaded; try again shortly.",
    });
  });

  it('answers a failed pushed authorization request with 502 par_failed, a timeout with 504, with its message', () => {
    const rejected = new PushedAuthorizationError(
      'http_status',
      400,
      'The pushed authorization request failed: the PAR endpoint refused the request with an OAuth error (HTTP 400).',
      { error: 'invalid_request' },
    );
    expect(toFlowErrorBody(rejected)).toEqual({ statusCode: 502, error: 'par_failed', message: rejected.message });
    for (const reason of ['network', 'redirect', 'invalid_response', 'response_too_large'] as const) {
      expect(toFlowErrorBody(new PushedAuthorizationError(reason, undefined, 'm')).statusCode).toBe(502);
    }
    const timeout = new PushedAuthorizationError('timeout', undefined, 'The pushed authorization request failed.');
    expect(toFlowErrorBody(timeout)).toEqual({ statusCode: 504, error: 'par_failed', message: timeout.message });
  });

  it('answers a refused ID token with 502 invalid_id_token and its message, an unreachable JWKS with 503', () => {
    const refused = new IdTokenValidationError('nonce_mismatch', 'The ID token from provider p was refused: nonce.');
    expect(toFlowErrorBody(refused)).toEqual({ statusCode: 502, error: 'invalid_id_token', message: refused.message });
    const keys = new IdTokenValidationError(
      'jwks_unavailable',
      'The JWKS of provider p at https://idp/jwks timed out.',
    );
    expect(toFlowErrorBody(keys)).toEqual({
      statusCode: 503,
      error: 'invalid_id_token',
      message: "The provider's signing keys could not be loaded; try again shortly.",
    });
  });

  it('answers a user without tokens with 409 not_connected, a missing endpoint with 501, both with their message', () => {
    const notConnected = new NotConnectedError('p', 'ada', 'The user has no tokens for provider p.');
    expect(toFlowErrorBody(notConnected)).toEqual({
      statusCode: 409,
      error: 'not_connected',
      message: notConnected.message,
    });
    const noEndpoint = new EndpointNotConfiguredError('p', 'userinfo', 'Provider p has no userinfo endpoint.');
    expect(toFlowErrorBody(noEndpoint)).toEqual({
      statusCode: 501,
      error: 'endpoint_not_configured',
      message: noEndpoint.message,
    });
  });

  it('answers tokens bound to a lost DPoP key with 409 reauthorization_required and its message', () => {
    const error = new ReauthorizationRequiredError('p', 'ada', 'dpop_key_mismatch', REAUTHORIZATION_REQUIRED('p'));
    expect(error).toMatchObject({ code: 'reauthorization_required', provider: 'p', user: 'ada' });
    expect(toFlowErrorBody(error)).toEqual({
      statusCode: 409,
      error: 'reauthorization_required',
      message:
        'The stored tokens of provider p are DPoP-bound to a key this manager does not hold: connect the account again.',
    });
  });

  it('answers store failures with the stable code and a fixed sentence, never the store wording', () => {
    const redis = new StoreUnavailableError(
      'RedisStateStore: "save" failed: Redis could not be reached (ioredis gave up retrying).',
    );
    expect(toFlowErrorBody(redis)).toEqual({
      statusCode: 503,
      error: 'store_unavailable',
      message: 'The service is temporarily unavailable; try again in a moment.',
    });
    const full = new StateStoreFullError(
      'The state store holds its maximum of 100000 pending authorizations; try again later.',
    );
    expect(toFlowErrorBody(full)).toEqual({
      statusCode: 503,
      error: 'state_store_full',
      message: 'Too many authorizations are pending; try again in a moment.',
    });
  });

  it('does not list the configured providers, nor repeat the asked name, for an unknown provider', () => {
    const unknown = new UnknownProviderError(
      'bit\r\nbucket',
      'No OAuth provider named "bit\r\nbucket" is configured (configured: github, internal-sso).',
    );
    expect(toFlowErrorBody(unknown)).toEqual({
      statusCode: 404,
      error: 'unknown_provider',
      message: 'No such OAuth provider.',
    });
  });

  it("keeps the token errors' own messages, which quote nothing of the provider's answer", () => {
    const rejected = new TokenRequestError(
      'invalid_grant',
      'The code expired.',
      400,
      'The token request was rejected by the provider (HTTP 400).',
    );
    expect(toFlowErrorBody(rejected)).toEqual({
      statusCode: 502,
      error: 'token_request_error',
      message: rejected.message,
    });
    const timeout = new TokenEndpointError(
      'timeout',
      undefined,
      'The token request failed: no complete response within 300 ms.',
    );
    expect(toFlowErrorBody(timeout)).toMatchObject({ statusCode: 504, error: 'token_endpoint_error' });
  });

  it('answers a userinfo failure with 502 userinfo_failed, 504 for a timeout, with its own message', () => {
    for (const reason of [
      'http_status',
      'invalid_response',
      'subject_mismatch',
      'network',
      'response_too_large',
    ] as const) {
      const error = new UserInfoError(
        reason,
        401,
        'The userinfo request to provider p failed: the userinfo endpoint answered HTTP 401.',
      );
      expect(toFlowErrorBody(error)).toEqual({ statusCode: 502, error: 'userinfo_failed', message: error.message });
    }
    const timeout = new UserInfoError(
      'timeout',
      undefined,
      'The userinfo request to provider p failed: no complete answer within 300 ms.',
    );
    expect(toFlowErrorBody(timeout)).toEqual({ statusCode: 504, error: 'userinfo_failed', message: timeout.message });
  });
});
