import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { INVALID_OPTIONS } from '../auth-code-flow.messages.js';
import type { ClientAssertionAlgorithm, ClientAuthMethod } from '../interfaces/flow-manager-options.interface.js';
import { ClientAssertionKey, type ClientKeyType } from './client-assertion-key.js';
import type { ResolvedClientAssertion, ResolvedModuleOptions } from './resolved-options.interface.js';
import { optionalString } from './validators.util.js';

const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_post',
  'client_secret_basic',
  'none',
  'private_key_jwt',
  'client_secret_jwt',
];
const JWT_METHODS: ReadonlySet<ClientAuthMethod> = new Set(['private_key_jwt', 'client_secret_jwt']);
const SECRET_METHODS: ReadonlySet<ClientAuthMethod> = new Set([
  'client_secret_post',
  'client_secret_basic',
  'client_secret_jwt',
]);
const AUDIENCES = ['issuer', 'token_endpoint'] as const;

/**
 * What each kind of key signs with (RFC 7518 §3.1, RFC 8037, RFC 9864), by preference: the first is the default,
 * and the metadata's list may pick a later one. PS* are never the default for RSA: RS256 is what every server takes.
 */
export const ASSERTION_ALGORITHMS: Readonly<Record<ClientKeyType | 'secret', readonly ClientAssertionAlgorithm[]>> = {
  RSA: ['RS256', 'PS256', 'RS384', 'PS384', 'RS512', 'PS512'],
  'P-256': ['ES256'],
  'P-384': ['ES384'],
  'P-521': ['ES512'],
  Ed25519: ['EdDSA', 'Ed25519'],
  secret: ['HS256', 'HS384', 'HS512'],
};
const ALL_ALGORITHMS: ReadonlySet<string> = new Set(Object.values(ASSERTION_ALGORITHMS).flat());

/** `clientAuthMethod` and, for the JWT methods, how the assertions are signed. */
export interface ResolvedClientAuthentication {
  clientAuthMethod: ClientAuthMethod;
  clientAssertion?: ResolvedClientAssertion;
}

/**
 * The client authentication options of `providers.{name}` (`at`), checked: the method (`private_key_jwt` by default
 * with a `clientPrivateKey`), its secret or key, and for the JWT methods the algorithm, key id and audience.
 */
