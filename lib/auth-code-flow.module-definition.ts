import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AuthCodeFlowModuleOptions } from './interfaces/auth-code-flow-module-options.interface.js';

/** Registration-time options, read before any factory runs. */
export interface AuthCodeFlowModuleExtras {
  /** Register the module globally. @default false */
  isGlobal?: boolean;
  /**
   * `forRootAsync` only, and required there: the provider names the factory will configure, known now so
   * that each gets its injection token (`@InjectFlowManager(name)`).
   */
  providerNames?: string[];
}

export const {
  ConfigurableModuleClass: ConfigurableAuthCodeFlowModule,
  MODULE_OPTIONS_TOKEN: AUTH_CODE_FLOW_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthCodeFlowModuleOptions>({ moduleName: 'AuthCodeFlow' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAuthCodeFlowOptions')
  .setExtras<AuthCodeFlowModuleExtras>({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
