import { describe, expect, it } from '@jest/globals';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import type { TokenHttpTransport } from '../interfaces/token-http-transport.interface.js';
import { resolveOptions } from '../options/resolve-options.util.js';
import { ProviderEndpoints } from './provider-endpoints.js';
import { TokenEndpointClient } from './token-endpoint.client.js';

// With DPoP, what ProviderEndpoints hands out waits for the manager's key, and the key's algorithm must be one
// the discovered server takes (RFC 9449 §5.1 dpop_signing_alg_values_supported).

const ISSUER = 'https://idp.example';

function endpointsFor(options: Record<string, unknown>, metadata: Record<string, unknown> = {}): ProviderEndpoints {
  const transport: TokenHttpTransport = {
    post: async () => {
      throw new Error('no request expected');
    },
    get: async () => ({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/authorize`,
        token_endpoint: `${ISSUER}/token`,
        ...metadata,
      }),
    }),
  };
  const raw = { clientId: 'client', redirectUri: 'https://app.example/oauth/p/callback', ...options };
  const config = resolveOptions({ providers: { p: raw } }).providers.get('p')!;
  return new ProviderEndpoints(config, new TokenEndpointClient(transport), 1000);
}

const STATIC = { baseUri: ISSUER, authorizationPath: '/authorize', accessTokenPath: '/token' };

describe('ProviderEndpoints with DPoP', () => {
  it('hands out no part before the key is ready; load waits for it', async () => {
    const endpoints = endpointsFor({ ...STATIC, dpop: true, dpopBindAuthorizationCode: true });
    expect(endpoints.ready()).toBeUndefined();
    const parts = await endpoints.load();
    expect(endpoints.ready()).toBe(parts);
    const url = new URL(parts.authorizationUrls.build('s', { codeVerifier: 'v'.repeat(43) }));
    expect(url.searchParams.get('dpop_jkt')).toBe(endpoints.dpop!.thumbprint);
    expect(endpointsFor(STATIC).ready()).toBeDefined();
  });

  it.each([
    ['lists the key’s algorithm', ['ES256', 'EdDSA']],
    ['says nothing of DPoP', undefined],
  ])('takes a discovered server that %s', async (_case, algs) => {
    const endpoints = endpointsFor({ issuer: ISSUER, dpop: true }, { dpop_signing_alg_values_supported: algs });
    await expect(endpoints.load()).resolves.toMatchObject({ config: { tokenEndpoint: `${ISSUER}/token` } });
  });

  it('refuses a discovered server whose DPoP algorithms leave the key’s out, before any flow starts', async () => {
    const endpoints = endpointsFor(
      { issuer: ISSUER, dpop: true },
      { dpop_signing_alg_values_supported: ['PS256', 'RS256'] },
    );
    const error = await endpoints.load().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthCodeFlowConfigError);
    expect((error as AuthCodeFlowConfigError).problems).toEqual([
      "providers.p.dpop: the provider's dpop_signing_alg_values_supported does not hold ES256, the algorithm of the DPoP key",
    ]);
  });
});
