import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { StateStoreFullError } from '../auth-code-flow.errors.js';
import { InMemoryStateStore } from './in-memory-state.store.js';
import type { PendingAuthorization } from './state-store.interface.js';

const record = (user: string): PendingAuthorization => ({ provider: 'p', user, createdAt: Date.now() });

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

  it('refuses new records when full, and makes room by sweeping expired ones', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const store = create({ maxEntries: 2 });
    await store.save('a', record('a'), 10);
    await store.save('b', record('b'), 100);
    await expect(store.save('c', record('c'), 10)).rejects.toBeInstanceOf(StateStoreFullError);
    await expect(store.save('c', record('c'), 10)).rejects.toThrow('maximum of 2 pending authorizations');
    jest.setSystemTime(1_000_000 + 11_000);
    await store.save('c', record('c'), 10);
    expect(store.size).toBe(2);
    expect(await store.peek('b')).toBeDefined();
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

  it('rejects a bad maxEntries', () => {
    expect(() => new InMemoryStateStore({ maxEntries: 0 })).toThrow(RangeError);
  });
});
