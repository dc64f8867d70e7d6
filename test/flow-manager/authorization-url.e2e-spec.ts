// The authorization URL, parameter by parameter and in order: the configuration-only parts are encoded
// once per provider, so these pin down that the cached and per-call forms give the same URL.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import {
  FlowManagerRegistry,
  STATE_STORE,
  type FlowManager,
  type FlowManagerOptions,
  type StateStore,
} from '../../lib/index.js';
import { codeChallengeS256 } from '../../lib/utils/pkce.util.js';
import { compileWith } from '../support/testing-module.js';

const BASE: FlowManagerOptions = {
  baseUri: 'https://idp.example',
  authorizationPath: '/authorize?tenant=t1',
  accessTokenPath: '/token',
  clientId: 'client id',
  clientSecret: 'secret',
  redirectUri: 'https://app.example/oauth/idp/callback',
  scope: ['read', 'write'],
};

describe('the authorization URL', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(() => moduleRef?.close());

  const managerWith = async (overrides: Partial<FlowManagerOptions>): Promise<FlowManager> => {
    moduleRef = await compileWith({ providers: { idp: { ...BASE, ...overrides } }, routes: false });
    return moduleRef.get(FlowManagerRegistry).get('idp');
  };
  const verifierOf = async (state: string) =>
    (await moduleRef!.get<StateStore>(STATE_STORE).peek(state))!.codeVerifier!;

  it('lists the protocol parameters, then the configured extras, then the call’s own', async () => {
    const manager = await managerWith({ authorizationParams: { prompt: 'consent', access_type: 'offline' } });
    for (const params of [undefined, { login_hint: 'ada lovelace' }]) {
      const { url, state } = await manager.createAuthorizationUrl('ada', { params });
      const challenge = codeChallengeS256(await verifierOf(state));
      const extra = params ? '&login_hint=ada+lovelace' : '';
      expect(url).toBe(
        'https://idp.example/authorize?tenant=t1&response_type=code&client_id=client+id&redirect_uri=https%3A%2F%2Fapp.example%2Foauth%2Fidp%2Fcallback' +
          `&scope=read+write&state=${state}&code_challenge=${challenge}&code_challenge_method=S256&prompt=consent&access_type=offline${extra}`,
      );
    }
  });

  it('lets a configured or given scope replace the configured one in place, once', async () => {
    const manager = await managerWith({ authorizationParams: { scope: 'openid' } });
    const configured = new URL((await manager.createAuthorizationUrl('ada')).url);
    expect(configured.searchParams.getAll('scope')).toEqual(['openid']);
    expect([...configured.searchParams.keys()].slice(0, 5)).toEqual([
      'tenant',
      'response_type',
      'client_id',
      'redirect_uri',
      'scope',
    ]);
    const given = new URL((await manager.createAuthorizationUrl('ada', { params: { scope: 'profile' } })).url);
    expect(given.searchParams.getAll('scope')).toEqual(['profile']);
  });

  it('adds a scope given for a provider without one after the challenge, and no challenge without PKCE', async () => {
    const manager = await managerWith({ scope: undefined, pkce: false });
    const { url, state } = await manager.createAuthorizationUrl('ada', { params: { scope: 'x' } });
    expect(url).toBe(
      `https://idp.example/authorize?tenant=t1&response_type=code&client_id=client+id&redirect_uri=https%3A%2F%2Fapp.example%2Foauth%2Fidp%2Fcallback&state=${state}&scope=x`,
    );
    expect((await manager.createAuthorizationUrl('ada')).url).not.toContain('scope=');
  });
});
