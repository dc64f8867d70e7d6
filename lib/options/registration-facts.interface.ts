import type { RoutesOptions } from '../interfaces/auth-code-flow-module-options.interface.js';

/** What the module registered before the options were known (`forRootAsync`): they must agree. */
export interface RegistrationFacts {
  providerNames?: readonly string[];
  /** The controller's prefix, or false when no controller was registered. */
  routesPath?: string | false;
  /** The guard class the controller was registered with (`forRootAsync`'s `routes.guard`). */
  routesGuard?: RoutesOptions['guard'];
}
