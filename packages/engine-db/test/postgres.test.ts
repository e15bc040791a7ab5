import { RecordingLogger } from '@sess/contract';
import { Sessions } from '@sess/core';
import { DbEngine, dbEngine } from '@sess/engine-db';
import { postgres } from '@sess/engine-db/postgres';
import { startPostgres, whileFrozen } from '@sess/test-servers';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  expectBatchedClear,
  expectSilentServerTimesOut,
  expectStoreUnavailable,
  expectTimedOut,
  savedSession,
} from './helpers.ts';

const SECRET = 'postgres-tests-secret-key-0123456789abcdefghij';
const info = () => inject('postgres');
const admin = new pg.Pool({ connectionString: inject('postgres').url, max: 2 });
afterAll(() => admin.end());

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('PostgreSQL faults', () => {
  it('idle pooled connections killed by pg_terminate_backend do not crash the process; the next request works', async () => {
    const logger = new RecordingLogger();
    const pool = new pg.Pool({ connectionString: info().url, max: 3, application_name: 'sess-victim' });
    const engine = dbEngine({ database: postgres(pool, { logger }), table: 'fault_sessions' });
    const { sessions, session: s } = await savedSession(engine, SECRET);
    // Put three connections in the pool, all idle.
    await Promise.all([1, 2, 3].map(() => sessions.open(s.sessionKey).load()));
    expect(pool.idleCount).toBeGreaterThan(0);
    const killed = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sess-victim'",
    );
    expect(killed.rowCount).toBeGreaterThan(0);
    await until(() => logger.records.length > 0, 'the pool to report its dead connections');
    expect(logger.messages('warn')[0]).toMatch(/idle pooled connection failed/);
    const again = await sessions.open(s.sessionKey).load();
    expect(again.get('user')).toBe(1);
    again.set('user', 2);
    await again.save();
    expect((await sessions.open(s.sessionKey).load()).get('user')).toBe(2);
    await pool.end();
  });

  it('reads right after the kill, without waiting for the pool to notice, still work', async () => {
    const pool = new pg.Pool({ connectionString: info().url, max: 1, application_name: 'sess-victim-2' });
    const engine = dbEngine({
      database: postgres(pool, { logger: new RecordingLogger() }),
      table: 'fault_sessions',
    });
    await engine.createTable();
    const sessions = new Sessions({ engine, secretKey: SECRET });
    const s = sessions.open();
    s.set('k', 'v');
    await s.save();
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sess-victim-2'",
    );
    // No wait for the pool's 'error' event: the next read may be handed the dead client.
    for (let i = 0; i < 3; i++) expect((await sessions.open(s.sessionKey).load()).get('k')).toBe('v');
    await pool.end();
  });

  it('a stopped server makes every operation fail with SessionStoreUnavailable (503), not an empty session', async () => {
    const server = await startPostgres();
    const pool = new pg.Pool({ connectionString: server.url, max: 2 });
    try {
      const engine = dbEngine({ database: postgres(pool, { logger: new RecordingLogger() }) });
      const { sessions, session } = await savedSession(engine, SECRET);
      await server.stop();
      await expectStoreUnavailable(sessions, session);
    } finally {
      await server.stop();
      await pool.end();
    }
  });

  it('a statement whose backend is frozen (SIGSTOP) fails at timeoutMs; its late answer is ignored and the connection serves again', async () => {
    const pool = new pg.Pool({ connectionString: info().url, max: 1 });
    try {
      const engine = dbEngine({ database: postgres(pool, { timeoutMs: 300 }), table: 'frozen_sessions' });
      const { sessions, session } = await savedSession(engine, SECRET);
      const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await whileFrozen(rows[0]!.pid, async () => {
        await expectTimedOut(
          sessions.open(session.sessionKey).load(),
          'postgres did not answer within 300 ms (timeoutMs)',
        );
      });
      expect((await sessions.open(session.sessionKey).load()).get('user')).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('a server that accepts but never answers fails within timeoutMs', async () => {
    await expectSilentServerTimesOut(SECRET, (port, timeoutMs) => {
      const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', max: 1 });
      pool.on('error', () => {});
      return { database: postgres(pool, { timeoutMs }), end: () => pool.end() };
    });
  });
});

describe('PostgreSQL rows', () => {
  it('clearExpired() deletes 25 000 expired rows in batches of at most 1000 and leaves live rows', async () => {
    const pool = new pg.Pool({ connectionString: info().url, max: 2 });
    await expectBatchedClear(
      postgres(pool),
      SECRET,
      () =>
        pool.query(
          `INSERT INTO batch_sessions SELECT 'exp' || lpad(i::text, 29, '0'), 'x', now() - interval '1 day' FROM generate_series(1, 25000) AS i`,
        ),
      async () => (await pool.query('SELECT count(*)::int AS c FROM batch_sessions')).rows[0].c,
    );
    await pool.end();
  });

  it('two processes clearing at once split the expired rows between them', async () => {
    const pools = [1, 2].map(() => new pg.Pool({ connectionString: info().url, max: 1 }));
    const engines = pools.map(
      (pool) => new DbEngine({ database: postgres(pool), table: 'split_sessions', clearBatchSize: 500 }),
    );
    await engines[0]!.createTable();
    await pools[0]!.query(
      `INSERT INTO split_sessions SELECT 'spl' || lpad(i::text, 29, '0'), 'x', now() - interval '1 day' FROM generate_series(1, 6000) AS i`,
    );
    const counts = await Promise.all(
      engines.map((e) => new Sessions({ engine: e, secretKey: SECRET }).clearExpired()),
    );
    expect(counts[0]! + counts[1]!).toBe(6000);
    await Promise.all(pools.map((p) => p.end()));
  });

  it('expire_date is a timestamptz holding the exact instant', async () => {
    const pool = new pg.Pool({ connectionString: info().url, max: 1 });
    const engine = new DbEngine({ database: postgres(pool), table: 'instant_sessions' });
    await engine.createTable();
    const sessions = new Sessions({ engine, secretKey: SECRET });
    const s = sessions.open();
    s.set('x', 1);
    const when = new Date(Date.UTC(2033, 2, 4, 5, 6, 7, 89));
    s.setExpiry(when);
    await s.save();
    const { rows } = await pool.query(
      `SELECT to_char(expire_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS t, pg_typeof(expire_date)::text AS type FROM instant_sessions`,
    );
    expect(rows[0]).toEqual({ t: '2033-03-04 05:06:07.089000', type: 'timestamp with time zone' });
    expect((await engine.loadRecord(s.sessionKey!, sessions.context))?.expireDate.getTime()).toBe(
      when.getTime(),
    );
    await pool.end();
  });
});
