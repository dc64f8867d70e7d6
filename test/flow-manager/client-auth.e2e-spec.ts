// JWT client authentication against the loopback fake provider, for what oidc-provider does not show: the
// metadata's `token_endpoint_auth_signing_alg_values_supported` choosing among the algorithms a key fits, and the
// assertion in a JSON token request body. Each assertion is verified here with jose against the public key.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { jwtVerify } from 'jose';
import { AuthCodeFlowConfigError, FlowManagerRegistry, type FlowManagerOptions } from '../../lib/index.js';
import { FakeProvider, json } from '../support/fake-provider.js';
import { compileWith } from '../support/testing-module.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('JWT client authentication with provider metadata', () => {
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

  /** Serves metadata that lists `algorithms` (or none), and registers the client with the fake. */
  function serveMetadata(algorithms: string[] | undefined): void {
    provider.on('GET', '/.well-known/openid-configuration', (_request, res) =>
      json(res, 200, {
        issuer: provider.url,
        authorization_endpoint: `${provider.url}/oauth/authorize`,
        token_endpoint: `${provider.url}/oauth/token`,
        ...(algorithms === undefined ? {} : { token_endpoint_auth_signing_alg_values_supported: algorithms }),
      }),
    );
  }

  async function exchange(options: Partial<FlowManagerOptions>) {
    const redirectUri = 'http://127.0.0.1:3000/oauth/fake/callback';
    provider.registerClient({ clientId: 'jwt-client', redirectUri });
    moduleRef = await compileWith({
      providers: {
        fake: {
          issuer: provider.url,
          clientId: 'jwt-client',
          redirectUri,
          clientPrivateKey: rsa.privateKey,
          ...options,
        },
      },
    });
    const manager = moduleRef.get(FlowManagerRegistry).get('fake');
    const { url } = await manager.createAuthorizationUrl(undefined);
    await manager.handleCallback(undefined, await provider.authorize(url));
    const [request] = provider.requestsTo('/oauth/token');
    expect(request!.params).toMatchObject({ client_id: 'jwt-client', client_assertion_type: JWT_BEARER });
    expect(request!.params.client_secret).toBeUndefined();
    const verified = await jwtVerify(request!.params.client_assertion!, rsa.publicKey, {
      issuer: 'jwt-client',
      subject: 'jwt-client',
      audience: provider.url,
    });
    return { request: request!, alg: verified.protectedHeader.alg };
  }

  it('signs with an algorithm the metadata lists, the default first, then by the preference of the key', async () => {
    serveMetadata(['ES256', 'PS512', 'PS256']);
    expect((await exchange({})).alg).toBe('PS256');
    await moduleRef!.close();
    moduleRef = undefined;
    provider.reset();
    serveMetadata(['PS256', 'RS256']);
    expect((await exchange({})).alg).toBe('RS256');
  });

  it('keeps the default when the metadata lists no algorithm, or none that fits', async () => {
    serveMetadata(undefined);
    expect((await exchange({})).alg).toBe('RS256');
    await moduleRef!.close();
    moduleRef = undefined;
    provider.reset();
    serveMetadata(['ES256']);
    expect((await exchange({})).alg).toBe('RS256');
  });

  it('keeps a configured algorithm whatever the metadata lists', async () => {
    serveMetadata(['PS256']);
    expect((await exchange({ clientAssertionAlgorithm: 'RS384' })).alg).toBe('RS384');
  });

  it('puts the assertion in a JSON body with postFormData: false', async () => {
    serveMetadata(undefined);
    const { request } = await exchange({ postFormData: false });
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toMatchObject({ client_assertion_type: JWT_BEARER });
  });

  it('fails the start-up on a bad key, naming the option and nothing of the key', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const failure = await compileWith({
      providers: {
        fake: {
          issuer: provider.url,
          clientId: 'jwt-client',
          redirectUri: 'http://127.0.0.1:3000/oauth/fake/callback',
          clientPrivateKey: publicKey.export({ format: 'jwk' }),
        },
      },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthCodeFlowConfigError);
    expect((failure as AuthCodeFlowConfigError).problems).toEqual([
      'providers.fake.clientPrivateKey is a public key: give the private key (the server registers its public half)',
    ]);
  });
});
