import { createHash, timingSafeEqual } from 'node:crypto';
import {
  errors,
  jwtVerify,
  type CryptoKey,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';
import { InvalidArgumentError, type IdTokenValidationReason } from '../auth-code-flow.errors.js';
import { ID_TOKEN_PROBLEM, ID_TOKEN_VALIDATOR_ARGUMENT } from '../auth-code-flow.messages.js';
import { HMAC_ID_TOKEN_ALGORITHMS, TENANT_PLACEHOLDER } from '../options/id-token-options.js';
import { copyPlainData } from '../utils/copy-plain-data.util.js';
import { accessTokenHash } from './access-token-hash.js';
import { idTokenError, idTokenErrorFrom } from './id-token-error.js';
import type { IdTokenKeySource } from './jwks.cache.js';

export interface IdTokenValidatorOptions {
  /** The provider's name, for messages. */
  provider: string;
  /**
   * The `iss` every ID token must carry, exactly. A `{tenantid}` placeholder stands for the token's `tid`
   * claim (Entra ID's multi-tenant issuer `https://login.microsoftonline.com/{tenantid}/v2.0`).
   */
  issuer: string;
  clientId: string;
  /** The key of the HMAC algorithms (`HS256`...), when the allow-list holds one. */
  clientSecret?: string;
  /** The JWS algorithms accepted, never `none` (see `idTokenAlgorithms`). */
  algorithms: readonly string[];
  /** Leeway of `exp`, `iat` and `nbf`. */
  clockToleranceSeconds: number;
  /** The clock, epoch milliseconds. @default Date.now */
  now?: () => number;
}

/** What the flow knows that the ID token must agree with. */
export interface IdTokenExpectations {
  /** The nonce the authorization request sent: the token must carry it. Undefined: `nonce` is not checked. */
  nonce?: string;
  /** The access token of the same response: checked against `at_hash` when the token has one. */
  accessToken?: string;
  /** The `sub` of the ID token this one follows (a refresh, OpenID Connect Core §12.2): it must be the same. */
  subject?: string;
}

const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat'];

/**
 * Validates a provider's ID tokens as OpenID Connect Core §3.1.3.7 asks, with jose: signature with an
 * allowed algorithm (never `none`; an HMAC one with the client secret, any other with the provider's JWKS),
 * `iss`, `aud` and `azp`, `exp`, `iat` and `nbf` within the clock tolerance, `nonce`, `at_hash`, and `sub`
 * on refresh. Failures are `IdTokenValidationError`s whose reason says which check failed; none of them
 * holds the token or a claim's value.
 */
export class IdTokenValidator {
  private readonly secret: Uint8Array | undefined;
  private readonly now: () => number;

  constructor(
    private readonly options: IdTokenValidatorOptions,
    /** Where the keys of the asymmetric algorithms come from (a `JwksCache`). */
    readonly keys?: IdTokenKeySource,
  ) {
    const { algorithms, clientSecret } = options;
    if (algorithms.length === 0 || algorithms.includes('none'))
      throw new InvalidArgumentError('ERR_INVALID_ARG_VALUE', ID_TOKEN_VALIDATOR_ARGUMENT('algorithms'));
    const hmac = algorithms.filter((alg) => HMAC_ID_TOKEN_ALGORITHMS.has(alg));
    if (hmac.length > 0 && !clientSecret)
      throw new InvalidArgumentError('ERR_INVALID_ARG_VALUE', ID_TOKEN_VALIDATOR_ARGUMENT('clientSecret'));
    if (hmac.length < algorithms.length && keys === undefined)
      throw new InvalidArgumentError('ERR_INVALID_ARG_VALUE', ID_TOKEN_VALIDATOR_ARGUMENT('keys'));
    this.secret = hmac.length > 0 ? new TextEncoder().encode(clientSecret) : undefined;
    this.now = options.now ?? Date.now;
  }

  /**
   * The token's claims (a plain copy) when it passes every check; else throws `IdTokenValidationError`.
   * Nothing else is thrown: a failure of the JWKS is `jwks_unavailable`.
   */
  async validate(idToken: string, expected: IdTokenExpectations = {}): Promise<Record<string, unknown>> {
    const { provider } = this.options;
    if (typeof idToken !== 'string' || idToken === '')
      throw idTokenError(provider, 'malformed', ID_TOKEN_PROBLEM.malformed);
    const nowMs = this.now();
    let verified: { payload: JWTPayload; alg: string };
    try {
      verified = await this.verify(idToken, nowMs);
    } catch (error) {
      throw idTokenErrorFrom(provider, error);
    }
    this.checkClaims(verified.payload, verified.alg, expected, Math.floor(nowMs / 1000));
    return copyPlainData(verified.payload) as Record<string, unknown>;
  }

  /**
   * jose's checks: the compact form, `alg` in the allow-list (before any key is looked up), the signature,
   * the presence of the required claims and the type of the dates, `aud`, `exp` and `nbf`. With several keys
   * fitting a header without `kid`, each is tried in turn.
   */
  private async verify(idToken: string, nowMs: number): Promise<{ payload: JWTPayload; alg: string }> {
    const { algorithms, clientId, clockToleranceSeconds } = this.options;
    const options: JWTVerifyOptions = {
      algorithms: [...algorithms],
      audience: clientId,
      requiredClaims: REQUIRED_CLAIMS,
      clockTolerance: clockToleranceSeconds,
      currentDate: new Date(nowMs),
    };
    let candidates: CryptoKey[] = [];
    const getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
      if (HMAC_ID_TOKEN_ALGORITHMS.has(header.alg!)) return this.secret!;
      candidates = await this.keys!.keysFor(header, token);
      return candidates[0]!;
    };
    try {
      const { payload, protectedHeader } = await jwtVerify(idToken, getKey, options);
      return { payload, alg: protectedHeader.alg };
    } catch (error) {
      if (!(error instanceof errors.JWSSignatureVerificationFailed) || candidates.length < 2) throw error;
      for (const key of candidates.slice(1)) {
        try {
          const { payload, protectedHeader } = await jwtVerify(idToken, key, options);
          return { payload, alg: protectedHeader.alg };
        } catch (next) {
          if (!(next instanceof errors.JWSSignatureVerificationFailed)) throw next;
        }
      }
      throw error;
    }
  }

  /** The checks jose does not do, in the order of OpenID Connect Core §3.1.3.7. */
  private checkClaims(payload: JWTPayload, alg: string, expected: IdTokenExpectations, now: number): void {
    const { provider, clientId, clockToleranceSeconds } = this.options;
    const fail = (reason: IdTokenValidationReason, detail: string): never => {
      throw idTokenError(provider, reason, detail);
    };
    if (typeof payload.iss !== 'string') fail('malformed', ID_TOKEN_PROBLEM.claimMistyped('iss'));
    if (typeof payload.sub !== 'string' || payload.sub === '') fail('malformed', ID_TOKEN_PROBLEM.claimMistyped('sub'));
    if (payload.iss !== this.issuerFor(payload)) fail('issuer_mismatch', ID_TOKEN_PROBLEM.issuer);
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (audiences.length > 1 && payload.azp === undefined) fail('azp_mismatch', ID_TOKEN_PROBLEM.azpMissing);
    if (payload.azp !== undefined && payload.azp !== clientId) fail('azp_mismatch', ID_TOKEN_PROBLEM.azp);
    if (payload.iat! > now + clockToleranceSeconds) fail('issued_in_future', ID_TOKEN_PROBLEM.issuedInFuture);
    if (expected.nonce !== undefined) {
      if (payload.nonce === undefined) fail('nonce_missing', ID_TOKEN_PROBLEM.nonceMissing);
      if (!equalInConstantTime(payload.nonce, expected.nonce)) fail('nonce_mismatch', ID_TOKEN_PROBLEM.nonce);
    }
    if (expected.accessToken !== undefined && payload.at_hash !== undefined) {
      const atHash = accessTokenHash(expected.accessToken, alg);
      if (atHash === undefined || payload.at_hash !== atHash) fail('at_hash_mismatch', ID_TOKEN_PROBLEM.atHash);
    }
    if (expected.subject !== undefined && payload.sub !== expected.subject)
      fail('subject_mismatch', ID_TOKEN_PROBLEM.subject);
  }

  /** The issuer, its `{tenantid}` filled with the token's `tid` (a non-empty string without `/`). */
  private issuerFor(payload: JWTPayload): string {
    const { issuer, provider } = this.options;
    if (!issuer.includes(TENANT_PLACEHOLDER)) return issuer;
    const tid = payload.tid;
    if (typeof tid !== 'string' || tid === '' || tid.includes('/'))
      throw idTokenError(provider, 'issuer_mismatch', ID_TOKEN_PROBLEM.tenant);
    // A function, so that a `$&` in the tenant id is not read as a replacement pattern.
    return issuer.replaceAll(TENANT_PLACEHOLDER, () => tid);
  }
}

/** `claim === expected` in time that depends on neither value: both are hashed to 32 bytes first. */
function equalInConstantTime(claim: unknown, expected: string): boolean {
  if (typeof claim !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(claim), digest(expected));
}
