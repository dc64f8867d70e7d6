import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import type { PendingAuthorization, StateStore } from '../../lib/index.js';
import { propertyRuns } from '../support/property-runs.js';

export interface StateStoreUnderTest {
  store: StateStore;
  /** More stores on the same backing storage (other connections, as other instances would have). */
  peers?: StateStore[];
  teardown?: () => Promise<void>;
  /** The store's `maxPendingPerOwner`. @default 10 */
  maxPendingPerOwner?: number;
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

    describe('per-owner quota of pending authorizations', () => {
      let max: number;
      /** A provider name no other test uses, so that quotas of earlier tests do not count. */
      const freshProvider = () => `quota-${randomUUID()}`;
      const live = async (states: string[]) => {
        const found = await Promise.all(states.map((state) => store.peek(state)));
        return states.filter((_state, i) => found[i] !== undefined);
      };
      const saveAll = async (count: number, fields: Partial<PendingAuthorization>) => {
        const states = Array.from({ length: count }, () => newState());
        for (const state of states) await store.save(state, record(fields), 60);
        return states;
      };
      beforeAll(() => {
        max = subject.maxPendingPerOwner ?? 10;
      });

      it('keeps the owner in the record', async () => {
        const state = newState();
        const saved = record({ owner: 'user:ada' });
        await store.save(state, saved, 60);
        expect(await store.consume(state)).toEqual(saved);
      });

      it('saving one more than the quota for one owner and provider evicts the oldest, and only it', async () => {
        const states = await saveAll(max + 1, { provider: freshProvider(), owner: 'user:ada' });
        expect(await live(states)).toEqual(states.slice(1));
        expect(await store.consume(states[0]!)).toBeUndefined();
        expect(await store.consume(states[1]!)).toBeDefined();
      });

      it('keeps the newest when one owner saves many times the quota', async () => {
        const states = await saveAll(3 * max, { provider: freshProvider(), owner: 'browser:b1' });
        expect(await live(states)).toEqual(states.slice(-max));
      });

      it('counts each owner on its own: a flood by one owner evicts nothing of another', async () => {
        const provider = freshProvider();
        const ada = await saveAll(max, { provider, owner: 'user:ada' });
        const flood = await saveAll(3 * max, { provider, owner: 'user:mallory' });
        expect(await live(ada)).toEqual(ada);
        expect(await live(flood)).toEqual(flood.slice(-max));
      });

      it('counts each provider on its own: a full quota at one provider evicts nothing at another', async () => {
        const [github, gitlab] = [freshProvider(), freshProvider()];
        const atGithub = await saveAll(max, { provider: github, owner: 'user:ada' });
        const atGitlab = await saveAll(max + 1, { provider: gitlab, owner: 'user:ada' });
        expect(await live(atGithub)).toEqual(atGithub);
        expect(await live(atGitlab)).toEqual(atGitlab.slice(1));
      });

      it('does not mix owners whose names only look alike once joined with the provider', async () => {
        const provider = freshProvider();
        const first = await saveAll(max, { provider: `${provider}:x`, owner: 'y' });
        await saveAll(max, { provider, owner: 'x:y' });
        expect(await live(first)).toEqual(first);
      });

      it('applies no quota to records without an owner', async () => {
        const states = await saveAll(3 * max, { provider: freshProvider(), owner: undefined, user: undefined });
        expect(await live(states)).toEqual(states);
      });

      it(`of 50 concurrent saves by one owner, through every connection, exactly the quota stays live`, async () => {
        const provider = freshProvider();
        const stores = [store, ...(subject.peers ?? [])];
        const states = Array.from({ length: 50 }, () => newState());
        await Promise.all(
          states.map((state, i) => stores[i % stores.length]!.save(state, record({ provider, owner: 'user:ada' }), 60)),
        );
        expect(await live(states)).toHaveLength(max);
      });

      it('property: after any sequence of saves and consumes, each owner has at most the quota live, its newest kept', async () => {
        type Step = { kind: 'save'; provider: number; owner: number } | { kind: 'consume'; pick: number };
        // Skewed towards one owner at one provider, so that most runs go past its quota.
        const weighted = (...weights: number[]) =>
          fc.oneof(...weights.map((weight, i) => ({ weight, arbitrary: fc.constant(i) })));
        const step: fc.Arbitrary<Step> = fc.oneof(
          {
            weight: 4,
            arbitrary: fc.record({
              kind: fc.constant('save' as const),
              provider: weighted(4, 1),
              owner: weighted(1, 4, 1, 1),
            }),
          },
          { weight: 1, arbitrary: fc.record({ kind: fc.constant('consume' as const), pick: fc.nat() }) },
        );
        let runsPastQuota = 0;
        await fc.assert(
          fc.asyncProperty(fc.array(step, { minLength: max, maxLength: 6 * max, size: 'max' }), async (steps) => {
            const providers = [freshProvider(), freshProvider()];
            // Owner 0 is "no owner".
            const owners = [undefined, 'user:ada', 'user:bob', 'browser:b1'];
            const saved: Array<{ state: string; group: string | undefined }> = [];
            const consumed = new Set<string>();
            for (const next of steps) {
              if (next.kind === 'save') {
                const state = newState();
                const owner = owners[next.owner];
                await store.save(state, record({ provider: providers[next.provider]!, owner }), 60);
                saved.push({ state, group: owner === undefined ? undefined : `${next.provider}/${owner}` });
              } else if (saved.length > 0) {
                const { state } = saved[next.pick % saved.length]!;
                const got = await store.consume(state);
                if (consumed.has(state)) expect(got).toBeUndefined();
                consumed.add(state);
              }
            }
            const alive = new Set(await live(saved.map(({ state }) => state)));
            const groups = new Map<string, string[]>();
            for (const { state, group } of saved) {
              if (consumed.has(state)) expect(alive.has(state)).toBe(false);
              else if (group === undefined) expect(alive.has(state)).toBe(true);
              if (group !== undefined) groups.set(group, [...(groups.get(group) ?? []), state]);
            }
            if ([...groups.values()].some((states) => states.length > max)) runsPastQuota++;
            for (const states of groups.values()) {
              expect(states.filter((state) => alive.has(state)).length).toBeLessThanOrEqual(max);
              for (const state of states.slice(-max)) expect(alive.has(state)).toBe(!consumed.has(state));
            }
          }),
          propertyRuns(20),
        );
        expect(runsPastQuota).toBeGreaterThan(0);
      }, 60_000);
    });

    it('of 50 concurrent consume calls on one state, exactly one gets the record', async () => {
      const state = newState();
      const saved = record();
      await store.save(state, saved, 60);
      const stores = [store, ...(subject.peers ?? [])];
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => stores[i % stores.length]!.consume(state)),
      );
      const winners = results.filter((result) => result !== undefined);
      expect(winners).toEqual([saved]);
      expect(results.filter((result) => result === undefined)).toHaveLength(49);
    });

    it('under 20 states consumed 10 times each at once, every state is given out exactly once', async () => {
      const states = Array.from({ length: 20 }, () => newState());
      await Promise.all(states.map((state, i) => store.save(state, record({ user: `u${i}` }), 60)));
      const stores = [store, ...(subject.peers ?? [])];
      const calls = states.flatMap((state) =>
        Array.from({ length: 10 }, (_, i) => ({ state, store: stores[i % stores.length]! })),
      );
      const results = await Promise.all(calls.map(({ state, store: s }) => s.consume(state)));
      const users = results.filter((result) => result !== undefined).map((result) => result!.user);
      expect(users.sort()).toEqual(states.map((_, i) => `u${i}`).sort());
    });
  });
}
