import { createPrivateKey, createPublicKey, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { types } from 'node:util';
import { isRecord } from '../utils/is-record.util.js';
import type { DpopAlgorithm, ResolvedDpopOptions } from './resolved-options.interface.js';
import { optionalBoolean } from './validators.util.js';

const KEY_PROBLEM =
  'must be an EC P-256 (ES256), RSA of 2048 bits or more (PS256, RS256) or Ed25519 (EdDSA) private key, as a JWK or a KeyObject';
const MIN_RSA_BITS = 2048;

/**
 * The DPoP options of `providers.{name}` (`at`), checked: `dpop` (RFC 9449), `dpopBindAuthorizationCode` and
 * `requireDpopBoundTokens`. A given key is imported here, once; no problem quotes any part of it.
 */
export function resolveDpopOptions(
  raw: Record<string, unknown>,
  at: string,
  problems: string[],
): ResolvedDpopOptions | undefined {
  const bindAuthorizationCode =
    optionalBoolean(raw.dpopBindAuthorizationCode, `${at}.dpopBindAuthorizationCode`, problems) ?? false;
  const requireBoundTokens =
    optionalBoolean(raw.requireDpopBoundTokens, `${at}.requireDpopBoundTokens`, problems) ?? false;
  const { dpop } = raw;
  if (dpop === undefined || dpop === false) {
    if (bindAuthorizationCode) problems.push(`${at}.dpopBindAuthorizationCode needs ${at}.dpop`);
    if (requireBoundTokens) problems.push(`${at}.requireDpopBoundTokens needs ${at}.dpop`);
    return undefined;
  }
  if (dpop === true) return { algorithm: 'ES256', bindAuthorizationCode, requireBoundTokens };
  if (!isRecord(dpop)) {
    problems.push(`${at}.dpop must be true, false or { privateKey }`);
    return undefined;
  }
  for (const key of Object.keys(dpop)) {
    if (key !== 'privateKey') problems.push(`${at}.dpop.${key.slice(0, 64)} is not a known option`);
  }
  const key = importPrivateKey(dpop.privateKey);
  if (key === undefined) {
    problems.push(`${at}.dpop.privateKey ${KEY_PROBLEM}`);
    return undefined;
  }
  const resolved: ResolvedDpopOptions = { algorithm: key.algorithm, bindAuthorizationCode, requireBoundTokens };
  // Not enumerable: JSON.stringify and object spreads of the configuration leave the key out.
  Object.defineProperty(resolved, 'privateKey', { value: key.privateKey, enumerable: false });
  return resolved;
}

/** The key as a private `KeyObject` and the algorithm its proofs use, or undefined when it cannot sign them. */
function importPrivateKey(value: unknown): { privateKey: KeyObject; algorithm: DpopAlgorithm } | undefined {
  let privateKey: KeyObject;
  let jwkAlgorithm: unknown;
  if (types.isKeyObject(value)) {
    privateKey = value as KeyObject;
  } else if (isRecord(value) && !types.isCryptoKey(value)) {
    try {
      privateKey = createPrivateKey({ key: value as JsonWebKey, format: 'jwk' });
    } catch {
      // Node's message may quote the JWK's members: it is not kept.
      return undefined;
    }
    jwkAlgorithm = value.alg;
  } else return undefined;
  if (privateKey.type !== 'private') return undefined;
  const algorithm = algorithmOf(privateKey);
  if (algorithm === undefined || !signsForItsPublicKey(privateKey)) return undefined;
  if (jwkAlgorithm === undefined || jwkAlgorithm === algorithm) return { privateKey, algorithm };
  if (algorithm === 'PS256' && jwkAlgorithm === 'RS256' && privateKey.asymmetricKeyType === 'rsa')
    return { privateKey, algorithm: 'RS256' };
  if (algorithm === 'EdDSA' && jwkAlgorithm === 'Ed25519') return { privateKey, algorithm };
  return undefined;
}

/**
 * A JWK's private and public members may not belong together (Node does not check): then every proof, whose
 * `jwk` header is the public part, would fail. One signature, verified, shows they do.
 */
function signsForItsPublicKey(privateKey: KeyObject): boolean {
  const data = Buffer.alloc(32, 0x2a);
  const digest = privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  try {
    return verify(digest, data, createPublicKey(privateKey), sign(digest, data, privateKey));
  } catch {
    return false;
  }
}

/** ES256 for P-256, EdDSA for Ed25519, PS256 for RSA (FAPI 2.0 does not allow RS256): RFC 9449 §4.2's `alg`. */
function algorithmOf(key: KeyObject): DpopAlgorithm | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      return details.namedCurve === 'prime256v1' ? 'ES256' : undefined;
    case 'ed25519':
      return 'EdDSA';
    case 'rsa':
      return (details.modulusLength ?? 0) >= MIN_RSA_BITS ? 'PS256' : undefined;
    case 'rsa-pss': {
      const restricted = details.hashAlgorithm !== undefined && details.hashAlgorithm !== 'sha256';
      return (details.modulusLength ?? 0) >= MIN_RSA_BITS && !restricted ? 'PS256' : undefined;
    }
    default:
      return undefined;
  }
}
