import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import {
  FlowManagerRegistry,
  TOKEN_STORE,
  TokenEndpointError,
  TokenRequestError,
  type FlowManager,
  type TokensEvent,
  type TokenStore,
} from '../../lib/index.js';
import { FakeProvider, json } from '../support/fake-provider.js';
import { compileWith, fakeClientOptions } from '../support/testing-module.js';

describe('after the flow: stored tokens, refresh, revocation', () => {
  let provider: FakeProvider;
  let moduleRef: TestingModule;
  let manager: FlowManager;
  let tokenStore: TokenStore;
  const events: TokensEvent[] = [];

  beforeAll(async () => {
    provider = await FakeProvider.start();
  });
  afterAll(() => provider.close());
  afterEach(async () => {
    await moduleRef?.close();
    provider.reset();
    provider.tokenExtras = { expires_in: 3600, scope: 'read' };
    events.length = 0;
  });

  async function connect(user = 'ada', revocationPath?: string) {
    moduleRef = await compileWith({
      providers: { fake: fakeClientOptions(provider, 'fake', { revocationPath }) },
      onTokens: (event) => void events.push(event),
    });
    manager = moduleRef.get(FlowManagerRegistry).get('fake');
    tokenStore = moduleRef.get(TOKEN_STORE);
    const { url } = await manager.createAuthorizationUrl(user);
    return (await manager.handleCallback(user, await provider.authorize(url))).tokens;
  }

  async function expireStored(user = 'ada') {
    const stored = (await tokenStore.get('fake', user))!;
    await tokenStore.set('fake', user, { ...stored, expiresAt: Date.now() - 1000 });
  }

  it('calls onTokens with the provider, the user and the tokens', async () => {
    const tokens = await connect();
    expect(events).toEqual([{ provider: 'fake', user: 'ada', tokens }]);
  });

  it('returns the stored tokens while they are fresh, with no request', async () => {
    const tokens = await connect();
    provider.reset();
    expect(await manager.getTokens('ada')).toEqual(tokens);
    expect(await manager.getTokens('nobody')).toBeUndefined();
    expect(provider.requests).toHaveLength(0);
  });

  it('refreshes expired tokens first, and stores a rotated refresh token', async () => {
    const first = await connect();
    await expireStored();
    const refreshed = await manager.getTokens('ada');
    expect(refreshed!.accessToken).not.toBe(first.accessToken);
    expect(refreshed!.refreshToken).not.toBe(first.refreshToken);
    const [request] = provider.requestsTo('/oauth/token').slice(-1);
    expect(request!.params).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: first.refreshToken,
      client_id: 'fake-client',
    });
    expect(await tokenStore.get('fake', 'ada')).toEqual(refreshed);
    expect(events.at(-1)).toMatchObject({ provider: 'fake', user: 'ada', tokens: refreshed });
  });

  it('keeps the old refresh token when the refresh response carries none', async () => {
    const first = await connect();
    await expireStored();
    provider.on('POST', '/oauth/token', (_request, res) =>
      json(res, 200, { access_token: 'only-access', token_type: 'Bearer', expires_in: 60 }),
    );
    const refreshed = await manager.getTokens('ada');
    expect(refreshed).toMatchObject({ accessToken: 'only-access', refreshToken: first.refreshToken });
  });

  it('sends one refresh for concurrent getTokens calls in one process', async () => {
    await connect();
    await expireStored();
    provider.reset();
    const results = await Promise.all(Array.from({ length: 10 }, () => manager.getTokens('ada')));
    expect(provider.requestsTo('/oauth/token')).toHaveLength(1);
    expect(new Set(results.map((tokens) => tokens!.accessToken)).size).toBe(1);
  });

  it('returns expired tokens as they are when there is no refresh token', async () => {
    provider.tokenExtras = { expires_in: 1 };
    await connect();
    const stored = (await tokenStore.get('fake', 'ada'))!;
    const { refreshToken: _dropped, ...withoutRefresh } = stored;
    await tokenStore.set('fake', 'ada', { ...withoutRefresh, expiresAt: Date.now() - 1000 });
    provider.reset();
    expect(await manager.getTokens('ada')).toMatchObject({ accessToken: stored.accessToken });
    expect(provider.requests).toHaveLength(0);
  });

  it('never re-sends a refresh token after a 503 or 429 with Retry-After, and keeps the stored tokens', async () => {
    const first = await connect();
    for (const [status, body] of [
      [503, { error: 'temporarily_unavailable' }],
      [429, 'Too Many Requests'],
    ] as const) {
      await expireStored();
      provider.reset();
      provider.on('POST', '/oauth/token', (_request, res) => json(res, status, body, { 'Retry-After': '0' }));
      const error = (await manager.getTokens('ada').catch((caught: unknown) => caught)) as TokenEndpointError;
      expect(error).toBeInstanceOf(TokenEndpointError);
      expect(error).toMatchObject({ failure: 'http_status', status, retryAfter: 0 });
      // The server had the refresh token: with rotation, a second request could revoke the whole grant.
      expect(provider.requestsTo('/oauth/token')).toHaveLength(1);
      expect((await tokenStore.get('fake', 'ada'))!.refreshToken).toBe(first.refreshToken);
    }
  });

  it('reports a rejected refresh as TokenRequestError', async () => {
    await connect();
    await expect(manager.refreshAccessToken('not-a-refresh-token')).rejects.toBeInstanceOf(TokenRequestError);
  });

  it('revokes the refresh token at the revocation endpoint and forgets the tokens', async () => {
    provider.on('POST', '/oauth/revoke', (_request, res) => res.writeHead(200).end());
    const tokens = await connect('ada', '/oauth/revoke');
    await manager.revokeTokens('ada');
    const [request] = provider.requestsTo('/oauth/revoke');
    expect(request!.params).toMatchObject({
      token: tokens.refreshToken,
      token_type_hint: 'refresh_token',
      client_id: 'fake-client',
    });
    expect(await manager.getTokens('ada')).toBeUndefined();
  });

  it('keeps the tokens when revocation fails, and never re-sends the token after a Retry-After', async () => {
    provider.on('POST', '/oauth/revoke', (_request, res) =>
      json(res, 503, { error: 'temporarily_unavailable' }, { 'Retry-After': '0' }),
    );
    await connect('ada', '/oauth/revoke');
    await expect(manager.revokeTokens('ada')).rejects.toMatchObject({ failure: 'http_status', status: 503 });
    expect(provider.requestsTo('/oauth/revoke')).toHaveLength(1);
    expect(await manager.getTokens('ada')).toBeDefined();
  });
});
