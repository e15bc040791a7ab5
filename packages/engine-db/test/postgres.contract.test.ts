import { runEngineContract } from '@sess/contract';
import { dbEngine } from '@sess/engine-db';
import { postgres } from '@sess/engine-db/postgres';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

const pool = new pg.Pool({ connectionString: inject('postgres').url, max: 5 });
afterAll(() => pool.end());

runEngineContract({
  name: 'db (PostgreSQL)',
  makeEngine: async () => {
    const engine = dbEngine({ database: postgres(pool), table: 'contract_sessions' });
    await engine.createTable();
    return engine;
  },
});
