/**
 * (c) `openid-client` 6 in a Nest controller on Express, pending flows in a Map: PKCE S256 and state with
 * its helpers, `buildAuthorizationUrl`, and `authorizationCodeGrant` (which checks the state and sends the
 * verifier). The `Configuration` is built by hand (no discovery); `allowInsecureRequests` for loopback http.
 * `BENCH_OIDC=1`: the OpenID Connect variant: scope `openid`, a nonce per flow (`randomNonce`, kept with the
 * state), `authorizationCodeGrant` with `expectedNonce`, which validates the ID token's claims (iss, aud, exp,
 * iat, sub, nonce); `enableNonRepudiationChecks` makes it verify the signature against the `jwks_uri` too
 * (openid-client skips that by default for the token endpoint's ID token, OpenID Connect Core §3.1.3.7 (6)),
 * as the module's ID token validation does. Both variants get their metadata statically, as the module's stacks do.
 */
import { Controller, Get, Headers, Module, Req, Res } from '@nestjs/common';
import * as client from 'openid-client';
import {
  AUTHORIZATION_ENDPOINT,
  CLIENT_ID,
  CLIENT_SECRET,
  OIDC,
  OIDC_AUTHORIZATION_ENDPOINT,
  OIDC_ISSUER,
  OIDC_JWKS_URI,
  OIDC_SCOPE,
  OIDC_TOKEN_ENDPOINT,
  PROVIDER_ORIGIN,
  REDIRECT_ORIGIN,
  SCOPE,
  STATE_TTL_MS,
  TOKEN_ENDPOINT,
  USER_HEADER,
  type StoredTokens,
} from './common.js';
import { startNest } from './nest-app.js';

const REDIRECT_URI = `${REDIRECT_ORIGIN}/oauth/fake/callback`;
const config = new client.Configuration(
  OIDC
    ? {
        issuer: OIDC_ISSUER,
        authorization_endpoint: OIDC_AUTHORIZATION_ENDPOINT,
        token_endpoint: OIDC_TOKEN_ENDPOINT,
        jwks_uri: OIDC_JWKS_URI,
        id_token_signing_alg_values_supported: ['RS256'],
      }
    : { issuer: PROVIDER_ORIGIN, authorization_endpoint: AUTHORIZATION_ENDPOINT, token_endpoint: TOKEN_ENDPOINT },
  CLIENT_ID,
  CLIENT_SECRET,
);
client.allowInsecureRequests(config);
if (OIDC) client.enableNonRepudiationChecks(config);
const scope = OIDC ? OIDC_SCOPE : SCOPE;

interface ExpressLikeResponse {
  redirect(status: number, url: string): void;
  setHeader(name: string, value: string): void;
  status(code: number): { json(body: unknown): void };
}

@Controller('oauth/fake')
class OpenIdClientController {
  private readonly pending = new Map<string, { user: string; verifier: string; nonce?: string; expiresAt: number }>();
  private readonly tokens = new Map<string, StoredTokens>();

  @Get('authorize')
  async authorize(@Headers(USER_HEADER) user: string | undefined, @Res() response: ExpressLikeResponse): Promise<void> {
    if (!user) return void response.status(401).json({ statusCode: 401 });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = OIDC ? client.randomNonce() : undefined;
    this.pending.set(state, { user, verifier, nonce, expiresAt: Date.now() + STATE_TTL_MS });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(nonce === undefined ? {} : { nonce }),
    });
    response.setHeader('Cache-Control', 'no-store');
    response.redirect(302, url.href);
  }

  @Get('callback')
  async callback(
    @Headers(USER_HEADER) user: string | undefined,
    @Req() request: { url: string },
    @Res() response: ExpressLikeResponse,
  ): Promise<void> {
    if (!user) return void response.status(401).json({ statusCode: 401 });
    response.setHeader('Cache-Control', 'no-store');
    const currentUrl = new URL(request.url, REDIRECT_ORIGIN);
    const state = currentUrl.searchParams.get('state');
    const record = state === null ? undefined : this.pending.get(state);
    if (state === null || !record) return void response.status(400).json({ statusCode: 400, error: 'invalid_state' });
    this.pending.delete(state);
    if (record.user !== user || record.expiresAt <= Date.now())
      return void response.status(400).json({ statusCode: 400, error: 'invalid_state' });
    try {
      const result = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: record.verifier,
        expectedState: state,
        expectedNonce: record.nonce,
        idTokenExpected: OIDC,
      });
      this.tokens.set(user, {
        accessToken: result.access_token,
        refreshToken: result.refresh_token,
        expiresAt: result.expires_in === undefined ? undefined : Date.now() + result.expires_in * 1000,
      });
      response.redirect(302, '/');
    } catch {
      response.status(502).json({ statusCode: 502, error: 'token_endpoint_error' });
    }
  }
}

@Module({ controllers: [OpenIdClientController] })
class AppModule {}

await startNest(AppModule, { authorizePath: '/oauth/fake/authorize', callbackPath: '/oauth/fake/callback' }, 'express');
