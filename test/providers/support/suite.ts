import { afterEach } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import type { FlowManager, FlowManagerOptions } from '../../../lib/index.js';
import { moduleWith } from './preset-fake.js';

/** Opens the real module for one preset per test and closes it after each test. */
export function moduleOpener(name: string): (options: FlowManagerOptions) => Promise<FlowManager> {
  let moduleRef: TestingModule | undefined;
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });
  return async (options) => {
    const opened = await moduleWith(name, options);
    moduleRef = opened.moduleRef;
    return opened.manager;
  };
}

export function endpointOf(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
