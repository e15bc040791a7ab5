import { runEngineContract } from '@sess/contract';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';

runEngineContract({ name: 'cache (memory)', makeEngine: () => cacheEngine({ backend: memoryCache() }) });
