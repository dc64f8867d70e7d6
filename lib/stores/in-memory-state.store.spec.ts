import { afterEach, describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { InMemoryStateStore } from './in-memory-state.store.js';
import type { PendingAuthorization } from '../interfaces/state-store.interface.js';
import { propertyRuns } from '../../test/support/property-runs.js';

const record = (user: string, owner?: string): PendingAuthorization => ({
  provider: 'p',
  user,
  createdAt: Date.now(),
  ...(owner ? { owner } : {}),
});
/** The store's per-owner index: every state in it must be held, and every set non-empty. */
interface Linked {
  state: string;
  ownerNewer: Linked | undefined;
}
/** The store's per-owner queues, walked oldest first, keyed by `[provider, owner]` as JSON. */
const ownerIndex = (store: InMemoryStateStore) => {
  const owners = (
    store as unknown as { owners: Map<string, Map<string, { oldest: Linked | undefined; size: number }>> }
  ).owners;
  const index = new Map<string, Set<string>>();
  for (const [provider, byOwner] of owners) {
    if (byOwner.size === 0) index.set(JSON.stringify([provider]), new Set());
    for (const [owner, queue] of byOwner) {
      const states = new Set<string>();
      for (let entry = queue.oldest; entry; entry = entry.ownerNewer) states.add(entry.state);
      if (states.size !== queue.size)
        throw new Error(`the queue of ${owner} counts ${queue.size} but links ${states.size}`);
      index.set(JSON.stringify([provider, owner]), states);
    }
  }
  return index;
};
const indexedStates = (store: InMemoryStateStore) => [...ownerIndex(store).values()].flatMap((states) => [...states]);

/** What must hold after every operation; plain checks rather than `expect`, which is slow in a loop. */
function invariantProblem(
  store: InMemoryStateStore,
  entries: Map<string, { record: PendingAuthorization }>,
  maxEntries: number,
  perOwner: number,
): string {
  if (store.size !== entries.size) return `size ${store.size} but ${entries.size} entries`;
  if (store.size > maxEntries) return `${store.size} entries, above maxEntries`;
  const order = (
    store as unknown as { order: { oldest: (Linked & { newer: Linked | undefined }) | undefined; size: number } }
  ).order;
  const linked: string[] = [];
  for (let entry = order.oldest; entry; entry = entry.newer as typeof entry) linked.push(entry.state);
  // The Map's own order is the save order too (a state saved again is deleted first), so both must agree.
  if (linked.join() !== [...entries.keys()].join() || order.size !== entries.size)
    return `the save order links [${linked.join()}]`;
  const owned = [...entries]
    .filter(([, entry]) => entry.record.owner !== undefined)
    .map(([state]) => state)
    .sort();
  const indexed = indexedStates(store).sort();
  if (owned.join() !== indexed.join()) return `index holds [${indexed.join()}], owned records are [${owned.join()}]`;
  for (const [key, states] of ownerIndex(store)) {
    if (states.size === 0 || states.size > perOwner) return `owner ${key} has ${states.size} states`;
    for (const state of states) {
      const { provider, owner } = entries.get(state)!.record;
      if (JSON.stringify([provider, owner]) !== key) return `state ${state} indexed under ${key}`;
    }
  }
  return '';
}

describe('InMemoryStateStore', () => {
  const stores: InMemoryStateStore[] = [];
  const create = (options?: ConstructorParameters<typeof InMemoryStateStore>[0]) => {
    const store = new InMemoryStateStore(options);
    stores.push(store);
    return store;
  };
  afterEach(() => {
    jest.useRealTimers();
    stores.splice(0).forEach((store) => store.close());
  });

  it('peeks without consuming and consumes once', async () => {
    const store = create();
    await store.save('s1', record('ada'), 60);
    expect(await store.peek('s1')).toMatchObject({ user: 'ada' });
    expect(await store.consume('s1')).toMatchObject({ user: 'ada' });
    expect(await store.consume('s1')).toBeUndefined();
    expect(await store.peek('s1')).toBeUndefined();
  });

  it('gives the record to exactly one of 50 concurrent consumers', async () => {
    const store = create();
    await store.save('s', record('ada'), 60);
    const results = await Promise.all(Array.from({ length: 50 }, () => store.consume('s')));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('keeps a copy, so callers cannot change a stored record', async () => {
    const store = create();
    const original = record('ada');
    await store.save('s', original, 60);
    original.user = 'mallory';
    const peeked = await store.peek('s');
    peeked!.user = 'eve';
    expect((await store.consume('s'))?.user).toBe('ada');
  });

  it('expires records after their TTL', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const store = create();
    await store.save('s', record('ada'), 10);
    jest.setSystemTime(1_000_000 + 9_999);
    expect(await store.peek('s')).toBeDefined();
    jest.setSystemTime(1_000_000 + 10_000);
    expect(await store.consume('s')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('when full, evicts the oldest record instead of refusing the save', async () => {
    const store = create({ maxEntries: 3 });
    for (const state of ['a', 'b', 'c', 'd', 'e']) await store.save(state, record(state), 100);
    expect(store.size).toBe(3);
    expect(await store.peek('a')).toBeUndefined();
    expect(await store.peek('b')).toBeUndefined();
    expect(
      (await Promise.all(['c', 'd', 'e'].map((state) => store.consume(state)))).map((found) => found?.user),
    ).toEqual(['c', 'd', 'e']);
  });

  it('counts a state saved again as new, for the age of both bounds', async () => {
    const store = create({ maxEntries: 2, maxPendingPerOwner: 2 });
    await store.save('a', record('a', 'user:ada'), 100);
    await store.save('b', record('b', 'user:ada'), 100);
    await store.save('a', record('a2', 'user:ada'), 100);
    await store.save('c', record('c', 'user:ada'), 100);
    expect(await store.peek('b')).toBeUndefined();
    expect((await store.peek('a'))?.user).toBe('a2');
    expect(store.size).toBe(2);
    expect(indexedStates(store).sort()).toEqual(['a', 'c']);
  });

  it("moves a state saved again under another owner out of its first owner's index", async () => {
    const store = create();
    await store.save('s', record('ada', 'user:ada'), 100);
    await store.save('s', record('ada', 'browser:b'), 100);
    expect(ownerIndex(store).size).toBe(1);
    expect([...ownerIndex(store).keys()]).toEqual([JSON.stringify(['p', 'browser:b'])]);
  });

  it("evicts an owner's oldest beyond maxPendingPerOwner, per provider, and leaves other owners alone", async () => {
    const store = create({ maxPendingPerOwner: 2 });
    await store.save('bob-1', record('bob', 'user:bob'), 100);
    await store.save('ada-1', record('ada', 'user:ada'), 100);
    await store.save('ada-other-provider', { ...record('ada', 'user:ada'), provider: 'q' }, 100);
    await store.save('ada-2', record('ada', 'user:ada'), 100);
    await store.save('ada-3', record('ada', 'user:ada'), 100);
    expect(await store.peek('ada-1')).toBeUndefined();
    for (const state of ['bob-1', 'ada-other-provider', 'ada-2', 'ada-3'])
      expect(await store.peek(state)).toBeDefined();
    expect(store.size).toBe(4);
  });

  it('empties the owner index as records are consumed, expire, are swept or evicted', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const store = create({ maxEntries: 4, maxPendingPerOwner: 2 });
    await store.save('consumed', record('a', 'user:a'), 10);
    await store.consume('consumed');
    expect(ownerIndex(store).size).toBe(0);
    await store.save('expired', record('b', 'user:b'), 10);
    await store.save('swept', record('c', 'user:c'), 10);
    jest.setSystemTime(1_000_000 + 10_000);
    expect(await store.peek('expired')).toBeUndefined();
    expect(indexedStates(store)).toEqual(['swept']);
    store.sweep();
    expect(ownerIndex(store).size).toBe(0);
    for (const state of ['e1', 'e2', 'e3', 'e4']) await store.save(state, record(state, `user:${state}`), 10);
    await store.save('e5', record('e5'), 10);
    expect(indexedStates(store).sort()).toEqual(['e2', 'e3', 'e4']);
    expect(store.size).toBe(4);
  });

  it('property: under any saves, consumes, expiries and sweeps, a save evicts exactly the oldest past a bound; nothing leaks', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    type Step =
      | { kind: 'save'; state: number; owner: number; provider: number; ttl: number }
      | { kind: 'consume' | 'peek'; state: number }
      | { kind: 'advance'; ms: number }
      | { kind: 'sweep' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant('save' as const),
          state: fc.nat(30),
          owner: fc.nat(3),
          provider: fc.nat(1),
          ttl: fc.integer({ min: 1, max: 20 }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({ kind: fc.constantFrom('consume' as const, 'peek' as const), state: fc.nat(30) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 8_000 }) }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const) }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 120, size: 'max' }), async (steps) => {
        const store = create({ maxEntries: 12, maxPendingPerOwner: 3 });
        const entries = (store as unknown as { entries: Map<string, { record: PendingAuthorization }> }).entries;
        for (const next of steps) {
          if (next.kind === 'save') {
            const [state, provider, owner] = [
              `s${next.state}`,
              `p${next.provider}`,
              next.owner === 0 ? undefined : `user:${next.owner}`,
            ];
            // What the save must evict: the owner's oldest past its quota, else the store's oldest past maxEntries.
            const rest = [...entries.keys()].filter((key) => key !== state);
            const sameOwner = rest.filter((key) => {
              const held = entries.get(key)!.record;
              return owner !== undefined && held.owner === owner && held.provider === provider;
            });
            const expected = sameOwner.length >= 3 ? [sameOwner[0]] : rest.length >= 12 ? [rest[0]] : [];
            await store.save(state, { ...record('u', owner), provider }, next.ttl);
            const evicted = rest.filter((key) => !entries.has(key));
            if (evicted.join() !== expected.join()) {
              throw new Error(`saving ${state} evicted [${evicted.join()}], not [${expected.join()}]`);
            }
          } else if (next.kind === 'consume') await store.consume(`s${next.state}`);
          else if (next.kind === 'peek') await store.peek(`s${next.state}`);
          else if (next.kind === 'advance') jest.setSystemTime(Date.now() + next.ms);
          else store.sweep();
          const problem = invariantProblem(store, entries, 12, 3);
          if (problem) throw new Error(`after ${JSON.stringify(next)}: ${problem}`);
        }
        store.close();
      }),
      propertyRuns(200),
    );
  });

  it('sweeps expired records on its timer, which does not keep the process alive', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const store = create({ sweepIntervalMs: 1_000 });
    await store.save('a', record('a'), 1);
    await store.save('b', record('b'), 1);
    expect(store.size).toBe(2);
    jest.advanceTimersByTime(2_000);
    expect(store.size).toBe(0);
    expect((store as unknown as { sweepTimer: NodeJS.Timeout }).sweepTimer.hasRef()).toBe(false);
  });

  it.each([
    [{ maxEntries: 0 }, 'InMemoryStateStore: maxEntries must be a positive integer'],
    [{ maxEntries: 1.5 }, 'InMemoryStateStore: maxEntries must be a positive integer'],
    [{ maxPendingPerOwner: 0 }, 'InMemoryStateStore: maxPendingPerOwner must be a positive integer'],
    [{ maxPendingPerOwner: Number.NaN }, 'InMemoryStateStore: maxPendingPerOwner must be a positive integer'],
    [{ maxPendingPerOwner: '10' }, 'InMemoryStateStore: maxPendingPerOwner must be a positive integer'],
  ])('rejects bad options (%p)', (options, message) => {
    expect(() => new InMemoryStateStore(options as never)).toThrow(AuthCodeFlowConfigError);
    expect(() => new InMemoryStateStore(options as never)).toThrow(message);
  });

  it('names every problem of its options in one AuthCodeFlowConfigError', () => {
    expect(() => new InMemoryStateStore({ maxEntries: 0, maxPendingPerOwner: '10' } as never)).toThrow(
      expect.objectContaining({
        problems: [
          'InMemoryStateStore: maxEntries must be a positive integer',
          'InMemoryStateStore: maxPendingPerOwner must be a positive integer',
        ],
      }),
    );
  });
});
