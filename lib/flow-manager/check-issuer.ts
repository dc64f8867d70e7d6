import { InvalidCallbackError } from '../auth-code-flow.errors.js';
import {
  CALLBACK_ISSUER_MISMATCH,
  CALLBACK_ISSUER_MISSING,
  CALLBACK_ISSUER_UNEXPECTED,
} from '../auth-code-flow.messages.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';

export type IssuerCheckConfig = Pick<
  ResolvedProviderConfig,
  'issuer' | 'requireIssuerParameter' | 'allowUnverifiedIssuer'
>;

/**
 * RFC 9207 §2.4: an `iss` must equal the configured issuer; a provider known to send it must send it. An `iss`
 * with no issuer to compare it with is refused too (unless the app opted out): the provider that sent it may
 * not be the one this callback belongs to (mix-up, RFC 9700 §4.4).
 */
export function checkIssuer(config: IssuerCheckConfig, iss: string | undefined): void {
  if (iss === undefined) {
    if (config.requireIssuerParameter) throw new InvalidCallbackError('issuer_missing', CALLBACK_ISSUER_MISSING);
    return;
  }
  if (config.issuer === undefined) {
    if (!config.allowUnverifiedIssuer) throw new InvalidCallbackError('issuer_unexpected', CALLBACK_ISSUER_UNEXPECTED);
    return;
  }
  if (iss !== config.issuer) throw new InvalidCallbackError('issuer_mismatch', CALLBACK_ISSUER_MISMATCH);
}
