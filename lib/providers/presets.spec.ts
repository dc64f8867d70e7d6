import { describe, expect, it } from '@jest/globals';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { resolveOptions } from '../options/resolve-options.util.js';
import {
  atlassian,
  discord,
  dropbox,
  entraId,
  facebook,
  github,
  gitlab,
  google,
  linkedin,
  reddit,
  slack,
  slackOpenId,
  spotify,
  stackExchange,
  twitch,
  x,
} from './index.js';
import { flattenErrorObject, scopeArrayToString } from './preset.util.js';
import { slackAuthedUser, slackEnvelope } from './slack.preset.js';
import { normalizeStackExchange } from './stack-exchange.preset.js';
import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';

const client = { clientId: 'id', clientSecret: 'secret', redirectUri: 'https://app.example/oauth/p/callback' };

const presets: Record<string, () => FlowManagerOptions> = {
  atlassian: () => atlassian(client),
  discord: () => discord(client),
  dropbox: () => dropbox(client),
  entraId: () => entraId({ ...client, tenant: 'contoso.onmicrosoft.com' }),
  facebook: () => facebook(client),
  github: () => github(client),
  gitlab: () => gitlab(client),
  google: () => google(client),
  linkedin: () => linkedin(client),
  reddit: () => reddit(client),
  slack: () => slack({ ...client, scope: 'commands' }),
  slackOpenId: () => slackOpenId(client),
  spotify: () => spotify(client),
  stackExchange: () => stackExchange(client),
  twitch: () => twitch(client),
  x: () => x(client),
};

function thrown(fn: () => unknown): AuthCodeFlowConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AuthCodeFlowConfigError) return error;
    throw error;
  }
  throw new Error('expected an AuthCodeFlowConfigError');
}

