import { RecordingLogger } from '@sess/contract';
import { SessionStoreUnavailable, Sessions } from '@sess/core';
import { DbEngine, dbEngine } from '@sess/engine-db';
import { mysql } from '@sess/engine-db/mysql';
import { startMariadb } from '@sess/test-servers';
import mysql2 from 'mysql2/promise';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  expectBatchedClear,
  expectRepeatedSavesUpdate,
  expectSilentServerTimesOut,
  expectStoreUnavailable,
  expectTimedOut,
  savedSession,
} from './helpers.ts';

const SECRET = 'mysql-tests-secret-key-0123456789abcdefghijkl';
const url = () => inject('mariadb').url;
const admin = mysql2.createPool({ uri: inject('mariadb').url, connectionLimit: 2 });
afterAll(() => admin.end());

async function count(table: string): Promise<number> {
  const [rows] = await admin.query(`SELECT count(*) AS c FROM ${table}`);
  return Number((rows as { c: number }[])[0]!.c);
}

describe('MySQL/MariaDB schema', () => {
  it("createTable() makes Django's table: varchar(40) key, longtext data, datetime(6) expiry with Django's index name", async () => {
    const pool = mysql2.createPool({ uri: url(), connectionLimit: 1 });
    const engine = new DbEngine({ database: mysql(pool) });
    await engine.createTable();
    await engine.createTable(); // idempotent
    const [rows] = await admin.query('SHOW CREATE TABLE django_session');
    const ddl = (rows as Record<string, string>[])[0]!['Create Table']!;
    expect(ddl).toMatch(/`session_key` varchar\(40\) NOT NULL/);
    expect(ddl).toMatch(/`session_data` longtext NOT NULL/);
    expect(ddl).toMatch(/`expire_date` datetime\(6\) NOT NULL/);
    expect(ddl).toMatch(/PRIMARY KEY \(`session_key`\)/);
    expect(ddl).toMatch(/KEY `django_session_expire_date_a5c62663` \(`expire_date`\)/);
    await pool.end();
  });
});

describe('MySQL/MariaDB datetimes', () => {
  it("store Django's naive UTC text whatever the pool's timezone, and read back the same instant", async () => {
    const when = new Date(Date.UTC(2034, 5, 6, 7, 8, 9, 450));
    const plus5 = mysql2.createPool({ uri: url(), connectionLimit: 1, timezone: '+05:00' });
    const local = mysql2.createPool({ uri: url(), connectionLimit: 1, timezone: 'local', dateStrings: true });
    const writer = new Sessions({
      engine: new DbEngine({ database: mysql(plus5), table: 'tz_sessions' }),
      secretKey: SECRET,
    });
    await (writer.engine as DbEngine).createTable();
    const s = writer.open();
    s.set('x', 1);
    s.setExpiry(when);
    await s.save();
    const [rows] = await admin.query('SELECT CAST(expire_date AS CHAR) AS t FROM tz_sessions');
    expect((rows as { t: string }[])[0]!.t).toBe('2034-06-06 07:08:09.450000');
    const reader = new DbEngine({ database: mysql(local), table: 'tz_sessions' });
    expect((await reader.loadRecord(s.sessionKey!, writer.context))?.expireDate.toISOString()).toBe(
      when.toISOString(),
    );
    await Promise.all([plus5.end(), local.end()]);
  });

  it('saving unchanged data is an update of a matched row, not a missing one', async () => {
    const pool = mysql2.createPool({ uri: url(), connectionLimit: 1 });
    const engine = new DbEngine({ database: mysql(pool), table: 'same_sessions' });
    await engine.createTable();
    await expectRepeatedSavesUpdate(
      new Sessions({ engine, secretKey: SECRET, clock: { now: () => Date.UTC(2030, 0, 1) } }),
    );
    await pool.end();
  });
});

