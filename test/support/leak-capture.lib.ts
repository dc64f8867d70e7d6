/**
 * Connects the test file's own copy of lib/ to the leak capture (`leak-capture.ts`), whatever provider a test uses:
 * - registers the secrets the module makes or obtains: each flow's state, PKCE verifier and nonce, every code
 *   and refresh token handed to a `FlowManager`, every token set it returns or an in-memory store keeps, and the
 *   client credentials of `AuthCodeFlowModule.forRoot`; and the origin of every authorization URL it builds, as
 *   an authorization server's (a redirect there may hold the state and nonce);
 * - records every error the public methods of `FlowManager`, `FlowManagerRegistry` and the stores throw or reject
 *   with: the errors the module hands to its callers, including those a test checks with `.rejects.toThrow`, which
 *   Jest answers without the matchers the setup wraps.
 * The fixtures that load lib/ import this file (loading lib/ for every test file would cost most of a second each).
 */
import {
  AuthCodeFlowModule,
  FlowManager,
  FlowManagerRegistry,
  InMemoryStateStore,
  InMemoryTokenStore,
  PostgresTokenStore,
  RedisStateStore,
  RedisTokenStore,
} from '../../lib/index.js';
import {
  recordError,
  registerModuleOptions,
  registerProviderOrigin,
  registerSecret,
  registerTokens,
} from './leak-capture.js';

type Method = (this: unknown, ...args: unknown[]) => unknown;

interface Watch {
  /** Sees the arguments before the call, so that a call that fails has registered them too. */
  before?: (self: unknown, args: unknown[]) => void;
  after?: (self: unknown, args: unknown[], result: unknown) => void;
}

/** Replaces `target[name]` by a call that shows its arguments and result to `watch`, and records its failure. */
function watch(target: object, name: string, { before, after }: Watch = {}): void {
  const methods = target as Record<string, Method>;
  const original = methods[name];
  if (typeof original !== 'function')
    throw new Error(`leak capture: ${name} is gone from lib/; update test/support/leak-capture.lib.ts`);
  methods[name] = function (this: unknown, ...args: unknown[]) {
    before?.(this, args);
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (error) {
      recordError(error);
      throw error;
    }
    if (!(result instanceof Promise)) {
      after?.(this, args, result);
      return result;
    }
    return result.then(
      (value: unknown) => {
        after?.(this, args, value);
        return value;
      },
      (error: unknown) => {
        recordError(error);
        throw error;
      },
    );
  };
}

const flowManager = FlowManager.prototype;

// Private: every pending authorization is made here, by the routes and by createAuthorizationUrl alike.
watch(flowManager, 'savePending', {
  before: (self, [state]) => {
    registerSecret(state, 'state (FlowManager)', 'state');
    registerSecret(
      (self as { config?: { clientSecret?: unknown } }).config?.clientSecret,
      'client secret (FlowManager)',
    );
  },
  after: (_self, _args, record) => {
    const { codeVerifier, nonce } = (record ?? {}) as { codeVerifier?: string; nonce?: string };
    registerSecret(codeVerifier, 'PKCE verifier (FlowManager)');
    registerSecret(nonce, 'nonce (FlowManager)', 'nonce');
  },
});
watch(flowManager, 'fetchAccessToken', {
  before: (_self, [, code]) => registerSecret(code, 'code (fetchAccessToken)', 'code'),
  after: (_self, _args, tokens) => registerTokens(tokens, 'fetchAccessToken'),
});
watch(flowManager, 'handleCallback', {
  before: (_self, [, query]) => {
    const code = query instanceof URLSearchParams ? query.get('code') : (query as { code?: unknown } | null)?.code;
    registerSecret(code, 'code (handleCallback)', 'code');
  },
  after: (_self, _args, result) => registerTokens((result as { tokens?: unknown }).tokens, 'handleCallback'),
});
watch(flowManager, 'refreshAccessToken', {
  before: (_self, [refreshToken]) => registerSecret(refreshToken, 'refresh token (refreshAccessToken)'),
  after: (_self, _args, tokens) => registerTokens(tokens, 'refreshAccessToken'),
});
watch(flowManager, 'getTokens', { after: (_self, _args, tokens) => registerTokens(tokens, 'getTokens') });
// The authorization request goes to the provider's authorization endpoint: the state and nonce may travel there.
watch(flowManager, 'createAuthorizationUrl', {
  after: (_self, _args, result) => registerProviderOrigin((result as { url: string }).url),
});
watch(flowManager, 'getAuthorizationEndpoint', { after: (_self, _args, url) => registerProviderOrigin(url as string) });
watch(InMemoryTokenStore.prototype, 'set', {
  before: (_self, [, , tokens]) => registerTokens(tokens, 'InMemoryTokenStore'),
});

// The rest of the public surface: only their failures are recorded.
const PUBLIC_METHODS: Array<[object, string[]]> = [
  [
    flowManager,
    [
      'makeState',
      'storeUserState',
      'checkUserState',
      'revokeTokens',
      'getUserInfo',
      'fetchProtectedResource',
      'getEndSessionUrl',
      'getClientJwks',
    ],
  ],
  [FlowManagerRegistry.prototype, ['get']],
  [InMemoryStateStore.prototype, ['save', 'peek', 'consume']],
  [RedisStateStore.prototype, ['save', 'peek', 'consume']],
  [InMemoryTokenStore.prototype, ['get', 'delete']],
  [RedisTokenStore.prototype, ['get', 'set', 'delete', 'acquireRefreshLock']],
  [PostgresTokenStore.prototype, ['ensureSchema', 'get', 'set', 'delete', 'acquireRefreshLock']],
];
for (const [prototype, names] of PUBLIC_METHODS) for (const name of names) watch(prototype, name);

const module = AuthCodeFlowModule as unknown as { forRoot: (options: unknown) => unknown };
const forRoot = module.forRoot;
module.forRoot = function (this: unknown, options: unknown) {
  registerModuleOptions(options, 'AuthCodeFlowModule.forRoot');
  return forRoot.call(this, options);
};
