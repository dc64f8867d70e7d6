import { describe, expect, it } from '@jest/globals';
import { IdTokenValidationError } from '../auth-code-flow.errors.js';
import type { TokenHttpResponse, TokenHttpTransport } from '../interfaces/token-http-transport.interface.js';
import { resolveOptions } from '../options/resolve-options.util.js';
import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import { TokenEndpointClient } from './token-endpoint.client.js';
import { TokenGrants, type IdTokenVerifier } from './token-grants.js';

const CONFIG: ResolvedProviderConfig = resolveOptions({
  providers: {
    idp: {
      baseUri: 'https://idp.example',
      authorizationPath: '/authorize',
      accessTokenPath: '/token',
      jwksPath: '/jwks',
      issuer: 'https://idp.example',
      clientId: 'client',
      clientSecret: 'secret',
      redirectUri: 'https://app.example/cb',
      scope: 'openid',
    },
  },
}).providers.get('idp')!;

/** A transport answering every POST with `body` as JSON. */
function answering(body: Record<string, unknown>): TokenHttpTransport {
  return {
    post: async (): Promise<TokenHttpResponse> => ({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify(body),
    }),
  };
}

/** A verifier that records what it was asked and answers fixed claims. */
function recordingVerifier(claims: Record<string, unknown> = { sub: 'ada' }) {
  const calls: Array<{ idToken: string; expected: Parameters<IdTokenVerifier['validate']>[1] }> = [];
  const verifier: IdTokenVerifier = {
    validate: async (idToken, expected) => {
      calls.push({ idToken, expected });
      return claims;
    },
  };
  return { verifier, calls };
}

const grants = (body: Record<string, unknown>, verifier?: IdTokenVerifier) =>
  new TokenGrants(CONFIG, new TokenEndpointClient(answering(body)), 1000, verifier);

describe('TokenGrants with an ID token verifier', () => {
  it('validates the code grant’s ID token against the flow’s nonce and the access token, and keeps the claims', async () => {
    const { verifier, calls } = recordingVerifier({ sub: 'ada', email: 'a@x' });
    const tokens = await grants({ access_token: 'at', token_type: 'Bearer', id_token: 'jwt' }, verifier).exchangeCode(
      'code',
      { codeVerifier: 'v', nonce: 'n-1' },
    );
    expect(calls).toEqual([{ idToken: 'jwt', expected: { nonce: 'n-1', accessToken: 'at' } }]);
    expect(tokens.idTokenClaims).toEqual({ sub: 'ada', email: 'a@x' });
  });

  it('refuses a code grant answer without an ID token, and a flow without a nonce, before any validation', async () => {
    const { verifier, calls } = recordingVerifier();
    const noIdToken = grants({ access_token: 'at', token_type: 'Bearer' }, verifier).exchangeCode('c', { nonce: 'n' });
    await expect(noIdToken).rejects.toThrow(IdTokenValidationError);
    await expect(noIdToken).rejects.toMatchObject({ code: 'invalid_id_token', reason: 'missing_id_token' });
    const noNonce = grants({ access_token: 'at', id_token: 'jwt' }, verifier).exchangeCode('c', {});
    await expect(noNonce).rejects.toMatchObject({ reason: 'nonce_missing' });
    expect(calls).toEqual([]);
  });

  it('checks a refresh answer’s ID token without a nonce but with the previous subject, and skips one without', async () => {
    const { verifier, calls } = recordingVerifier();
    const previous = { accessToken: 'old', tokenType: 'Bearer', raw: {}, idTokenClaims: { sub: 'ada' } };
    const refreshed = await grants({ access_token: 'at2', id_token: 'jwt2' }, verifier).refresh('rt', previous);
    expect(calls).toEqual([{ idToken: 'jwt2', expected: { accessToken: 'at2', subject: 'ada' } }]);
    expect(refreshed.idTokenClaims).toEqual({ sub: 'ada' });
    await grants({ access_token: 'at2', id_token: 'jwt3' }, verifier).refresh('rt');
    expect(calls[1]).toEqual({ idToken: 'jwt3', expected: { accessToken: 'at2' } });
    const plain = await grants({ access_token: 'at3' }, verifier).refresh('rt', previous);
    expect(plain.idTokenClaims).toBeUndefined();
    expect(calls).toHaveLength(2);
  });

  it('passes every answer through unvalidated without a verifier (a provider without openid)', async () => {
    const tokens = await grants({ access_token: 'at', id_token: 'jwt' }).exchangeCode('c', {});
    expect(tokens).toMatchObject({ accessToken: 'at', idToken: 'jwt' });
    expect(tokens.idTokenClaims).toBeUndefined();
  });
});