export function resolveClientAuthentication(
  raw: Record<string, unknown>,
  at: string,
  clientSecret: string | undefined,
  issuer: string | undefined,
  problems: string[],
): ResolvedClientAuthentication {
  let method: ClientAuthMethod =
    raw.clientPrivateKey !== undefined ? 'private_key_jwt' : clientSecret === undefined ? 'none' : 'client_secret_post';
  if (raw.clientAuthMethod !== undefined) {
    if (CLIENT_AUTH_METHODS.includes(raw.clientAuthMethod as ClientAuthMethod))
      method = raw.clientAuthMethod as ClientAuthMethod;
    else problems.push(`${at}.clientAuthMethod must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
  }
  if (SECRET_METHODS.has(method) && clientSecret === undefined)
    problems.push(`${at}.clientSecret is required with clientAuthMethod ${method}`);
  if (method === 'private_key_jwt' && raw.clientPrivateKey === undefined)
    problems.push(`${at}.clientPrivateKey is required with clientAuthMethod private_key_jwt`);
  if (method !== 'private_key_jwt') {
    for (const key of ['clientPrivateKey', 'clientKeyId'] as const)
      if (raw[key] !== undefined) problems.push(`${at}.${key} applies only to clientAuthMethod private_key_jwt`);
  }
  if (!JWT_METHODS.has(method)) {
    for (const key of ['clientAssertionAlgorithm', 'clientAssertionAudience'] as const)
      if (raw[key] !== undefined)
        problems.push(`${at}.${key} applies only to clientAuthMethod private_key_jwt or client_secret_jwt`);
    return { clientAuthMethod: method };
  }

  const before = problems.length;
  const keyId = optionalString(raw.clientKeyId, `${at}.clientKeyId`, problems);
  const parsed =
    method === 'private_key_jwt' && raw.clientPrivateKey !== undefined
      ? ClientAssertionKey.parse(raw.clientPrivateKey, `${at}.clientPrivateKey`, keyId, problems)
      : undefined;
  const fitting = ASSERTION_ALGORITHMS[parsed?.key.type ?? 'secret'];
  const algorithms = configuredAlgorithm(raw.clientAssertionAlgorithm, parsed?.jwkAlgorithm, fitting, at, problems);
  const audience = assertionAudience(raw.clientAssertionAudience, issuer, at, problems);
  if (problems.length > before || (method === 'private_key_jwt' && parsed === undefined))
    return { clientAuthMethod: method };
  const clientAssertion: ResolvedClientAssertion = { algorithm: algorithms[0]!, algorithms, audience };
  if (parsed !== undefined) clientAssertion.key = parsed.key;
  return { clientAuthMethod: method, clientAssertion };
}

/** The configured algorithm (the option, else the JWK's `alg`) alone, when it fits the key; else every fitting one. */
function configuredAlgorithm(
  option: unknown,
  jwkAlgorithm: string | undefined,
  fitting: readonly ClientAssertionAlgorithm[],
  at: string,
  problems: string[],
): readonly ClientAssertionAlgorithm[] {
  const fits = (value: unknown): value is ClientAssertionAlgorithm =>
    fitting.includes(value as ClientAssertionAlgorithm);
  if (option !== undefined) {
    if (fits(option)) return [option];
    if (typeof option !== 'string' || !ALL_ALGORITHMS.has(option))
      problems.push(`${at}.clientAssertionAlgorithm must be one of ${[...ALL_ALGORITHMS].join(', ')}`);
    else
      problems.push(
        `${at}.clientAssertionAlgorithm ${option} does not fit the key, which signs with ${fitting.join(', ')}`,
      );
  } else if (jwkAlgorithm !== undefined) {
    if (fits(jwkAlgorithm)) return [jwkAlgorithm];
    problems.push(
      `${at}.clientPrivateKey is a JWK whose alg is not one it signs client assertions with (${fitting.join(', ')})`,
    );
  }
  return fitting;
}

function assertionAudience(
  value: unknown,
  issuer: string | undefined,
  at: string,
  problems: string[],
): ResolvedClientAssertion['audience'] {
  if (value === undefined) return issuer === undefined ? 'token_endpoint' : 'issuer';
  if (!AUDIENCES.includes(value as (typeof AUDIENCES)[number])) {
    problems.push(`${at}.clientAssertionAudience must be one of ${AUDIENCES.join(', ')}`);
    return 'token_endpoint';
  }
  if (value === 'issuer' && issuer === undefined)
    problems.push(`${at}.clientAssertionAudience issuer needs ${at}.issuer`);
  return value as ResolvedClientAssertion['audience'];
}

/**
 * The assertion settings with the algorithm the metadata's `token_endpoint_auth_signing_alg_values_supported`
 * allows: the key's first (by {@link ASSERTION_ALGORITHMS}' preference, not the list's order, which RFC 8414 gives
 * no meaning) that the list holds, unless one is configured. Without one they stay as they are, and the server's
 * answer says what it thinks of them.
 */
export function withServerAlgorithms(
  assertion: ResolvedClientAssertion | undefined,
  supported: readonly string[] | undefined,
): ResolvedClientAssertion | undefined {
  if (assertion === undefined || supported === undefined || assertion.algorithms.length === 1) return assertion;
  const algorithm = assertion.algorithms.find((candidate) => supported.includes(candidate));
  return algorithm === undefined || algorithm === assertion.algorithm ? assertion : { ...assertion, algorithm };
}

/**
 * Imports every provider's client key and settles its key id (jose's `importJWK` and RFC 7638 thumbprint are
 * asynchronous), so that start-up fails on a key WebCrypto refuses and no request waits for it.
 */
export async function prepareClientKeys(options: ResolvedModuleOptions): Promise<ResolvedModuleOptions> {
  const problems: string[] = [];
  await Promise.all(
    [...options.providers.values()].map(async ({ name, clientAssertion }) => {
      try {
        await clientAssertion?.key?.ready(clientAssertion.algorithm);
      } catch {
        problems.push(
          `providers.${name}.clientPrivateKey is not a usable ${clientAssertion?.algorithm} key: WebCrypto refused it, ` +
            'or its private part does not belong to its public part',
        );
      }
    }),
  );
  if (problems.length > 0) throw new AuthCodeFlowConfigError(problems, INVALID_OPTIONS(problems));
  return options;
}
