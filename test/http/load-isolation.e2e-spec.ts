// Load and isolation (issue 17 item 5; SECURITY.md "Fault and load behaviour"): 1,000 flows by 1,000 distinct
// users, 50 at a time, against oidc-provider, through two app instances (one Express, one Fastify) that share
// Redis for pending authorizations and tokens. Every user must end with their own tokens (the validated ID
// token's `sub` is the user who started the flow, and no token is anyone else's), no answer is a 5xx, and the
// server redeems exactly 1,000 codes.
//
// The callback's instance: both instances have the same redirect URI, as two instances behind one load balancer
// do (one public origin; the cookie is that origin's, so it reaches whichever instance gets the callback). The
// test plays the browser and the balancer: `server.login` stops at the redirect URI without requesting it, and
// the test sends that callback, with the browser's cookie, to the instance this flow's index picks. The four
// combinations (Express or Fastify, then the same or the other) come in turn, so half the callbacks change
// instance.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { RedisStateStore, RedisTokenStore, type FlowManagerOptions } from '../../lib/index.js';
import { cookiesFrom, startHttpApp, type Platform, type RunningApp } from '../support/http-app.js';
import { startLocalAuthorizationServer, type LocalAuthorizationServer } from '../support/local-authorization-server.js';
import { deleteKeys, ready, redisClient, uniquePrefix } from '../support/redis.js';

const FLOWS = 1_000;
const CONCURRENCY = 50;
/** The public redirect URI: the balancer's origin, which the test plays. */
const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/local/callback';
const CLIENT_ID = 'load-isolation-client';
const SECRET = 'load isolation secret';
const PLATFORMS_IN_TURN: Platform[] = ['express', 'fastify'];

interface FlowOutcome {
  user: string;
  startedOn: number;
  completedOn: number;
  authorizeStatus: number;
  callbackStatus: number;
  location: string | null;
}

describe('1,000 flows by distinct users through two instances sharing Redis, against oidc-provider', () => {
  let server: LocalAuthorizationServer;
  const clients: Redis[] = [];
  const instances: RunningApp[] = [];
  const prefix = uniquePrefix('load-isolation');

  beforeAll(async () => {
    server = await startLocalAuthorizationServer({
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: SECRET,
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code'],
          scope: 'openid',
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
    });
    const local: FlowManagerOptions = {
      issuer: server.issuer,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      clientAuthMethod: 'client_secret_basic',
      redirectUri: REDIRECT_URI,
      scope: ['openid'],
    };
    for (const platform of PLATFORMS_IN_TURN) {
      // One Redis connection per instance, as two processes would have.
      const client = redisClient();
      clients.push(client);
      await ready(client);
      instances.push(
        await startHttpApp(platform, {
          providers: { local },
          stateStore: new RedisStateStore(client, { keyPrefix: prefix }),
          tokenStore: new RedisTokenStore(client, { keyPrefix: prefix }),
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    if (clients[0]) await deleteKeys(clients[0], prefix);
    await Promise.all(clients.map((client) => client.quit()));
    await server?.close();
  });

  const get = (instance: RunningApp, path: string, headers: Record<string, string>) =>
    fetch(`${instance.url}${path}`, { redirect: 'manual', headers });

  /** Flow `index`: authorize as its user on one instance, sign in at the server, call back on the chosen one. */
  async function flow(index: number): Promise<FlowOutcome> {
    const user = `user-${String(index).padStart(4, '0')}`;
    const startedOn = index % 2;
    const completedOn = Math.floor(index / 2) % 2 === 0 ? startedOn : 1 - startedOn;
    const authorize = await get(instances[startedOn]!, '/oauth/local/authorize?returnTo=%2Fdone', { 'x-user': user });
    await authorize.body?.cancel();
    const outcome = { user, startedOn, completedOn, authorizeStatus: authorize.status };
    if (authorize.status !== 302) return { ...outcome, callbackStatus: 0, location: null };
    const callbackUrl = await server.login(authorize.headers.get('location')!, { username: user });
    const callback = await get(instances[completedOn]!, `${callbackUrl.pathname}${callbackUrl.search}`, {
      'x-user': user,
      cookie: cookiesFrom(authorize),
    });
    await callback.body?.cancel();
    return { ...outcome, callbackStatus: callback.status, location: callback.headers.get('location') };
  }

  /** Runs `count` flows, `concurrency` at a time: each worker takes the next index until none is left. */
  async function runFlows(count: number, concurrency: number): Promise<FlowOutcome[]> {
    const outcomes: FlowOutcome[] = [];
    let next = 0;
    const worker = async () => {
      while (next < count) outcomes.push(await flow(next++));
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return outcomes;
  }

  it(
    'gives every user their own validated tokens: no mix-up, no 5xx, each code redeemed once',
    async () => {
      const before = (await server.countRequests())['POST /token'] ?? 0;
      const outcomes = await runFlows(FLOWS, CONCURRENCY);

      expect(outcomes).toHaveLength(FLOWS);
      expect(new Set(outcomes.map((outcome) => outcome.user)).size).toBe(FLOWS);
      // Half the callbacks land on the other instance, each way.
      const moved = outcomes.filter((outcome) => outcome.startedOn !== outcome.completedOn);
      expect(moved).toHaveLength(FLOWS / 2);
      expect(moved.filter((outcome) => outcome.completedOn === 0)).toHaveLength(FLOWS / 4);
      // Every answer: a redirect to the provider, then to returnTo; none a 5xx (nor a 4xx).
      const failures = outcomes.filter(
        (outcome) => outcome.authorizeStatus !== 302 || outcome.callbackStatus !== 302 || outcome.location !== '/done',
      );
      expect(failures).toEqual([]);

      // Each user's tokens are theirs: the ID token (validated by the module) names them, and no two users
      // share an access or ID token.
      const tokenStore = new RedisTokenStore(clients[0]!, { keyPrefix: prefix });
      const stored = await Promise.all(outcomes.map(({ user }) => tokenStore.get('local', user)));
      const subjects = stored.map((tokens) => tokens?.idTokenClaims?.sub);
      expect(subjects).toEqual(outcomes.map(({ user }) => user));
      expect(new Set(stored.map((tokens) => tokens!.accessToken)).size).toBe(FLOWS);
      expect(new Set(stored.map((tokens) => tokens!.idToken)).size).toBe(FLOWS);

      // Each code was redeemed once: exactly one token request per flow reached the server.
      const after = (await server.countRequests())['POST /token'] ?? 0;
      expect(after - before).toBe(FLOWS);
    },
    // The budget of issue 17: under two minutes in CI on two cores (about 20 s locally).
    120_000,
  );
});
