// A type test, checked by `npm run typecheck` (not a Jest suite): `RedisClient` is the package's own
// structural type, so that its declarations need no ioredis; real ioredis clients must still fit it.
import { Cluster, Redis } from 'ioredis';
import { RedisStateStore, RedisTokenStore, type RedisClient } from '../../lib/index.js';

/** Never called: only its types are checked. */
export function ioredisClientsAreRedisClients(): RedisClient[] {
  const single: RedisClient = new Redis({ lazyConnect: true });
  const cluster: RedisClient = new Cluster([]);
  new RedisStateStore(new Redis({ lazyConnect: true }), { maxPendingPerOwner: 5 });
  new RedisTokenStore(new Cluster([]));
  // A stand-in with exactly the commands the stores send fits too (as in test/package/no-ioredis.e2e-spec.ts).
  const standIn = {
    get: async (_key: string): Promise<string | null> => null,
    set: async () => 'OK',
    getdel: async (_key: string): Promise<string | null> => null,
    del: async () => 0,
    evalsha: async () => null,
    eval: async () => null,
  };
  const fits: RedisClient = standIn;
  // @ts-expect-error an object without the commands the stores send is not a client
  const incomplete: RedisClient = { get: standIn.get, set: standIn.set };
  // @ts-expect-error a GET that answers a number is not Redis's GET
  const wrongGet: RedisClient = { ...standIn, get: async () => 1 };
  return [single, cluster, fits, incomplete, wrongGet];
}
