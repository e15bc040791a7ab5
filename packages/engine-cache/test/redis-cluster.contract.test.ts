import { runEngineContract } from '@sess/contract';
import { cacheEngine } from '@sess/engine-cache';
import { redisCache } from '@sess/engine-cache/redis';
import type { Cluster } from 'ioredis';
import { inject } from 'vitest';
import { redisClusterClient } from './helpers.js';

let cluster: Cluster;

runEngineContract({
  name: 'cache (redis cluster, 3 masters)',
  makeEngine: async () => {
    cluster = await redisClusterClient(inject('redisCluster').nodes);
    return cacheEngine({ backend: redisCache(cluster) });
  },
  closeEngine: async (engine) => {
    await engine.close?.();
    await cluster.quit();
  },
});
