import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { InMemoryStateStore, InMemoryTokenStore, RedisStateStore, RedisTokenStore } from '../../lib/index.js';
import { deleteKeys, redisClient, uniquePrefix } from '../support/redis.js';
import { describeStateStoreContract } from './state-store.contract.js';
import { describeTokenStoreContract } from './token-store.contract.js';

/** A client whose server answers GETDEL as Redis < 6.2 does ("ERR unknown command"), for the Lua fallback. */
function withoutGetdel(client: Redis): Redis {
  return new Proxy(client, {
    get(target, property) {
      if (property === 'getdel') return (key: string) => target.call('GETDEL-UNKNOWN', key);
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Several connections on one prefix, as several instances of an app would have. */
async function redisStateStores(label: string, wrap: (client: Redis) => Redis = (client) => client) {
  const prefix = uniquePrefix(label);
  const clients = Array.from({ length: 3 }, () => redisClient());
  const [store, ...peers] = clients.map((client) => new RedisStateStore(wrap(client), { keyPrefix: prefix }));
  return {
    store: store!,
    peers,
    teardown: async () => {
      await deleteKeys(clients[0]!, prefix);
      await Promise.all(clients.map((client) => client.quit()));
    },
  };
}

describeStateStoreContract('InMemoryStateStore', async () => {
  const store = new InMemoryStateStore();
  return { store, teardown: async () => store.close() };
});
describeStateStoreContract('RedisStateStore (GETDEL)', () => redisStateStores('state-getdel'));
describeStateStoreContract('RedisStateStore (Lua GET+DEL, server without GETDEL)', () =>
  redisStateStores('state-lua', withoutGetdel),
);

describeTokenStoreContract('InMemoryTokenStore', async () => ({ store: new InMemoryTokenStore() }));
for (const encrypted of [false, true]) {
  describeTokenStoreContract(`RedisTokenStore (${encrypted ? 'AES-256-GCM at rest' : 'JSON'})`, async () => {
    const prefix = uniquePrefix(encrypted ? 'tokens-encrypted' : 'tokens');
    const client = redisClient();
    const store = new RedisTokenStore(client, {
      keyPrefix: prefix,
      ...(encrypted ? { encryption: { keys: { k1: randomBytes(32) }, currentKeyId: 'k1' } } : {}),
    });
    return {
      store,
      teardown: async () => {
        await deleteKeys(client, prefix);
        await client.quit();
      },
    };
  });
}
