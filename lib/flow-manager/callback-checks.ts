import { AuthorizationError, InvalidCallbackError, InvalidStateError } from '../auth-code-flow.errors.js';
import {
  AUTHORIZATION_DENIED,
  CALLBACK_PARAM_MISSING,
  STATE_BINDING_COOKIE_MISSING,
  STATE_WRONG_BROWSER,
} from '../auth-code-flow.messages.js';
import type { PendingAuthorization } from '../interfaces/state-store.interface.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import type { CallbackParams } from './callback-params.js';
import { checkIssuer } from './check-issuer.js';

/**
 * What a callback must pass once its state is consumed, in this order: the browser binding (when the record has
 * one, `spent` is the presented value that matched it), `iss` (RFC 9207), `error` (RFC 6749 §4.1.2.1), and a
 * code. Returns the code to exchange.
 */
export function checkConsumedCallback(
  config: Pick<ResolvedProviderConfig, 'redirectUri' | 'issuer' | 'requireIssuerParameter' | 'allowUnverifiedIssuer'>,
  record: PendingAuthorization,
  params: CallbackParams,
  binding: { presented: unknown; spent: string | undefined },
): string {
  if (record.browserBinding !== undefined && binding.spent === undefined) {
    // No binding at all usually means the cookie was set for another host: the flow started on, say,
    // localhost while the redirect URI names 127.0.0.1. The origin named is configuration, not request input.
    const message =
      binding.presented === undefined
        ? STATE_BINDING_COOKIE_MISSING(new URL(config.redirectUri).origin)
        : STATE_WRONG_BROWSER;
    throw new InvalidStateError('wrong_browser', message);
  }
  checkIssuer(config, params.iss);
  if (params.error !== undefined) {
    throw new AuthorizationError(
      params.error,
      params.errorDescription,
      params.errorUri,
      AUTHORIZATION_DENIED(params.error),
    );
  }
  if (params.code === undefined || params.code === '')
    throw new InvalidCallbackError('missing_parameter', CALLBACK_PARAM_MISSING('code'));
  return params.code;
}
