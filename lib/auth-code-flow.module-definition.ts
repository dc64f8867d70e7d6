import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AuthCodeFlowModuleOptions } from './interfaces/auth-code-flow-module-options.interface.js';

/** Registration-time options of both `forRoot` and `forRootAsync`, read before any factory runs. */
export interface AuthCodeFlowModuleExtras {
  /** Register the module globally. @default false */
  isGlobal?: boolean;
}

/**
 * What `forRootAsync({ useClass })` and `forRootAsync({ useExisting })` take: a provider whose
 * `createAuthCodeFlowOptions()` returns the module options.
 *
 * ```ts
 * @Injectable()
 * class AuthCodeFlowConfig implements AuthCodeFlowOptionsFactory {
 *   constructor(private readonly config: ConfigService) {}
 *   createAuthCodeFlowOptions(): AuthCodeFlowModuleOptions {
 *     return { providers: { github: github({ clientId: this.config.getOrThrow('GITHUB_CLIENT_ID'), ... }) } };
 *   }
 * }
 * ```
 */
export interface AuthCodeFlowOptionsFactory {
  createAuthCodeFlowOptions(): AuthCodeFlowModuleOptions | Promise<AuthCodeFlowModuleOptions>;
}

export const {
  ConfigurableModuleClass: ConfigurableAuthCodeFlowModule,
  MODULE_OPTIONS_TOKEN: AUTH_CODE_FLOW_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthCodeFlowModuleOptions>({ moduleName: 'AuthCodeFlow' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAuthCodeFlowOptions')
  .setExtras<AuthCodeFlowModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
