import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { createHash } from 'node:crypto';
import {
  FlowManagerRegistry,
  InMemoryStateStore,
  type FlowManager,
  type PendingAuthorization,
  type StateStore,
} from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';

/** An in-memory store that also keeps every record it was given, to read what the flow manager saved. */
class RecordingStateStore extends InMemoryStateStore implements StateStore {
  readonly saved: PendingAuthorization[] = [];

  override async save(state: string, record: PendingAuthorization, ttlSeconds: number): Promise<void> {
    this.saved.push({ ...record });
    await super.save(state, record, ttlSeconds);
  }
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/** `FlowManager` says whose quota each pending authorization counts against (`PendingAuthorization.owner`). */
describe('the owner of a pending authorization', () => {
  let provider: FakeProvider;
  let moduleRef: TestingModule;
  let store: RecordingStateStore;
  let github: FlowManager;
  let gitlab: FlowManager;

  beforeAll(async () => {
    provider = await FakeProvider.start();
  });
  afterAll(() => provider.close());

  async function compile(): Promise<void> {
    store = new RecordingStateStore();
    moduleRef = await compileWith({
      providers: { github: fakeClientOptions(provider, 'github'), gitlab: fakeClientOptions(provider, 'gitlab') },
      stateStore: store,
    });
    const registry = moduleRef.get(FlowManagerRegistry);
    [github, gitlab] = [registry.get('github'), registry.get('gitlab')];
  }
  afterEach(async () => {
    await moduleRef?.close();
    store?.close();
    provider.reset();
  });

  it('is the user when there is one, with or without a browser id', async () => {
    await compile();
    await github.createAuthorizationUrl('ada', { browserId: 'browser-1' });
    await github.createAuthorizationUrl('ada');
    await github.storeUserState('bob', github.makeState());
    expect(store.saved.map((record) => record.owner)).toEqual(['user:ada', 'user:ada', 'user:bob']);
  });

  it('is the hash of the browser id without a user, and the browser id itself is stored nowhere', async () => {
    await compile();
    const browserId = 'browser-id-value-7f3a';
    await github.createAuthorizationUrl(undefined, { browserId, browserBinding: 'binding-secret' });
    const [record] = store.saved;
    expect(record!.owner).toBe(`browser:${sha256(browserId)}`);
    expect(JSON.stringify(record)).not.toContain(browserId);
  });

  it('is absent without a user and without a browser id: no quota applies', async () => {
    await compile();
    await github.createAuthorizationUrl(undefined, { browserBinding: 'binding-secret' });
    expect(store.saved[0]).not.toHaveProperty('owner');
  });

  it.each([[''], [42], [null]])(
    'refuses a browser id that is not a non-empty string (%p), saving nothing',
    async (browserId) => {
      await compile();
      await expect(github.createAuthorizationUrl(undefined, { browserId: browserId as never })).rejects.toThrow(
        new TypeError('The browserId of createAuthorizationUrl must be a non-empty string.'),
      );
      expect(store.saved).toEqual([]);
    },
  );

  it('bounds one browser to 10 pending flows per provider: the 11th evicts the first, whose callback gets an invalid state', async () => {
    await compile();
    const flows = [];
    for (let i = 0; i < 11; i++)
      flows.push(await github.createAuthorizationUrl(undefined, { browserId: 'b1', browserBinding: `binding-${i}` }));
    const atGitlab = await gitlab.createAuthorizationUrl(undefined, {
      browserId: 'b1',
      browserBinding: 'gitlab-binding',
    });
    const other = await github.createAuthorizationUrl(undefined, { browserId: 'b2', browserBinding: 'other-binding' });
    await expect(
      github.handleCallback(undefined, await provider.authorize(flows[0]!.url), { browserBinding: 'binding-0' }),
    ).rejects.toMatchObject({
      code: 'invalid_state',
      reason: 'unknown_or_expired',
    });
    await github.handleCallback(undefined, await provider.authorize(flows[1]!.url), { browserBinding: 'binding-1' });
    await github.handleCallback(undefined, await provider.authorize(flows[10]!.url), { browserBinding: 'binding-10' });
    await gitlab.handleCallback(undefined, await provider.authorize(atGitlab.url), {
      browserBinding: 'gitlab-binding',
    });
    await github.handleCallback(undefined, await provider.authorize(other.url), { browserBinding: 'other-binding' });
    expect(provider.requestsTo('/oauth/token')).toHaveLength(4);
  });

  it('bounds one user to 10 pending flows per provider, through the seed API too', async () => {
    await compile();
    const states = Array.from({ length: 11 }, () => github.makeState());
    for (const state of states) await github.storeUserState('ada', state);
    expect(await github.checkUserState('ada', states[0]!)).toBe(false);
    for (const state of states.slice(1)) expect(await github.checkUserState('ada', state)).toBe(true);
  });
});
