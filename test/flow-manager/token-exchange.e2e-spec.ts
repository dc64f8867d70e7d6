import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import {
  FlowManagerRegistry,
  TokenEndpointError,
  TokenHttpFailure,
  TokenRequestError,
  type AuthCodeFlowModuleOptions,
  type FlowManager,
  type FlowManagerOptions,
  type TokenHttpTransport,
} from '../../lib/index.js';
import { FakeProvider, json } from '../support/fake-provider.js';
import { CLIENT_SECRET, compileWith, fakeClientOptions } from '../support/testing-module.js';

describe('token exchange', () => {
  let provider: FakeProvider;
  let moduleRef: TestingModule | undefined;

  beforeAll(async () => {
    provider = await FakeProvider.start();
  });
  afterAll(() => provider.close());
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    provider.reset();
  });

  async function managerFor(
    overrides: Partial<FlowManagerOptions> = {},
    moduleOptions: Partial<AuthCodeFlowModuleOptions> = {},
    name = 'fake',
  ): Promise<FlowManager> {
    moduleRef = await compileWith({
      providers: { [name]: fakeClientOptions(provider, name, overrides) },
      ...moduleOptions,
    });
    return moduleRef.get(FlowManagerRegistry).get(name);
  }

  /** Starts a flow for `user` and walks the browser through the provider; returns the callback query. */
  async function startFlow(manager: FlowManager, user = 'ada'): Promise<URLSearchParams> {
    const { url } = await manager.createAuthorizationUrl(user);
    return provider.authorize(url);
  }

  const tokenRequests = () => provider.requestsTo('/oauth/token');

  it('sends the PKCE verifier that matches the S256 challenge, and the exact redirect_uri', async () => {
    const manager = await managerFor();
    const { url } = await manager.createAuthorizationUrl('ada');
    const challenge = new URL(url).searchParams.get('code_challenge');
    const callback = await provider.authorize(url);
    const { tokens } = await manager.handleCallback('ada', callback);
    expect(tokens).toMatchObject({
      tokenType: 'Bearer',
      refreshToken: expect.stringMatching(/^refresh-/),
      scope: 'read write',
      expiresIn: 3600,
    });
    const [request] = tokenRequests();
    expect(request!.params.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createHash('sha256').update(request!.params.code_verifier!).digest('base64url')).toBe(challenge);
    expect(request!.params.redirect_uri).toBe('http://127.0.0.1:3000/oauth/fake/callback');
    expect(request!.headers.accept).toBe('application/json');
  });

  it('sends no PKCE parameters with pkce: false', async () => {
    const manager = await managerFor({ pkce: false });
    const { url } = await manager.createAuthorizationUrl('ada');
    expect(new URL(url).searchParams.has('code_challenge')).toBe(false);
    await manager.handleCallback('ada', await provider.authorize(url));
    expect(tokenRequests()[0]!.params.code_verifier).toBeUndefined();
  });

  it('authenticates with client_secret_basic, a secret with : + & % / and spaces included', async () => {
    const secret = 'p:a+s&s%w/o r d';
    const manager = await managerFor({ clientSecret: secret, clientAuthMethod: 'client_secret_basic' });
    const { tokens } = await manager.handleCallback('ada', await startFlow(manager));
    expect(tokens.accessToken).toMatch(/^access-/);
    const [request] = tokenRequests();
    expect(request!.params.client_secret).toBeUndefined();
    expect(request!.headers.authorization).toMatch(/^Basic /);
  });

  it('authenticates a public client with its id only', async () => {
    const manager = await managerFor({ clientSecret: undefined });
    await manager.handleCallback('ada', await startFlow(manager));
    expect(tokenRequests()[0]!.params).toMatchObject({ client_id: 'fake-client' });
    expect(tokenRequests()[0]!.params.client_secret).toBeUndefined();
  });

  it('posts a JSON body with postFormData: false (the seed default)', async () => {
    const manager = await managerFor({ postFormData: false });
    await manager.handleCallback('ada', await startFlow(manager));
    expect(tokenRequests()[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(tokenRequests()[0]!.body)).toMatchObject({
      grant_type: 'authorization_code',
      client_secret: CLIENT_SECRET,
    });
  });

  it('parses a GitHub-style form-encoded token response', async () => {
    // https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps (without Accept: JSON)
    provider.on('POST', '/oauth/token', (_request, res) => {
      res
        .writeHead(200, { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' })
        .end('access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer');
    });
    const manager = await managerFor();
    const { tokens } = await manager.handleCallback('ada', await startFlow(manager));
    expect(tokens).toEqual({
      accessToken: 'gho_16C7e42F292c6912E7710c838347Ae178B4a',
      tokenType: 'bearer',
      scope: 'repo,gist',
      raw: { access_token: 'gho_16C7e42F292c6912E7710c838347Ae178B4a', scope: 'repo,gist', token_type: 'bearer' },
    });
  });

  it('turns 400 invalid_grant into TokenRequestError, and stores nothing', async () => {
    const events: unknown[] = [];
    const manager = await managerFor({}, { onTokens: (event) => void events.push(event) });
    const callback = await startFlow(manager);
    callback.set('code', 'made-up-code');
    const failure = manager.handleCallback('ada', callback);
    await expect(failure).rejects.toBeInstanceOf(TokenRequestError);
    await expect(failure).rejects.toMatchObject({ error: 'invalid_grant', status: 400, code: 'token_request_error' });
    expect(await manager.getTokens('ada')).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('turns an error in an HTTP 200 body into TokenRequestError', async () => {
    provider.on('POST', '/oauth/token', (_request, res) =>
      json(res, 200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' }),
    );
    const manager = await managerFor();
    await expect(manager.handleCallback('ada', await startFlow(manager))).rejects.toMatchObject({
      error: 'bad_verification_code',
      errorDescription: 'The code passed is incorrect or expired.',
      status: 200,
    });
  });

  // Hangs, slow drips, 5xx with and without Retry-After, HTML, bad bodies, oversized and compressed bodies,
  // resets, a refused connection and redirects: test/flow-manager/token-endpoint-faults.e2e-spec.ts.

  it("does not repeat a custom transport's error code unless it looks like one, nor retry on it", async () => {
    let calls = 0;
    const transport: TokenHttpTransport = {
      post: async () => {
        calls += 1;
        throw new TokenHttpFailure('network', 'ECONNREFUSED\r\nclient_secret=x', 'refused?');
      },
    };
    const manager = await managerFor({}, { tokenTransport: transport });
    const error = await manager.handleCallback('ada', await startFlow(manager)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      failure: 'network',
      message: 'The token request failed: network error without a code.',
    });
    expect(calls).toBe(1);
  });

  it('never puts the secret, code, verifier or tokens in an error', async () => {
    const secrets: string[] = [CLIENT_SECRET];
    provider.on('POST', '/oauth/token', (request, res) => {
      secrets.push(request.params.code!, request.params.code_verifier!);
      res.socket?.destroy();
    });
    const manager = await managerFor();
    const error = await manager.handleCallback('ada', await startFlow(manager)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenEndpointError);
    const rendered = [
      inspect(error, { depth: 10, showHidden: true }),
      JSON.stringify(error),
      String(error),
      (error as Error).stack,
    ].join('\n');
    for (const secret of secrets) expect(rendered).not.toContain(secret);
  });
});
