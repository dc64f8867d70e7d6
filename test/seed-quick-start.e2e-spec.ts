// The seed project's quick start (auth-code-flow, Python), step by step in its TypeScript form, with the
// seed's own Stack Exchange configuration. The loopback fake mimics Stack Exchange's documented behaviour
// (https://api.stackexchange.com/docs/authentication): GET /oauth redirects back with code and state; the
// JSON token endpoint /oauth/access_token/json takes form-posted credentials and answers
// {"access_token": "..."} (plus "expires" unless the scope is no_expiry), with no token_type.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { AuthCodeFlowModule, FlowManager, InjectFlowManager, type FlowManagerOptions } from '../lib/index.js';
import { FakeProvider, json } from './support/fake-provider.js';

@Injectable()
class ConnectStackExchange {
  constructor(@InjectFlowManager('stackexchange') readonly se: FlowManager) {}
}

describe('the seed quick start with Stack Exchange', () => {
  let stackExchange: FakeProvider;
  let moduleRef: TestingModule;

  beforeAll(async () => {
    stackExchange = await FakeProvider.start();
    stackExchange.registerClient({ clientId: '1234', clientSecret: 'se-secret((', redirectUri: 'https://app.example/callback' });
    // Stack Exchange's authorization endpoint is /oauth; its JSON token endpoint omits token_type.
    stackExchange.on('GET', '/oauth', (request, res) => {
      const target = new URL(request.query.get('redirect_uri')!);
      const code = `se-code-${stackExchange.requests.length}`;
      stackExchange.codes.set(code, { clientId: request.query.get('client_id')!, redirectUri: target.toString(), used: false, scope: request.query.get('scope')! });
      target.searchParams.set('code', code);
      target.searchParams.set('state', request.query.get('state')!);
      res.writeHead(302, { Location: target.toString() }).end();
    });
    stackExchange.on('POST', '/oauth/access_token/json', (request, res) => {
      const issued = stackExchange.codes.get(request.params.code ?? '');
      const credentialsOk = request.params.client_id === '1234' && request.params.client_secret === 'se-secret((';
      if (!credentialsOk || !issued || issued.used || request.params.redirect_uri !== issued.redirectUri) {
        return json(res, 400, { error: { type: 'invalid_request', message: 'bad code' } });
      }
      issued.used = true;
      json(res, 200, issued.scope === 'no_expiry' ? { access_token: 'se-token(1)' } : { access_token: 'se-token(2)', expires: 86400 });
    });

    // The seed's StackExchangeFlowManager, attribute for attribute; only base_uri points at the fake.
    const stackExchangeFlowManager: FlowManagerOptions = {
      baseUri: stackExchange.url, // https://stackoverflow.com in production
      authorizationPath: '/oauth',
      accessTokenPath: '/oauth/access_token/json',
      clientId: '1234',
      clientSecret: 'se-secret((',
      redirectUri: 'https://app.example/callback',
      scope: 'no_expiry',
      // Stack Exchange omits token_type and says "expires" for expires_in.
      normalizeTokenResponse: ({ expires, ...body }) => ({ token_type: 'bearer', ...(expires !== undefined ? { expires_in: expires } : {}), ...body }),
    };

    @Module({ imports: [AuthCodeFlowModule.forRoot({ providers: { stackexchange: stackExchangeFlowManager } })], providers: [ConnectStackExchange] })
    class AppModule {}
    moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await moduleRef.init();
  });

  afterAll(async () => {
    await moduleRef.close();
    await stackExchange.close();
  });

  it('make_state, store_user_state, get_authorization_endpoint, check_user_state, fetch_access_token', async () => {
    const { se } = moduleRef.get(ConnectStackExchange);
    const user = 'user-42';

    // 1. In the view that starts the flow.
    const state = se.makeState();
    await se.storeUserState(user, state);
    const authEndpoint = await se.getAuthorizationEndpoint(state);

    const sent = new URL(authEndpoint);
    expect(`${sent.origin}${sent.pathname}`).toBe(`${stackExchange.url}/oauth`);
    expect(Object.fromEntries(sent.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: '1234',
      redirect_uri: 'https://app.example/callback',
      scope: 'no_expiry',
      state,
      code_challenge_method: 'S256',
    });

    // 2. The user consents; Stack Exchange redirects to the callback with code and state.
    const callback = await stackExchange.authorize(authEndpoint);
    const code = callback.get('code')!;
    expect(callback.get('state')).toBe(state);

    // 3. In the callback view.
    expect(await se.checkUserState(user, state)).toBe(true);
    const tokens = await se.fetchAccessToken(user, code, state, { postFormData: true });

    expect(tokens).toMatchObject({ accessToken: 'se-token(1)', tokenType: 'bearer', raw: { access_token: 'se-token(1)' } });
    expect(tokens.expiresAt).toBeUndefined();
    const tokenRequest = stackExchange.requestsTo('/oauth/access_token/json')[0]!;
    expect(tokenRequest.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(tokenRequest.params).toMatchObject({ client_id: '1234', client_secret: 'se-secret((', code, redirect_uri: 'https://app.example/callback', grant_type: 'authorization_code' });
    expect(await se.getTokens(user)).toEqual(tokens);

    // The state was single use.
    expect(await se.checkUserState(user, state)).toBe(false);
    await expect(se.fetchAccessToken(user, code, state)).rejects.toMatchObject({ code: 'invalid_state' });
    expect(stackExchange.requestsTo('/oauth/access_token/json')).toHaveLength(1);
  });
});
