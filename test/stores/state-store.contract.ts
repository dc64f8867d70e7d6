import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PendingAuthorization, StateStore } from '../../lib/index.js';

export interface StateStoreUnderTest {
  store: StateStore;
  /** More stores on the same backing storage (other connections, as other instances would have). */
  peers?: StateStore[];
  teardown?: () => Promise<void>;
}

const newState = () => randomBytes(32).toString('base64url');

function record(overrides: Partial<PendingAuthorization> = {}): PendingAuthorization {
  return {
    provider: 'fake',
    user: 'ada',
    codeVerifier: randomBytes(32).toString('base64url'),
    returnTo: '/after',
    browserBinding: 'binding-hash',
    createdAt: Date.now(),
    ...overrides,
  };
}

/** What every `StateStore` must do (API.md "Stores"); run once per implementation. */
export function describeStateStoreContract(label: string, setup: () => Promise<StateStoreUnderTest>): void {
  describe(`StateStore contract: ${label}`, () => {
    let subject: StateStoreUnderTest;
    let store: StateStore;

    beforeAll(async () => {
      subject = await setup();
      store = subject.store;
    });
    afterAll(() => subject?.teardown?.());

    it('saves a record that peek returns whole', async () => {
      const state = newState();
      const saved = record({ nonce: 'n-1' });
      await store.save(state, saved, 60);
      expect(await store.peek(state)).toEqual(saved);
    });

    it('keeps records without optional fields as they are', async () => {
      const state = newState();
      const saved: PendingAuthorization = { provider: 'fake', createdAt: 1 };
      await store.save(state, saved, 60);
      expect(await store.peek(state)).toEqual(saved);
    });

    it('peek does not consume: consume still gets the record after several peeks', async () => {
      const state = newState();
      const saved = record();
      await store.save(state, saved, 60);
      await store.peek(state);
      await store.peek(state);
      expect(await store.consume(state)).toEqual(saved);
    });

    it('consume returns the record once, then nothing (peek and consume)', async () => {
      const state = newState();
      const saved = record();
      await store.save(state, saved, 60);
      expect(await store.consume(state)).toEqual(saved);
      expect(await store.consume(state)).toBeUndefined();
      expect(await store.peek(state)).toBeUndefined();
    });

    it('knows nothing of a state never saved', async () => {
      const state = newState();
      expect(await store.peek(state)).toBeUndefined();
      expect(await store.consume(state)).toBeUndefined();
    });

    it('keeps each state to its own record', async () => {
      const [a, b] = [newState(), newState()];
      const [recordA, recordB] = [record({ user: 'a' }), record({ user: 'b' })];
      await store.save(a, recordA, 60);
      await store.save(b, recordB, 60);
      expect(await store.consume(b)).toEqual(recordB);
      expect(await store.consume(a)).toEqual(recordA);
    });

    it('returns copies: changing a returned record does not change the stored one', async () => {
      const state = newState();
      const saved = record();
      await store.save(state, saved, 60);
      const peeked = (await store.peek(state))!;
      peeked.user = 'mallory';
      saved.user = 'mallory';
      expect((await store.consume(state))?.user).toBe('ada');
    });

    it('forgets a record once its TTL has passed', async () => {
      const [short, long] = [newState(), newState()];
      await store.save(short, record(), 0.3);
      await store.save(long, record(), 60);
      expect(await store.peek(short)).toBeDefined();
      await sleep(450);
      expect(await store.peek(short)).toBeUndefined();
      expect(await store.consume(short)).toBeUndefined();
      expect(await store.peek(long)).toBeDefined();
    });

    it('of 50 concurrent consume calls on one state, exactly one gets the record', async () => {
      const state = newState();
      const saved = record();
      await store.save(state, saved, 60);
      const stores = [store, ...(subject.peers ?? [])];
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stores[i % stores.length]!.consume(state)));
      const winners = results.filter((result) => result !== undefined);
      expect(winners).toEqual([saved]);
      expect(results.filter((result) => result === undefined)).toHaveLength(49);
    });

    it('under 20 states consumed 10 times each at once, every state is given out exactly once', async () => {
      const states = Array.from({ length: 20 }, () => newState());
      await Promise.all(states.map((state, i) => store.save(state, record({ user: `u${i}` }), 60)));
      const stores = [store, ...(subject.peers ?? [])];
      const calls = states.flatMap((state) => Array.from({ length: 10 }, (_, i) => ({ state, store: stores[i % stores.length]! })));
      const results = await Promise.all(calls.map(({ state, store: s }) => s.consume(state)));
      const users = results.filter((result) => result !== undefined).map((result) => result!.user);
      expect(users.sort()).toEqual(states.map((_, i) => `u${i}`).sort());
    });
  });
}
