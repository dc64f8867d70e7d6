import { HttpService } from '@nestjs/axios';
import type { Provider } from '@nestjs/common';
import { RESOLVED_OPTIONS } from '../auth-code-flow.constants.js';
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
  return PROXY_VARIABLES.some((name) => env[name]) ? 'http-service' : 'node-http';
}

export const tokenTransportProvider: Provider = {
  provide: TOKEN_HTTP_TRANSPORT,
  useFactory: (options: ResolvedModuleOptions, http: HttpService): TokenHttpTransport => {
    const configured = options.tokenTransport;
    if (typeof configured === 'object') return configured;
    return chooseTokenTransport(configured) === 'http-service' ? new HttpServiceTokenTransport(http) : new NodeHttpTokenTransport();
  },
  inject: [RESOLVED_OPTIONS, HttpService],
};
