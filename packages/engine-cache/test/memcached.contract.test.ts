import { runEngineContract } from '@sess/contract';
import { cacheEngine } from '@sess/engine-cache';
import { memcachedCache } from '@sess/engine-cache/memcached';
import type { Client } from 'memjs';
import { inject } from 'vitest';
import { memcachedClient } from './helpers.js';

let client: Client;

runEngineContract({
  name: 'cache (memcached, 3 servers)',
  makeEngine: () => {
    client = memcachedClient(
      inject('memcachedPool')
        .map((s) => s.servers)
        .join(','),
    );
    return cacheEngine({ backend: memcachedCache(client) });
  },
  closeEngine: async (engine) => {
    await engine.close?.();
    client.close();
  },
});
