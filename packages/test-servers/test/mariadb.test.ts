import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { startMariadb } from '../src/index.js';
import { expectGone } from './helpers.js';

describe('startMariadb', () => {
  it('starts a real MariaDB that mysql2 can query, with an empty `test` database, and stops it', async () => {
    const server = await startMariadb();
    try {
      expect(server.info).toEqual({
        host: '127.0.0.1',
        port: server.port,
        user: 'root',
        password: '',
        database: 'test',
        url: `mysql://root@127.0.0.1:${server.port}/test`,
      });
      const conn = await mysql.createConnection({
        host: server.host,
        port: server.port,
        user: server.user,
        password: server.password,
        database: server.database,
      });
      try {
        const [rows] = await conn.query<mysql.RowDataPacket[]>('select 1 as one, version() as version');
        expect(rows[0]?.one).toBe(1);
        expect(String(rows[0]?.version)).toMatch(/MariaDB/);
        const [tables] = await conn.query<mysql.RowDataPacket[]>('show tables');
        expect(tables).toEqual([]);
        await conn.query('create table t (k varchar(40) primary key, v text)');
        await conn.query("insert into t values ('a', 'b')");
        const [values] = await conn.query<mysql.RowDataPacket[]>('select v from t');
        expect(values.map((r) => r.v)).toEqual(['b']);
      } finally {
        await conn.end();
      }
      const { pid, port } = server;
      await server.stop();
      await expectGone(pid, port);
    } finally {
      await server.stop();
    }
  });
});
