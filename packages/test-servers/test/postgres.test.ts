import { readlinkSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPostgres } from '../src/index.js';
import { expectGone, expectNoFile } from './helpers.js';

describe('startPostgres', () => {
  it('starts a real PostgreSQL that pg can query, and stops it', async () => {
    const server = await startPostgres();
    try {
      expect(server.info).toEqual({
        host: '127.0.0.1',
        port: server.port,
        user: 'postgres',
        password: '',
        database: 'postgres',
        url: `postgres://postgres@127.0.0.1:${server.port}/postgres`,
      });
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ one: number; version: string }>('select 1 as one, version()');
        expect(rows[0]?.one).toBe(1);
        expect(rows[0]?.version).toMatch(/^PostgreSQL \d+/);
        await client.query('create table t (k text primary key, v text)');
        await client.query("insert into t values ('a', 'b')");
        expect((await client.query('select v from t')).rows).toEqual([{ v: 'b' }]);
      } finally {
        await client.end();
      }
      // a pooled client left open does not block stop() (fast shutdown)
      const pool = new pg.Pool({ connectionString: server.url });
      await pool.query('select 1');
      pool.on('error', () => {});
      const { pid, port } = server;
      const tempDir = readlinkSync(`/proc/${pid}/cwd`);
      expect(tempDir).toMatch(/sess-postgres-/);
      await server.stop();
      await expectGone(pid, port);
      expectNoFile(tempDir);
      await pool.end().catch(() => {});
    } finally {
      await server.stop();
    }
  });
});
