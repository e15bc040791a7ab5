import { runEngineContract } from '@sess/contract';
import { cacheEngine } from '@sess/engine-cache';
import { redisCache } from '@sess/engine-cache/redis';
import type { Redis } from 'ioredis';
import { inject } from 'vitest';
import { redisClient } from './helpers.js';

let client: Redis;

runEngineContract({
  name: 'cache (redis)',
  makeEngine: async () => {
    client = await redisClient(inject('redis').url);
    return cacheEngine({ backend: redisCache(client) });
  },
  closeEngine: async (engine) => {
    await engine.close?.();
    await client.quit();
  },
});
