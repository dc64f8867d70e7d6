import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { FlowManagerRegistry, getFlowManagerToken, type FlowManager } from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';

describe('FlowManager against a loopback provider', () => {
  let provider: FakeProvider;
  let moduleRef: TestingModule;
  let manager: FlowManager;

  beforeAll(async () => {
    provider = await FakeProvider.start();
  });
  afterAll(() => provider.close());
  afterEach(() => moduleRef?.close());

  it('runs the two-call flow and stores the tokens', async () => {
    moduleRef = await compileWith({ providers: { fake: fakeClientOptions(provider) } });
    manager = moduleRef.get<FlowManager>(getFlowManagerToken('fake'));
    expect(moduleRef.get(FlowManagerRegistry).get('fake')).toBe(manager);
    const { url, state } = await manager.createAuthorizationUrl('ada', { returnTo: '/done' });
    const callback = await provider.authorize(url);
    expect(callback.get('state')).toBe(state);
    const { tokens, returnTo } = await manager.handleCallback('ada', callback);
    expect(returnTo).toBe('/done');
    expect(tokens.accessToken).toMatch(/^access-/);
    expect(await manager.getTokens('ada')).toEqual(tokens);
  });
});