describe('MySQL/MariaDB faults', () => {
  it('idle pooled connections killed with KILL do not crash the process; the next request works', async () => {
    const pool = mysql2.createPool({ uri: url(), connectionLimit: 3 });
    const engine = dbEngine({
      database: mysql(pool, { logger: new RecordingLogger() }),
      table: 'fault_sessions',
    });
    const { sessions, session: s } = await savedSession(engine, SECRET);
    await Promise.all([1, 2, 3].map(() => sessions.open(s.sessionKey).load()));
    const [ids] = await pool.query('SELECT CONNECTION_ID() AS id');
    const [processes] = await admin.query(
      "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = 'test' AND ID <> CONNECTION_ID() AND COMMAND = 'Sleep'",
    );
    const victims = (processes as { id: number }[]).map((p) => p.id);
    expect(victims).toContain((ids as { id: number }[])[0]!.id);
    for (const id of victims) await admin.query(`KILL ${Number(id)}`).catch(() => {});
    for (let i = 0; i < 4; i++) {
      const again = await sessions.open(s.sessionKey).load();
      expect(again.get('user')).toBe(1 + i);
      again.set('user', 2 + i);
      await again.save();
    }
    await pool.end();
  });

  it('a stopped server makes every operation fail with SessionStoreUnavailable (503)', async () => {
    const server = await startMariadb();
    const pool = mysql2.createPool({ uri: server.url, connectionLimit: 2, connectTimeout: 2000 });
    try {
      const engine = dbEngine({ database: mysql(pool, { logger: new RecordingLogger() }) });
      const { sessions, session } = await savedSession(engine, SECRET);
      await server.stop();
      await expectStoreUnavailable(sessions, session);
      const fresh = sessions.open();
      fresh.set('x', 1);
      await expect(fresh.save()).rejects.toBeInstanceOf(SessionStoreUnavailable);
    } finally {
      await server.stop();
      await pool.end().catch(() => {});
    }
  });
});

describe('MySQL/MariaDB hanging server', () => {
  it('a statement waiting on a table another connection holds locked fails at timeoutMs; the connection serves again after', async () => {
    const pool = mysql2.createPool({ uri: url(), connectionLimit: 1 });
    const locker = await admin.getConnection();
    try {
      const engine = dbEngine({ database: mysql(pool, { timeoutMs: 300 }), table: 'locked_sessions' });
      const { sessions, session } = await savedSession(engine, SECRET);
      await locker.query('LOCK TABLES locked_sessions WRITE');
      try {
        await expectTimedOut(
          sessions.open(session.sessionKey).load(),
          'mysql did not answer within 300 ms (timeoutMs)',
        );
      } finally {
        await locker.query('UNLOCK TABLES');
      }
      expect((await sessions.open(session.sessionKey).load()).get('user')).toBe(1);
    } finally {
      locker.release();
      await pool.end();
    }
  });

  it('a server that accepts but never answers fails within timeoutMs', async () => {
    await expectSilentServerTimesOut(SECRET, (port, timeoutMs) => {
      const pool = mysql2.createPool({ host: '127.0.0.1', port, user: 'root', connectionLimit: 1 });
      return { database: mysql(pool, { timeoutMs }), end: () => pool.end() };
    });
  });
});

describe('MySQL/MariaDB rows', () => {
  it('clearExpired() deletes 25 000 expired rows in batches of at most 1000 and leaves live rows', async () => {
    const pool = mysql2.createPool({ uri: url(), connectionLimit: 2 });
    await expectBatchedClear(
      mysql(pool),
      SECRET,
      async () => {
        for (let chunk = 0; chunk < 25; chunk++) {
          const values = Array.from(
            { length: 1000 },
            (_, i) => `('exp${String(chunk * 1000 + i).padStart(29, '0')}', 'x', '2001-01-01 00:00:00')`,
          );
          await pool.query(`INSERT INTO batch_sessions VALUES ${values.join(',')}`);
        }
      },
      () => count('batch_sessions'),
    );
    await pool.end();
  });
});
