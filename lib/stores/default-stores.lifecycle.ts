import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { RESOLVED_OPTIONS, STATE_STORE } from '../auth-code-flow.constants.js';
import type { ResolvedModuleOptions } from '../options/resolved-options.interface.js';
import { InMemoryStateStore } from './in-memory-state.store.js';
import type { StateStore } from './state-store.interface.js';

/** Stops the sweep timer of the in-memory state store the module created itself; stores an app passes in are the app's. */
@Injectable()
export class DefaultStoresLifecycle implements OnModuleDestroy {
  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedModuleOptions,
    @Inject(STATE_STORE) private readonly stateStore: StateStore,
  ) {}

  onModuleDestroy(): void {
    if (this.options.stateStore === undefined && this.stateStore instanceof InMemoryStateStore) this.stateStore.close();
  }
}
