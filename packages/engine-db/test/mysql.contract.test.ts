import { runEngineContract } from '@sess/contract';
import { dbEngine } from '@sess/engine-db';
import { mysql } from '@sess/engine-db/mysql';
import mysql2 from 'mysql2/promise';
import { afterAll, inject } from 'vitest';

const pool = mysql2.createPool({ uri: inject('mariadb').url, connectionLimit: 5 });
afterAll(() => pool.end());

runEngineContract({
  name: 'db (MariaDB)',
  makeEngine: async () => {
    const engine = dbEngine({ database: mysql(pool), table: 'contract_sessions' });
    await engine.createTable();
    return engine;
  },
});
