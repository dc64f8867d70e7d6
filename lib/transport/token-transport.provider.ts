import type { Provider } from '@nestjs/common';
import { RESOLVED_OPTIONS } from '../auth-code-flow.constants.js';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { HTTP_SERVICE_PEERS_MISSING, INVALID_OPTIONS } from '../auth-code-flow.messages.js';
import type { TokenTransportName } from '../interfaces/auth-code-flow-module-options.interface.js';
import type { ResolvedModuleOptions } from '../options/resolved-options.interface.js';
import { HttpServiceTokenTransport } from './http-service.transport.js';
import { NodeHttpTokenTransport } from './node-http.transport.js';
import type { TokenHttpTransport } from './token-http.transport.js';

/** Injection token of the {@link TokenHttpTransport} that sends token, refresh and revocation requests. */
export const TOKEN_HTTP_TRANSPORT = Symbol('AUTH_CODE_FLOW_TOKEN_HTTP_TRANSPORT');

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];

/** The configured transport; unset, `node-http` unless an HTTP(S) proxy is configured in the environment. */
export function chooseTokenTransport(configured: TokenTransportName | undefined, env: NodeJS.ProcessEnv = process.env): TokenTransportName {
  if (configured) return configured;
  return proxyVariableOf(env) ? 'http-service' : 'node-http';
}

function proxyVariableOf(env: NodeJS.ProcessEnv): string | undefined {
  return PROXY_VARIABLES.find((name) => env[name]);
}

/**
 * The transport, chosen when the module starts. `@nestjs/axios` and axios are loaded only here, and only
 * for `'http-service'`: with the default transport neither package is ever imported.
 */
export const tokenTransportProvider: Provider = {
  provide: TOKEN_HTTP_TRANSPORT,
  useFactory: async (options: ResolvedModuleOptions): Promise<TokenHttpTransport> => {
    const configured = options.tokenTransport;
    if (typeof configured === 'object') return configured;
    return chooseTokenTransport(configured) === 'http-service' ? createHttpServiceTransport(configured) : new NodeHttpTokenTransport();
  },
  inject: [RESOLVED_OPTIONS],
};

/**
 * `HttpService` over an axios instance of our own: interceptors an app adds to the global axios (say, a
 * request logger) never see token requests, whose bodies hold the secret, code and verifier.
 */
async function createHttpServiceTransport(configured: TokenTransportName | undefined): Promise<HttpServiceTokenTransport> {
  let peers: [typeof import('@nestjs/axios'), typeof import('axios')];
  try {
    peers = await Promise.all([import('@nestjs/axios'), import('axios')]);
  } catch (error) {
    // Optional peers: an app that never uses this transport need not install them.
    if ((error as { code?: unknown } | null)?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    const problem = HTTP_SERVICE_PEERS_MISSING(configured === undefined ? proxyVariableOf(process.env) : undefined);
    throw new AuthCodeFlowConfigError([problem], INVALID_OPTIONS([problem]));
  }
  const [{ HttpService }, { default: axios }] = peers;
  return new HttpServiceTokenTransport(new HttpService(axios.create()));
}
