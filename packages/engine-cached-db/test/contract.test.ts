import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEngineContract } from '@sess/contract';
import { memoryCache } from '@sess/engine-cache/memory';
import { redisCache } from '@sess/engine-cache/redis';
import { cachedDbEngine } from '@sess/engine-cached-db';
import { postgres } from '@sess/engine-db/postgres';
import { sqlite } from '@sess/engine-db/sqlite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'sess-cached-db-'));
const pool = new pg.Pool({ connectionString: inject('postgres').url, max: 4 });
const redis = new Redis(inject('redis').url);
afterAll(async () => {
  await pool.end();
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

runEngineContract({
  name: 'cached_db (memory + SQLite)',
  makeEngine: async () => {
    const engine = cachedDbEngine({ cache: memoryCache(), database: sqlite(join(dir, 'contract.sqlite3')) });
    await engine.createTable();
    return engine;
  },
});

runEngineContract({
  name: 'cached_db (memory + PostgreSQL)',
  makeEngine: async () => {
    const engine = cachedDbEngine({
      cache: memoryCache(),
      database: postgres(pool),
      table: 'contract_memory',
    });
    await engine.createTable();
    return engine;
  },
});

runEngineContract({
  name: 'cached_db (Redis + PostgreSQL)',
  makeEngine: async () => {
    const engine = cachedDbEngine({
      cache: redisCache(redis),
      database: postgres(pool),
      table: 'contract_redis',
    });
    await engine.createTable();
    return engine;
  },
});
