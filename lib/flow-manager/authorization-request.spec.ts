import { afterAll, describe, expect, it } from '@jest/globals';
import { InvalidArgumentError, StoreUnavailableError } from '../auth-code-flow.errors.js';
import type { PendingAuthorization } from '../interfaces/state-store.interface.js';
import { resolveOptions } from '../options/resolve-options.util.js';
import { PushedAuthorizationError } from '../pushed-authorization.errors.js';
import { InMemoryStateStore } from '../stores/in-memory-state.store.js';
import { authorizationUrlFor } from './authorization-request.js';
import { AuthorizationUrlBuilder } from './authorization-url.js';
import type { ProviderParts } from './provider-endpoints.js';
import type { PushedAuthorizationRequester } from './pushed-authorization.js';
import type { TokenGrants } from './token-grants.js';

const config = resolveOptions({
  providers: {
    idp: {
      baseUri: 'https://idp.example',
      authorizationPath: '/authorize',
      accessTokenPath: '/token',
      clientId: 'client',
      redirectUri: 'https://app.example/oauth/idp/callback',
    },
  },
}).providers.get('idp')!;

const stores: InMemoryStateStore[] = [];
afterAll(() => stores.forEach((store) => store.close()));

/** A stored pending authorization, and parts whose push answers with `push`. */
async function setUp(push?: () => Promise<string>) {
  const stateStore = new InMemoryStateStore();
  stores.push(stateStore);
  const record: PendingAuthorization = { provider: 'idp', codeVerifier: 'v'.repeat(43), createdAt: Date.now() };
  await stateStore.save('s1', record, 60);
  let pushes = 0;
  const pushedAuthorization = push && {
    authorizationUrl: () => {
      pushes++;
      return push();
    },
  };
  const parts: ProviderParts = {
    config,
    authorizationUrls: new AuthorizationUrlBuilder(config),
    grants: {} as TokenGrants,
    ...(pushedAuthorization
      ? { pushedAuthorization: pushedAuthorization as unknown as PushedAuthorizationRequester }
      : {}),
  };
  return { stateStore, record, parts, pushes: () => pushes };
}

describe('authorizationUrlFor', () => {
  it('builds the URL without PAR, and returns the pushed one with it; the state stays for the callback', async () => {
    const plain = await setUp();
    const url = await authorizationUrlFor(plain.parts, plain.stateStore, 's1', plain.record);
    expect(url).toMatch(/^https:\/\/idp\.example\/authorize\?response_type=code&client_id=client&redirect_uri=/);
    const pushed = await setUp(async () => 'https://idp.example/authorize?client_id=client&request_uri=urn%3Ax');
    expect(await authorizationUrlFor(pushed.parts, pushed.stateStore, 's1', pushed.record)).toBe(
      'https://idp.example/authorize?client_id=client&request_uri=urn%3Ax',
    );
    expect(await pushed.stateStore.peek('s1')).toBeDefined();
  });

  it('removes the pending authorization when the push fails, and throws the push’s error', async () => {
    const failure = new PushedAuthorizationError('http_status', 500, 'The pushed authorization request failed.');
    const { parts, stateStore, record } = await setUp(() => Promise.reject(failure));
    await expect(authorizationUrlFor(parts, stateStore, 's1', record)).rejects.toBe(failure);
    expect(await stateStore.peek('s1')).toBeUndefined();
  });

  it('throws the push’s error when the store cannot remove the state either', async () => {
    const failure = new PushedAuthorizationError('network', undefined, 'The pushed authorization request failed.');
    const { parts, stateStore, record } = await setUp(() => Promise.reject(failure));
    stateStore.consume = () => Promise.reject(new StoreUnavailableError('down'));
    await expect(authorizationUrlFor(parts, stateStore, 's1', record)).rejects.toBe(failure);
  });

  it('refuses a reserved parameter before anything is pushed, and leaves the state alone', async () => {
    const { parts, stateStore, record, pushes } = await setUp(async () => 'unused');
    await expect(authorizationUrlFor(parts, stateStore, 's1', record, { state: 'x' })).rejects.toThrow(
      InvalidArgumentError,
    );
    expect(pushes()).toBe(0);
    expect(await stateStore.peek('s1')).toBeDefined();
  });
});
