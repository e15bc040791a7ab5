import { join } from 'node:path';
import { runEngineContract } from '@sess/contract';
import { dbEngine } from '@sess/engine-db';
import { sqlite } from '@sess/engine-db/sqlite';
import Database from 'better-sqlite3';
import { tempDir } from './helpers.ts';

const dir = tempDir();

runEngineContract({
  name: 'db (SQLite file, better-sqlite3)',
  makeEngine: async () => {
    const engine = dbEngine({ database: sqlite(join(dir, 'sessions.sqlite3')) });
    await engine.createTable();
    return engine;
  },
});

runEngineContract({
  name: 'db (SQLite, injected connection, custom table)',
  makeEngine: async () => {
    const engine = dbEngine({
      database: sqlite(new Database(join(dir, 'injected.sqlite3'))),
      table: 'web_sessions',
    });
    await engine.createTable();
    return engine;
  },
});
