// Floods of pending authorizations (issue 17 item 6), through FlowManager and the routes, on InMemoryStateStore and
// RedisStateStore: one user's 20,000 authorizations leave other users' flows alone, and the store holds that
// user's newest 10 and nothing more (SECURITY.md, P21 and "Availability").
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import {
  FlowManagerRegistry,
  InMemoryStateStore,
  RedisStateStore,
  type FlowManager,
  type StateStore,
} from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { cookiesFrom, startHttpApp, type RunningApp } from '../support/http-app.js';
import { deleteKeys, keysUnder, redisClient, uniquePrefix } from '../support/redis.js';
import { fakeClientOptions } from '../support/testing-module.js';

const FLOOD = 10_000;
const QUOTA = 10;

/** A state store under test, and what it holds: its pending states, and each owner index's size (Redis). */
interface FloodedStore {
  store: StateStore;
  pendingStates(): Promise<number>;
  ownerIndexSizes(): Promise<number[] | undefined>;
  teardown(): Promise<void>;
}

const stores: Array<[string, () => FloodedStore]> = [
  [
    'InMemoryStateStore',
    () => {
      const store = new InMemoryStateStore();
      return {
        store,
        pendingStates: async () => store.size,
        ownerIndexSizes: async () => undefined,
        teardown: async () => store.close(),
      };
    },
  ],
  [
    'RedisStateStore',
    () => {
      const client: Redis = redisClient();
      const prefix = uniquePrefix('pending-flood');
      const keys = async (kind: string) =>
        (await keysUnder(client, prefix)).filter((key) => key.startsWith(`${prefix}${kind}:`));
      return {
        store: new RedisStateStore(client, { keyPrefix: prefix }),
        pendingStates: async () => (await keys('state')).length,
        ownerIndexSizes: async () =>
          Promise.all((await keys('owner')).map((key) => client.zcard(key))).then((sizes) =>
            sizes.sort((a, b) => a - b),
          ),
        teardown: async () => {
          await deleteKeys(client, prefix);
          await client.quit();
        },
      };
    },
  ],
];

interface Flow {
  callback: string;
  cookie: string;
}

let provider: FakeProvider;
let running: RunningApp | undefined;
let flooded: FloodedStore | undefined;

beforeAll(async () => {
  provider = await FakeProvider.start();
});
afterAll(() => provider.close());
afterEach(async () => {
  await running?.close();
  await flooded?.teardown();
  running = undefined;
  flooded = undefined;
  provider.reset();
});

const get = (path: string, headers: Record<string, string>) =>
  fetch(`${running!.url}${path}`, { redirect: 'manual', headers });
const userHeader = (user: string | undefined): Record<string, string> => (user ? { 'x-user': user } : {});

/** authorize through the routes as `user` (none: anonymous), then the provider's consent. */
async function startFlow(user: string | undefined): Promise<Flow> {
  const response = await get('/oauth/fake/authorize', userHeader(user));
  expect(response.status).toBe(302);
  const query = await provider.authorize(response.headers.get('location')!);
  return { callback: `/oauth/fake/callback?${query}`, cookie: cookiesFrom(response) };
}

const finish = (flow: Flow, user: string | undefined) =>
  get(flow.callback, { ...userHeader(user), cookie: flow.cookie });

/** `count` authorizations as the routes make them (a fresh binding, and a browser id with a user), 200 at a time. */
async function flood(manager: FlowManager, user: string | undefined, count: number): Promise<string[]> {
  const states: string[] = [];
  for (let done = 0; done < count; done += 200) {
    const batch = Array.from({ length: Math.min(200, count - done) }, () =>
      manager.createAuthorizationUrl(user, {
        browserBinding: randomBytes(32).toString('base64url'),
        ...(user ? { browserId: randomBytes(32).toString('base64url') } : {}),
      }),
    );
    for (const { state } of await Promise.all(batch)) states.push(state);
  }
  return states;
}

async function start(store: FloodedStore, allowAnonymous = false): Promise<FlowManager> {
  flooded = store;
  running = await startHttpApp('express', {
    providers: { fake: fakeClientOptions(provider, 'fake') },
    stateStore: store.store,
    routes: { allowAnonymous },
  });
  return running.app.get(FlowManagerRegistry).get('fake');
}

describe.each(stores)('a flood of pending authorizations on %s', (_store, createStore) => {
  it(`one user's ${2 * FLOOD} authorizations leave another user's earlier and later flows working, and keep only its newest ${QUOTA}`, async () => {
    const manager = await start(createStore());
    const adaBefore = await startFlow('ada');

    const first = await flood(manager, 'mallory', FLOOD);
    // Through the routes as well: the same user, without keeping the cookie.
    for (let i = 0; i < 50; i++) await startFlow('mallory');
    const afterTenThousand = await flooded!.pendingStates();
    expect(afterTenThousand).toBe(1 + QUOTA);

    const second = await flood(manager, 'mallory', FLOOD);
    expect(await flooded!.pendingStates()).toBe(afterTenThousand);
    const indexes = await flooded!.ownerIndexSizes();
    if (indexes) expect(indexes).toEqual([1, QUOTA]);

    // Only the flooder's newest are live; its oldest went first.
    expect(await manager.checkUserState('mallory', first[0]!)).toBe(false);
    expect(await manager.checkUserState('mallory', second.at(-QUOTA - 1)!)).toBe(false);
    for (const state of second.slice(-QUOTA)) expect(await manager.checkUserState('mallory', state)).toBe(true);

    // Another user's flow started before the flood, and one started after it, both complete.
    const bob = await startFlow('bob');
    expect((await finish(bob, 'bob')).status).toBe(302);
    expect((await finish(adaBefore, 'ada')).status).toBe(302);
    expect(provider.requestsTo('/oauth/token')).toHaveLength(2);
  }, 60_000);
});

describe('an anonymous flood on InMemoryStateStore', () => {
  it(`(no user, no browser id: no quota applies) fills the store to maxEntries and no further; authorize keeps answering 302`, async () => {
    const store = new InMemoryStateStore({ maxEntries: 500 });
    const manager = await start(
      {
        store,
        pendingStates: async () => store.size,
        ownerIndexSizes: async () => undefined,
        teardown: async () => store.close(),
      },
      true,
    );
    await flood(manager, undefined, FLOOD);
    expect(store.size).toBe(500);
    // A full store evicts its oldest rather than refusing: a new flow, signed in or anonymous, starts and completes.
    for (const user of ['bob', undefined]) {
      const flow = await startFlow(user);
      expect(store.size).toBe(500);
      expect((await finish(flow, user)).status).toBe(302);
      expect(store.size).toBe(499);
    }
    expect(provider.requestsTo('/oauth/token')).toHaveLength(2);
  });
});
