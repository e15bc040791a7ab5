import type { SessionEngine } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';

export interface EngineCase {
  name: string;
  /** The engine keeps the data in the cookie (signed cookies): no store to break, no key to kill. */
  keyIsData: boolean;
  make(): Promise<{ engine: SessionEngine; cleanup?: () => Promise<void> }>;
}

/** The real engines every adapter's scenario table runs on. */
export const ENGINES: readonly EngineCase[] = [
  {
    name: 'cache (memory)',
    keyIsData: false,
    make: async () => ({ engine: cacheEngine({ backend: memoryCache() }) }),
  },
];
