import { HttpStatus, Logger } from '@nestjs/common';
import { SAFE_ERROR_CODE } from '../auth-code-flow.constants.js';
import {
  PUBLIC_DISCOVERY_FAILED,
  PUBLIC_JWKS_UNAVAILABLE,
  PUBLIC_STATE_STORE_FULL,
  PUBLIC_STORE_UNAVAILABLE,
  PUBLIC_UNKNOWN_PROVIDER,
} from '../auth-code-flow.messages.js';
import {
  AuthCodeFlowError,
  AuthorizationError,
  DiscoveryError,
  EndpointNotConfiguredError,
  IdTokenValidationError,
  NotConnectedError,
  InvalidCallbackError,
  InvalidStateError,
  StateStoreFullError,
  StoreUnavailableError,
  TokenEndpointError,
  TokenRequestError,
  UnknownProviderError,
} from '../auth-code-flow.errors.js';
import { PushedAuthorizationError } from '../pushed-authorization.errors.js';
import { ReauthorizationRequiredError } from '../reauthorization.errors.js';
import { UserInfoError } from '../userinfo.errors.js';

/** The JSON body of every failure of the built-in routes. */
export interface FlowErrorBody {
  statusCode: number;
  /** A stable, machine-readable code, e.g. `invalid_state`, `access_denied`, `token_endpoint_error`. */
  error: string;
  message: string;
}

const logger = new Logger('AuthCodeFlow');

/**
 * Maps a failure of the authorize or callback route to an HTTP answer: 4xx for bad input, 502/504 for the
 * provider's token, PAR or userinfo endpoint, 502 for a refused ID token, 503 for an unavailable store, provider
 * metadata or JWKS. Messages come from our own errors, which hold
 * no secret, code, token or provider text; a store's or the registry's error, whose message names
 * infrastructure (Redis, a command) or the configured providers, answers a fixed sentence instead. Anything
 * unexpected becomes a generic 500 without details, and is logged.
 */
export function toFlowErrorBody(error: unknown): FlowErrorBody {
  if (error instanceof InvalidCallbackError || error instanceof InvalidStateError) {
    return { statusCode: HttpStatus.BAD_REQUEST, error: error.code, message: error.message };
  }
  if (error instanceof AuthorizationError) {
    const code = SAFE_ERROR_CODE.test(error.error) ? error.error : error.code;
    const statusCode = error.error === 'access_denied' ? HttpStatus.FORBIDDEN : HttpStatus.BAD_REQUEST;
    return { statusCode, error: code, message: error.message };
  }
  if (error instanceof TokenRequestError)
    return { statusCode: HttpStatus.BAD_GATEWAY, error: error.code, message: error.message };
  if (error instanceof TokenEndpointError) {
    const statusCode = error.failure === 'timeout' ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.BAD_GATEWAY;
    return { statusCode, error: error.code, message: error.message };
  }
  if (error instanceof PushedAuthorizationError) {
    // As the token endpoint's: the flow never reached the browser, and no parameter of it is in the answer.
    const statusCode = error.reason === 'timeout' ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.BAD_GATEWAY;
    return { statusCode, error: error.code, message: error.message };
  }
  if (error instanceof UserInfoError) {
    const statusCode = error.reason === 'timeout' ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.BAD_GATEWAY;
    return { statusCode, error: error.code, message: error.message };
  }
  if (error instanceof StoreUnavailableError) {
    return { statusCode: HttpStatus.SERVICE_UNAVAILABLE, error: error.code, message: PUBLIC_STORE_UNAVAILABLE };
  }
  if (error instanceof DiscoveryError) {
    return { statusCode: HttpStatus.SERVICE_UNAVAILABLE, error: error.code, message: PUBLIC_DISCOVERY_FAILED };
  }
  if (error instanceof IdTokenValidationError) {
    if (error.reason === 'jwks_unavailable')
      return { statusCode: HttpStatus.SERVICE_UNAVAILABLE, error: error.code, message: PUBLIC_JWKS_UNAVAILABLE };
    return { statusCode: HttpStatus.BAD_GATEWAY, error: error.code, message: error.message };
  }
  if (error instanceof NotConnectedError || error instanceof ReauthorizationRequiredError)
    return { statusCode: HttpStatus.CONFLICT, error: error.code, message: error.message };
  if (error instanceof EndpointNotConfiguredError)
    return { statusCode: HttpStatus.NOT_IMPLEMENTED, error: error.code, message: error.message };
  if (error instanceof StateStoreFullError) {
    return { statusCode: HttpStatus.SERVICE_UNAVAILABLE, error: error.code, message: PUBLIC_STATE_STORE_FULL };
  }
  if (error instanceof UnknownProviderError) {
    return { statusCode: HttpStatus.NOT_FOUND, error: error.code, message: PUBLIC_UNKNOWN_PROVIDER };
  }
  if (error instanceof AuthCodeFlowError)
    return { statusCode: HttpStatus.BAD_REQUEST, error: error.code, message: error.message };
  logger.error(
    `Unexpected failure in the OAuth routes: ${error instanceof Error ? error.name : typeof error}`,
    error instanceof Error ? error.stack : undefined,
  );
  return {
    statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
    error: 'internal_error',
    message: 'The authorization could not be completed.',
  };
}
