import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AuthorizationError, InvalidCallbackError } from '../auth-code-flow.errors.js';
import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { resolveOptions } from '../options/resolve-options.util.js';
import { InMemoryStateStore } from '../stores/in-memory-state.store.js';
import { InMemoryTokenStore } from '../stores/in-memory-token.store.js';
import { FlowManager } from './flow-manager.js';
import type { TokenEndpointClient } from './token-endpoint.client.js';
import { propertyRuns } from '../../test/support/property-runs.js';

// RFC 9207 §2.4 over every `iss` value: without a configured issuer an `iss` is refused unless the app opted
// out; with one, only that exact string passes. A refused callback never reaches the token endpoint.

const ISSUER = 'https://idp.example';

const provider: FlowManagerOptions = {
  baseUri: 'https://idp.example',
  authorizationPath: '/authorize',
  accessTokenPath: '/token',
  clientId: 'client',
  clientSecret: 'secret',
  redirectUri: 'https://app.example/oauth/p/callback',
};

const stores: InMemoryStateStore[] = [];
afterAll(() => stores.forEach((store) => store.close()));

function managerWith(overrides: Partial<FlowManagerOptions>): { manager: FlowManager; tokenRequests: () => number } {
  const config = resolveOptions({ providers: { p: { ...provider, ...overrides } } }).providers.get('p')!;
  let posts = 0;
  const tokenClient = {
    post: async () => {
      posts++;
      return {
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ access_token: 'at', token_type: 'Bearer' }),
      };
    },
  } as unknown as TokenEndpointClient;
  const stateStore = new InMemoryStateStore();
  stores.push(stateStore);
  const manager = new FlowManager('p', config, {
    stateStore,
    tokenStore: new InMemoryTokenStore(),
    tokenClient,
    stateTtlSeconds: 60,
    httpTimeoutMs: 1000,
  });
  return { manager, tokenRequests: () => posts };
}

/** Any `iss` a callback could carry: arbitrary text, URLs, and near-misses of the issuer. */
const issValues = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.webUrl(),
  fc.constantFrom(`${ISSUER}/`, ISSUER.toUpperCase(), 'http://idp.example', ` ${ISSUER}`, `${ISSUER}%00`, ''),
);

async function callbackWith(manager: FlowManager, iss: string, outcome: 'code' | 'error'): Promise<unknown> {
  const { state } = await manager.createAuthorizationUrl('ada');
  const query = outcome === 'code' ? { state, code: 'the-code', iss } : { state, error: 'access_denied', iss };
  return manager.handleCallback('ada', query).then(
    () => 'accepted',
    (error: unknown) => error,
  );
}

describe('the callback issuer check (RFC 9207)', () => {
  it('refuses every iss when no issuer is configured, for codes and error responses, before any token request', async () => {
    const { manager, tokenRequests } = managerWith({});
    await fc.assert(
      fc.asyncProperty(issValues, fc.constantFrom('code' as const, 'error' as const), async (iss, outcome) => {
        const result = await callbackWith(manager, iss, outcome);
        expect(result).toBeInstanceOf(InvalidCallbackError);
        expect(result).toMatchObject({ reason: 'issuer_unexpected' });
        expect(tokenRequests()).toBe(0);
      }),
      propertyRuns(200),
    );
  });

  it('with an issuer, lets only that exact string through', async () => {
    const { manager, tokenRequests } = managerWith({ issuer: ISSUER });
    await fc.assert(
      fc.asyncProperty(issValues, async (iss) => {
        const before = tokenRequests();
        const result = await callbackWith(manager, iss, 'code');
        if (iss === ISSUER) {
          expect(result).toBe('accepted');
          expect(tokenRequests()).toBe(before + 1);
        } else {
          expect(result).toMatchObject({ code: 'invalid_callback', reason: 'issuer_mismatch' });
          expect(tokenRequests()).toBe(before);
        }
      }),
      propertyRuns(200),
    );
    await expect(callbackWith(manager, ISSUER, 'code')).resolves.toBe('accepted');
  });

  it('with allowUnverifiedIssuer, takes any iss unchecked, and an error response is then the provider’s error', async () => {
    const { manager } = managerWith({ allowUnverifiedIssuer: true });
    await fc.assert(
      fc.asyncProperty(issValues, async (iss) => {
        expect(await callbackWith(manager, iss, 'code')).toBe('accepted');
        expect(await callbackWith(manager, iss, 'error')).toBeInstanceOf(AuthorizationError);
      }),
      propertyRuns(100),
    );
  });

  it('accepts a callback without iss when the provider is not known to send it, with or without an issuer', async () => {
    for (const overrides of [{}, { issuer: ISSUER }]) {
      const { manager } = managerWith(overrides);
      const { state } = await manager.createAuthorizationUrl('ada');
      await expect(manager.handleCallback('ada', { state, code: 'c' })).resolves.toHaveProperty(
        'tokens.accessToken',
        'at',
      );
    }
  });
});
