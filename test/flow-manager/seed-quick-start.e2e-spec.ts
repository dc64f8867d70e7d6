// The seed project's quick start (auth-code-flow, Python), step by step in its TypeScript form, with the
// seed's own Stack Exchange configuration. The loopback fake mimics Stack Exchange's documented behaviour
// (https://api.stackexchange.com/docs/authentication): GET /oauth redirects back with code and state; the
// JSON token endpoint /oauth/access_token/json takes form-posted credentials and answers
// {"access_token": "..."} (plus "expires" unless the scope is no_expiry), with no token_type. Configured
// exactly as the seed's README shows: no preset and no normaliser, so the module itself must read a
// response without token_type as Bearer and `expires` as `expires_in`.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AuthCodeFlowModule,
  FlowManager,
  InjectFlowManager,
  TOKEN_STORE,
  type FlowManagerOptions,
  type TokenStore,
} from '../../lib/index.js';
import { FakeProvider, json } from '../support/fake-provider.js';
import { cookiesFrom, PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';

@Injectable()
class ConnectStackExchange {
  constructor(@InjectFlowManager('stackexchange') readonly se: FlowManager) {}
}

interface StackExchangeFake {
  fake: FakeProvider;
  /** The next successful token response; by default what Stack Exchange documents for the scope. */
  answer?: Record<string, unknown>;
}

async function startStackExchange(): Promise<StackExchangeFake> {
  const fake = await FakeProvider.start();
  const state: StackExchangeFake = { fake };
  fake.registerClient({ clientId: '1234', clientSecret: 'se-secret((', redirectUri: 'https://app.example/callback' });
  // Stack Exchange's authorization endpoint is /oauth; its JSON token endpoint omits token_type.
  fake.on('GET', '/oauth', (request, res) => {
    const target = new URL(request.query.get('redirect_uri')!);
    const code = `se-code-${fake.requests.length}`;
    fake.codes.set(code, {
      clientId: request.query.get('client_id')!,
      redirectUri: target.toString(),
      used: false,
      scope: request.query.get('scope')!,
    });
    target.searchParams.set('code', code);
    target.searchParams.set('state', request.query.get('state')!);
    res.writeHead(302, { Location: target.toString() }).end();
  });
  fake.on('POST', '/oauth/access_token/json', (request, res) => {
    const issued = fake.codes.get(request.params.code ?? '');
    const credentialsOk = request.params.client_id === '1234' && request.params.client_secret === 'se-secret((';
    if (!credentialsOk || !issued || issued.used || request.params.redirect_uri !== issued.redirectUri) {
      return json(res, 400, { error: { type: 'invalid_request', message: 'bad code' } });
    }
    issued.used = true;
    json(
      res,
      200,
      state.answer ??
        (issued.scope === 'no_expiry'
          ? { access_token: 'se-token(1)' }
          : { access_token: 'se-token(2)', expires: 86400 }),
    );
  });
  return state;
}

/** The seed's StackExchangeFlowManager, attribute for attribute; only base_uri points at the fake. */
const seedConfiguration = (fake: FakeProvider): FlowManagerOptions => ({
  baseUri: fake.url, // https://stackoverflow.com in production
  authorizationPath: '/oauth',
  accessTokenPath: '/oauth/access_token/json',
  clientId: '1234',
  clientSecret: 'se-secret((',
  redirectUri: 'https://app.example/callback',
  scope: 'no_expiry',
  postFormData: true,
});

describe('the seed quick start with Stack Exchange', () => {
  let stackExchange: StackExchangeFake;
  let moduleRef: TestingModule;

  beforeAll(async () => {
    stackExchange = await startStackExchange();
    @Module({
      imports: [AuthCodeFlowModule.forRoot({ providers: { stackexchange: seedConfiguration(stackExchange.fake) } })],
      providers: [ConnectStackExchange],
    })
    class AppModule {}
    moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await moduleRef.init();
  });

  afterAll(async () => {
    await moduleRef.close();
    await stackExchange.fake.close();
  });
  afterEach(() => {
    stackExchange.answer = undefined;
    stackExchange.fake.requests.length = 0;
  });

  it('make_state, store_user_state, get_authorization_endpoint, check_user_state, fetch_access_token', async () => {
    const { se } = moduleRef.get(ConnectStackExchange);
    const user = 'user-42';

    // 1. In the view that starts the flow.
    const state = se.makeState();
    await se.storeUserState(user, state);
    const authEndpoint = await se.getAuthorizationEndpoint(state);

    const sent = new URL(authEndpoint);
    expect(`${sent.origin}${sent.pathname}`).toBe(`${stackExchange.fake.url}/oauth`);
    expect(Object.fromEntries(sent.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: '1234',
      redirect_uri: 'https://app.example/callback',
      scope: 'no_expiry',
      state,
      code_challenge_method: 'S256',
    });

    // 2. The user consents; Stack Exchange redirects to the callback with code and state.
    const callback = await stackExchange.fake.authorize(authEndpoint);
    const code = callback.get('code')!;
    expect(callback.get('state')).toBe(state);

    // 3. In the callback view.
    expect(await se.checkUserState(user, state)).toBe(true);
    const tokens = await se.fetchAccessToken(user, code, state, { postFormData: true });

    // No token_type in the response: Bearer, and raw holds only what Stack Exchange sent.
    expect(tokens).toEqual({ accessToken: 'se-token(1)', tokenType: 'Bearer', raw: { access_token: 'se-token(1)' } });
    const tokenRequest = stackExchange.fake.requestsTo('/oauth/access_token/json')[0]!;
    expect(tokenRequest.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(tokenRequest.params).toMatchObject({
      client_id: '1234',
      client_secret: 'se-secret((',
      code,
      redirect_uri: 'https://app.example/callback',
      grant_type: 'authorization_code',
    });
    expect(await se.getTokens(user)).toEqual(tokens);

    // The state was single use.
    expect(await se.checkUserState(user, state)).toBe(false);
    await expect(se.fetchAccessToken(user, code, state)).rejects.toMatchObject({ code: 'invalid_state' });
    expect(stackExchange.fake.requestsTo('/oauth/access_token/json')).toHaveLength(1);
  });

  it('reads {"access_token":"…","expires":86400} as a Bearer token that expires in a day', async () => {
    stackExchange.answer = { access_token: 'se-token(3)', expires: 86400 };
    const { se } = moduleRef.get(ConnectStackExchange);
    const state = se.makeState();
    await se.storeUserState('user-43', state);
    const code = (await stackExchange.fake.authorize(await se.getAuthorizationEndpoint(state))).get('code')!;
    const before = Date.now();
    const tokens = await se.fetchAccessToken('user-43', code, state, { postFormData: true });
    expect(tokens).toMatchObject({
      accessToken: 'se-token(3)',
      tokenType: 'Bearer',
      expiresIn: 86400,
      raw: { access_token: 'se-token(3)', expires: 86400 },
    });
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(tokens.expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000);
    expect(await se.getTokens('user-43')).toEqual(tokens);
  });

  it("answers Stack Exchange's error object as a TokenRequestError that quotes none of it", async () => {
    const { se } = moduleRef.get(ConnectStackExchange);
    const state = se.makeState();
    await se.storeUserState('user-44', state);
    await expect(se.fetchAccessToken('user-44', 'made-up-code', state, { postFormData: true })).rejects.toMatchObject({
      code: 'token_request_error',
      error: 'invalid_error_code',
      status: 400,
      message: 'The token request was rejected by the provider (HTTP 400).',
    });
  });
});

describe.each(PLATFORMS)('the seed Stack Exchange configuration through the built-in routes on %s', (platform) => {
  let stackExchange: StackExchangeFake;
  let running: RunningApp;

  beforeAll(async () => {
    stackExchange = await startStackExchange();
    running = await startHttpApp(platform, { providers: { stackexchange: seedConfiguration(stackExchange.fake) } });
  });
  afterAll(async () => {
    await running.close();
    await stackExchange.fake.close();
  });
  afterEach(() => {
    stackExchange.answer = undefined;
  });

  it.each([
    ['{"access_token":"…","expires":86400}', { access_token: 'se-route-token', expires: 86400 }, 86400],
    ['{"access_token":"…"} (scope no_expiry)', { access_token: 'se-route-token' }, undefined],
  ])('completes the flow for %s: a Bearer token stored, 302 to successRedirect', async (_name, answer, expiresIn) => {
    stackExchange.answer = answer;
    const authorize = await fetch(`${running.url}/oauth/stackexchange/authorize`, {
      redirect: 'manual',
      headers: { 'x-user': 'user-42' },
    });
    expect(authorize.status).toBe(302);
    const callback = await stackExchange.fake.authorize(authorize.headers.get('location')!);
    const done = await fetch(`${running.url}/oauth/stackexchange/callback?${callback.toString()}`, {
      redirect: 'manual',
      headers: { 'x-user': 'user-42', cookie: cookiesFrom(authorize) },
    });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/');
    const stored = await running.app.get<TokenStore>(TOKEN_STORE).get('stackexchange', 'user-42');
    expect(stored).toMatchObject({ accessToken: 'se-route-token', tokenType: 'Bearer', raw: answer });
    expect(stored!.expiresIn).toBe(expiresIn);
  });
});
