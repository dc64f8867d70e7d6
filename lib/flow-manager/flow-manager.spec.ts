import { afterAll, describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '../auth-code-flow.errors.js';
import { resolveOptions } from '../options/resolve-options.util.js';
import { InMemoryStateStore } from '../stores/in-memory-state.store.js';
import { InMemoryTokenStore } from '../stores/in-memory-token.store.js';
import { FlowManager } from './flow-manager.js';
import type { TokenEndpointClient } from './token-endpoint.client.js';

// Arguments the caller got wrong: an InvalidArgumentError (a TypeError with a stable code), before any
// request is sent or any state saved. The flow itself is tested end to end under test/.

const stateStores: InMemoryStateStore[] = [];
afterAll(() => stateStores.forEach((store) => store.close()));

function manager(): { manager: FlowManager; stateStore: InMemoryStateStore; posts: () => number } {
  const endpoints = { baseUri: 'https://idp.example', authorizationPath: '/authorize', accessTokenPath: '/token' };
  const client = { clientId: 'client', clientSecret: 'secret', redirectUri: 'https://app.example/oauth/p/callback' };
  const config = resolveOptions({ providers: { p: { ...endpoints, ...client } } }).providers.get('p')!;
  let posts = 0;
  const tokenClient = {
    post: async () => {
      posts++;
      return { status: 200, contentType: 'application/json', body: '{"access_token":"at"}' };
    },
  } as unknown as TokenEndpointClient;
  const stateStore = new InMemoryStateStore();
  stateStores.push(stateStore);
  const deps = {
    stateStore,
    tokenStore: new InMemoryTokenStore(),
    tokenClient,
    stateTtlSeconds: 60,
    httpTimeoutMs: 1000,
  };
  return { manager: new FlowManager('p', config, deps), stateStore, posts: () => posts };
}

/** Asserts that `call` rejects with an InvalidArgumentError of `code` whose message is `message`. */
async function expectInvalidArgument(
  call: Promise<unknown>,
  code: InvalidArgumentError['code'],
  message: string,
): Promise<void> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect(error).toBeInstanceOf(TypeError);
  expect(error).toMatchObject({ name: 'InvalidArgumentError', code, message });
}

describe('FlowManager argument errors', () => {
  it('refreshAccessToken: an empty token is ERR_INVALID_ARG_VALUE, a non-string ERR_INVALID_ARG_TYPE; nothing is sent', async () => {
    const { manager: p, posts } = manager();
    const message = 'The refreshToken of refreshAccessToken must be a non-empty string.';
    await expectInvalidArgument(p.refreshAccessToken(''), 'ERR_INVALID_ARG_VALUE', message);
    for (const value of [undefined, null, 42, ['rt']]) {
      await expectInvalidArgument(p.refreshAccessToken(value as never), 'ERR_INVALID_ARG_TYPE', message);
    }
    expect(posts()).toBe(0);
  });

  it('createAuthorizationUrl, getAuthorizationEndpoint: a reserved authorization parameter is ERR_INVALID_ARG_VALUE', async () => {
    const { manager: p, stateStore } = manager();
    const message = (name: string) =>
      `The authorization parameter "${name}" is set by the flow manager and cannot be overridden.`;
    await expectInvalidArgument(
      p.createAuthorizationUrl('ada', { params: { state: 'mine' } }),
      'ERR_INVALID_ARG_VALUE',
      message('state'),
    );
    expect(stateStore.size).toBe(0);
    const { state } = await p.createAuthorizationUrl('ada');
    const endpoint = p.getAuthorizationEndpoint(state, { code_challenge: 'x' });
    await expectInvalidArgument(endpoint, 'ERR_INVALID_ARG_VALUE', message('code_challenge'));
  });

  it('createAuthorizationUrl: an empty browserId is ERR_INVALID_ARG_VALUE, a non-string ERR_INVALID_ARG_TYPE', async () => {
    const { manager: p, stateStore } = manager();
    const message = 'The browserId of createAuthorizationUrl must be a non-empty string.';
    await expectInvalidArgument(
      p.createAuthorizationUrl(undefined, { browserId: '' }),
      'ERR_INVALID_ARG_VALUE',
      message,
    );
    for (const browserId of [null, 42, {}]) {
      const call = p.createAuthorizationUrl(undefined, { browserId: browserId as never });
      await expectInvalidArgument(call, 'ERR_INVALID_ARG_TYPE', message);
    }
    expect(stateStore.size).toBe(0);
  });
});

describe('FlowManager in JSON and util.inspect', () => {
  it('shows its name only, never the client secret of its configuration', async () => {
    const { inspect } = await import('node:util');
    const { manager: subject } = manager();
    expect(JSON.stringify(subject)).toBe('{"name":"p"}');
    expect(JSON.stringify({ nested: [subject] })).not.toContain('secret');
    expect(inspect(subject, { depth: 10, showHidden: true })).toBe('FlowManager { name: "p" }');
  });
});