describe('provider presets', () => {
  it.each(Object.keys(presets))('%s gives options the module accepts, with https endpoints', (name) => {
    const options = presets[name]!();
    const resolved = resolveOptions({ providers: { [name]: options } }).providers.get(name)!;
    expect(resolved.authorizationEndpoint).toMatch(/^https:\/\//);
    expect(resolved.tokenEndpoint).toMatch(/^https:\/\//);
  });

  it('encodes each provider’s PKCE support and client authentication', () => {
    const summary = Object.fromEntries(
      Object.entries(presets).map(([name, make]) => [name, [make().pkce, make().clientAuthMethod]]),
    );
    expect(summary).toEqual({
      atlassian: [false, 'client_secret_post'],
      discord: [true, 'client_secret_basic'],
      dropbox: [true, 'client_secret_post'],
      entraId: [true, 'client_secret_post'],
      facebook: [true, 'client_secret_post'],
      github: [true, 'client_secret_post'],
      gitlab: [true, 'client_secret_post'],
      google: [true, 'client_secret_post'],
      linkedin: [false, 'client_secret_post'],
      reddit: [false, 'client_secret_basic'],
      slack: [true, 'client_secret_basic'],
      slackOpenId: [true, 'client_secret_post'],
      spotify: [true, 'client_secret_basic'],
      stackExchange: [false, 'client_secret_post'],
      twitch: [false, 'client_secret_post'],
      x: [true, 'client_secret_basic'],
    });
  });

  it('lets the caller override any field; baseUri moves every endpoint, including those on another host', () => {
    const options = google({ ...client, baseUri: 'https://sso.example', pkce: false, issuer: 'https://sso.example' });
    expect(options).toMatchObject({
      baseUri: 'https://sso.example',
      authorizationPath: '/o/oauth2/v2/auth',
      accessTokenPath: '/token',
      revocationPath: '/revoke',
      pkce: false,
      issuer: 'https://sso.example',
    });
    const resolved = resolveOptions({ providers: { g: options } }).providers.get('g')!;
    expect(resolved.tokenEndpoint).toBe('https://sso.example/token');
  });

  it('merges the caller’s authorizationParams over the preset’s extras', () => {
    expect(
      google({ ...client, authorizationParams: { prompt: 'select_account', hd: 'example.com' } }).authorizationParams,
    ).toEqual({
      access_type: 'offline',
      prompt: 'select_account',
      hd: 'example.com',
    });
    expect(atlassian(client).authorizationParams).toEqual({ audience: 'api.atlassian.com', prompt: 'consent' });
    expect(dropbox(client).authorizationParams).toEqual({ token_access_type: 'offline' });
    expect(reddit({ ...client, permanent: false }).authorizationParams).toEqual({ duration: 'temporary' });
  });

  it('keeps preset-only options out of the module options', () => {
    const options = entraId({ ...client, tenant: 'common' }) as unknown as Record<string, unknown>;
    expect(options.tenant).toBeUndefined();
    expect(options.issuer).toBeUndefined();
    expect(() => resolveOptions({ providers: { e: entraId({ ...client, tenant: 'common' }) } })).not.toThrow();
  });

  it('sets the tenant issuer for a tenant id, and the instance issuer for GitLab', () => {
    const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    expect(entraId({ ...client, tenant }).issuer).toBe(`https://login.microsoftonline.com/${tenant}/v2.0`);
    expect(gitlab({ ...client, baseUri: 'https://git.example.com/gitlab/' })).toMatchObject({
      baseUri: 'https://git.example.com/gitlab',
      issuer: 'https://git.example.com/gitlab',
    });
    expect(discord(client)).toMatchObject({ issuer: 'https://discord.com' });
    expect(discord(client).requireIssuerParameter).toBeUndefined();
  });

  it('sets the issuer wherever the provider documents one', () => {
    const issuers = Object.fromEntries(Object.entries(presets).map(([name, make]) => [name, make().issuer]));
    expect(issuers).toEqual({
      atlassian: undefined,
      discord: 'https://discord.com',
      dropbox: 'https://www.dropbox.com',
      entraId: undefined, // a domain tenant: see the tenant-id case below
      facebook: 'https://www.facebook.com',
      github: undefined,
      gitlab: 'https://gitlab.com',
      google: 'https://accounts.google.com',
      linkedin: 'https://www.linkedin.com/oauth',
      reddit: undefined,
      slack: undefined,
      slackOpenId: 'https://slack.com',
      spotify: undefined,
      stackExchange: undefined,
      twitch: 'https://id.twitch.tv/oauth2',
      x: undefined,
    });
  });

  it('lets a preset without an issuer opt out of the iss check, and refuses the opt-out beside an issuer', () => {
    expect(
      resolveOptions({ providers: { gh: github({ ...client, allowUnverifiedIssuer: true }) } }).providers.get('gh')
        ?.allowUnverifiedIssuer,
    ).toBe(true);
    expect(() => resolveOptions({ providers: { g: google({ ...client, allowUnverifiedIssuer: true }) } })).toThrow(
      'providers.g.allowUnverifiedIssuer cannot be combined with providers.g.issuer: with an issuer, every iss is checked against it',
    );
  });

  describe('input validation', () => {
    it('names the preset and the missing client fields, all at once', () => {
      const error = thrown(() => github({} as never));
      expect(error.message).toContain('github');
      expect(error.problems).toEqual([
        'clientId is required',
        'redirectUri is required',
        'clientSecret is required: GitHub authenticates the web flow with the client secret',
      ]);
    });

    it('requires a tenant for Entra ID, and refuses a malformed one', () => {
      expect(thrown(() => entraId(client as never)).problems).toEqual([expect.stringContaining('tenant is required')]);
      expect(thrown(() => entraId({ ...client, tenant: 'x/../evil' })).problems).toEqual([
        expect.stringContaining('tenant must be'),
      ]);
    });

    it('requires an https GitLab base URL', () => {
      expect(thrown(() => gitlab({ ...client, baseUri: 'http://gitlab.example.com' })).problems).toEqual([
        expect.stringContaining('https'),
      ]);
      expect(thrown(() => gitlab({ ...client, baseUri: 'not a url' })).problems).toHaveLength(1);
      expect(gitlab({ ...client, baseUri: 'http://gitlab.internal', allowInsecureRequests: true }).baseUri).toBe(
        'http://gitlab.internal',
      );
    });

    it('refuses to turn PKCE off for X', () => {
      expect(thrown(() => x({ ...client, pkce: false })).problems).toEqual([
        'pkce cannot be turned off: X requires PKCE',
      ]);
    });

    it('requires a secret where the provider has no public clients', () => {
      const { clientSecret: _omitted, ...publicClient } = client;
      for (const make of [github, stackExchange, linkedin, atlassian, twitch, reddit, facebook]) {
        expect(thrown(() => make(publicClient)).problems).toEqual([
          expect.stringContaining('clientSecret is required'),
        ]);
      }
      expect(x(publicClient).clientAuthMethod).toBe('none');
      expect(spotify(publicClient).clientAuthMethod).toBe('none');
    });

    it('requires a secret of Google and Sign in with Slack, even when a public client is asked for', () => {
      const { clientSecret: _omitted, ...publicClient } = client;
      expect(thrown(() => google(publicClient)).problems).toEqual([
        'clientSecret is required: Google web application clients authenticate with their client secret',
      ]);
      expect(thrown(() => google({ ...publicClient, clientAuthMethod: 'none' })).problems).toEqual([
        expect.stringContaining('clientSecret is required'),
      ]);
      expect(thrown(() => slackOpenId(publicClient)).problems).toEqual([
        'clientSecret is required: openid.connect.token authenticates the app with its client secret',
      ]);
      expect(thrown(() => slackOpenId({ ...publicClient, clientAuthMethod: 'none' })).problems).toEqual([
        expect.stringContaining('clientSecret is required'),
      ]);
      expect(google(client).clientAuthMethod).toBe('client_secret_post');
      expect(slackOpenId(client).clientAuthMethod).toBe('client_secret_post');
    });

    it('requires a secret of Entra ID, GitLab and Discord unless a public client is asked for, which then needs PKCE', () => {
      const { clientSecret: _omitted, ...publicClient } = client;
      const makers = {
        entraId: (options: typeof publicClient & Partial<FlowManagerOptions>) =>
          entraId({ ...options, tenant: 'common' }),
        gitlab,
        discord,
      };
      for (const [name, make] of Object.entries(makers)) {
        expect({ name, problems: thrown(() => make(publicClient)).problems }).toEqual({
          name,
          problems: [
            expect.stringMatching(/^clientSecret is required: .*; for a public client, pass clientAuthMethod: 'none'$/),
          ],
        });
        const options = make({ ...publicClient, clientAuthMethod: 'none' });
        expect(resolveOptions({ providers: { p: options } }).providers.get('p')).toMatchObject({
          clientAuthMethod: 'none',
          pkce: true,
        });
        expect(thrown(() => make({ ...publicClient, clientAuthMethod: 'none', pkce: false })).problems).toEqual([
          'pkce cannot be turned off for a public client (RFC 9700 §2.1.1)',
        ]);
      }
    });

    it('reports every problem at once, a mistyped key as not a known option beside the missing one', () => {
      expect(
        thrown(() => facebook({ clientID: 'id', redirectUri: client.redirectUri, graphVersion: '23' } as never))
          .problems,
      ).toEqual([
        'clientId is required',
        'clientID is not a known option (did you mean clientId?)',
        'graphVersion must look like v23.0',
        'clientSecret is required: the code exchange authenticates with the app secret',
      ]);
      expect(thrown(() => slack({ clientId: 'id', redirectURI: client.redirectUri } as never)).problems).toEqual([
        'redirectUri is required',
        'redirectURI is not a known option (did you mean redirectUri?)',
        'clientSecret is required: oauth.v2.access authenticates the app with its client secret',
        'scope (bot scopes) or userScope (user scopes) is required',
      ]);
      expect(
        thrown(() =>
          gitlab({
            clientId: 'id',
            redirectUri: client.redirectUri,
            baseUri: 'http://gitlab.example.com',
            client_secret: 's',
          } as never),
        ).problems,
      ).toEqual([
        'client_secret is not a known option (did you mean clientSecret?)',
        "clientSecret is required: a confidential GitLab application authenticates with its secret; for a public client, pass clientAuthMethod: 'none'",
        'baseUri must be the https URL of the GitLab instance, e.g. https://gitlab.example.com',
      ]);
      expect(thrown(() => x({ ...client, pkce: false, scopes: ['a'] } as never)).problems).toEqual([
        'scopes is not a known option',
        'pkce cannot be turned off: X requires PKCE',
      ]);
      // A preset's own options are known to it.
      expect(() => entraId({ ...client, tenant: 'common' })).not.toThrow();
      expect(() => reddit({ ...client, permanent: false, userAgent: 'web:app:v1' })).not.toThrow();
      expect(thrown(() => github(null as never)).problems).toEqual(['the options must be an object']);
    });

    it('requires Slack scopes or user scopes, and checks the Facebook Graph version', () => {
      expect(thrown(() => slack(client)).problems).toEqual([expect.stringContaining('userScope')]);
      expect(slack({ ...client, userScope: ['search:read'] }).authorizationParams).toEqual({
        user_scope: 'search:read',
      });
      expect(thrown(() => facebook({ ...client, graphVersion: '23' })).problems).toEqual([
        'graphVersion must look like v23.0',
      ]);
    });
  });
});

describe('token response normalisers', () => {
  it('joins a scope array and flattens error objects', () => {
    expect(scopeArrayToString({ scope: ['a', 'b'] })).toEqual({ scope: 'a b' });
    expect(flattenErrorObject({ error: { message: 'bad', type: 'OAuthException', code: 100 } })).toEqual({
      error: 'OAuthException',
      error_description: 'bad',
    });
    expect(flattenErrorObject({ error: { code: 190 } })).toEqual({ error: 'error_190' });
  });

  it('maps Stack Exchange API-style errors, and leaves its successful response as it is', () => {
    expect(normalizeStackExchange({ access_token: 'a', expires: 86400 })).toEqual({
      access_token: 'a',
      expires: 86400,
    });
    expect(normalizeStackExchange({ error_id: 400, error_name: 'bad_parameter', error_message: 'code' })).toMatchObject(
      { error: 'bad_parameter', error_description: 'code' },
    );
  });

  it('unwraps Slack’s envelope and authed_user', () => {
    expect(slackEnvelope({ ok: false, error: 'invalid_code' })).toMatchObject({ error: 'invalid_code' });
    expect(slackEnvelope({ ok: false })).toMatchObject({ error: 'slack_error' });
    expect(
      slackAuthedUser({ ok: true, authed_user: { access_token: 'xoxp', token_type: 'user', scope: 'a' } }),
    ).toMatchObject({ access_token: 'xoxp', token_type: 'Bearer', scope: 'a' });
    expect(slackAuthedUser({ ok: true, access_token: 'xoxb', token_type: 'bot' })).toMatchObject({
      access_token: 'xoxb',
      token_type: 'Bearer',
    });
  });
});
