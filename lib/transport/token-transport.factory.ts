import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { HTTP_SERVICE_PEERS_MISSING, INVALID_OPTIONS } from '../auth-code-flow.messages.js';
import type { TokenTransportName } from '../interfaces/auth-code-flow-module-options.interface.js';
import type { TokenHttpTransport } from '../interfaces/token-http-transport.interface.js';
import { HttpServiceTokenTransport } from './http-service.transport.js';
import { NodeHttpTokenTransport } from './node-http.transport.js';

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];

/** The configured transport; unset, `node-http` unless an HTTP(S) proxy is configured in the environment. */
export function chooseTokenTransport(
  configured: TokenTransportName | undefined,
  env: NodeJS.ProcessEnv = process.env,
): TokenTransportName {
  if (configured) return configured;
  return proxyVariableOf(env) ? 'http-service' : 'node-http';
}

function proxyVariableOf(env: NodeJS.ProcessEnv): string | undefined {
  return PROXY_VARIABLES.find((name) => env[name]);
}

/**
 * The transport the module uses: the app's own, or the named one, chosen when the module starts.
 * `@nestjs/axios` and axios are loaded only here, and only for `'http-service'`: with the default
 * transport neither package is ever imported.
 */
export async function createTokenTransport(
  configured: TokenTransportName | TokenHttpTransport | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TokenHttpTransport> {
  if (typeof configured === 'object') return configured;
  return chooseTokenTransport(configured, env) === 'http-service'
    ? createHttpServiceTransport(configured, env)
    : new NodeHttpTokenTransport();
}

/**
 * `HttpService` over an axios instance of our own: interceptors an app adds to the global axios (say, a
 * request logger) never see token requests, whose bodies hold the secret, code and verifier.
 */
async function createHttpServiceTransport(
  configured: TokenTransportName | undefined,
  env: NodeJS.ProcessEnv,
): Promise<HttpServiceTokenTransport> {
  let peers: [typeof import('@nestjs/axios'), typeof import('axios')];
  try {
    peers = await Promise.all([import('@nestjs/axios'), import('axios')]);
  } catch (error) {
    // Optional peers: an app that never uses this transport need not install them.
    if ((error as { code?: unknown } | null)?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    const problem = HTTP_SERVICE_PEERS_MISSING(configured === undefined ? proxyVariableOf(env) : undefined);
    throw new AuthCodeFlowConfigError([problem], INVALID_OPTIONS([problem]));
  }
  const [{ HttpService }, { default: axios }] = peers;
  return new HttpServiceTokenTransport(new HttpService(axios.create()));
}
