// Scale test steps, each in a fresh process (prints one JSON line):
//   fill  — create Django's table through the engine, insert `rows` live sessions in bulk with the raw
//           driver (one Django-encoded payload, keys md5(i)), then time `loads` random loads through
//           `Session`, then mark every row expired with one raw UPDATE;
//   clear — `sessions.clearExpired()` over them, timed, with the process's peak RSS.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Sessions } from '@sess/core';
import { printResult } from '../lib/child-result.mjs';
import { makeSessionData, quietLogger, SECRET_KEY } from '../lib/data.mjs';
import { summarizePhase } from '../lib/stats.mjs';

const { step, db, rows, loads, env } = JSON.parse(process.argv[2]);
const md5 = (i) => createHash('md5').update(String(i)).digest('hex');
const mb = (bytes) => bytes / 1024 ** 2;

async function openEngine() {
  const { dbEngine } = await import('@sess/engine-db');
  if (db === 'sqlite') {
    const { sqlite } = await import('@sess/engine-db/sqlite');
    return {
      engine: dbEngine({ database: sqlite(join(env.tmpDir, 'scale.sqlite3')) }),
      close: async () => {},
    };
  }
  const { default: pg } = await import('pg');
  const { postgres } = await import('@sess/engine-db/postgres');
  const { host, port, user, database } = env.servers.postgres;
  const pool = new pg.Pool({ host, port, user, database, max: 4 });
  return { engine: dbEngine({ database: postgres(pool) }), pool, close: () => pool.end() };
}

async function fill() {
  const { engine, pool, close } = await openEngine();
  const sessions = new Sessions({ engine, secretKey: SECRET_KEY, logger: quietLogger });
  const payload = await sessions.context.codec.encode(makeSessionData(0));
  const t0 = performance.now();
  if (db === 'sqlite') {
    await engine.createTable();
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(join(env.tmpDir, 'scale.sqlite3'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    const insert = raw.prepare(
      'INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?)',
    );
    const batch = raw.transaction((from, to) => {
      for (let i = from; i < to; i++) insert.run(md5(i), payload, '2099-01-01 00:00:00');
    });
    for (let i = 0; i < rows; i += 50_000) batch(i, Math.min(rows, i + 50_000));
    raw.close();
  } else {
    await pool.query('DROP TABLE IF EXISTS django_session');
    await engine.createTable();
    await pool.query(
      `INSERT INTO django_session (session_key, session_data, expire_date) SELECT md5(i::text), $1, now() + interval '14 days' FROM generate_series(0, $2 - 1) AS i`,
      [payload, rows],
    );
    await pool.query('VACUUM ANALYZE django_session');
  }
  const insertS = (performance.now() - t0) / 1000;

  // Random loads through Session, one at a time (warm-up first: the JIT and the statement caches).
  const pickKey = () => md5(Math.floor(Math.random() * rows));
  for (let i = 0; i < 500; i++) await sessions.open(pickKey()).load();
  const lat = new Float64Array(loads);
  let found = 0;
  const start = performance.now();
  for (let i = 0; i < loads; i++) {
    const t = performance.now();
    const session = sessions.open(pickKey());
    await session.load();
    lat[i] = (performance.now() - t) * 1000;
    if (session.get('counter') === 0) found++;
  }
  const load = summarizePhase(lat, performance.now() - start);

  if (db === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(join(env.tmpDir, 'scale.sqlite3'));
    raw.exec("UPDATE django_session SET expire_date = '2000-01-01 00:00:00'");
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
  } else {
    await pool.query("UPDATE django_session SET expire_date = '2000-01-01T00:00:00Z'");
    await pool.query('VACUUM ANALYZE django_session');
  }
  await sessions.close();
  await close();
  return { ok: true, rows, insertS, load, found };
}

async function clear() {
  const { engine, close } = await openEngine();
  const sessions = new Sessions({ engine, secretKey: SECRET_KEY, logger: quietLogger });
  await engine.createTable(); // opens the connection before the baseline is taken
  globalThis.gc?.();
  const baselineRssMB = mb(process.memoryUsage().rss);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const t0 = performance.now();
  const removed = await sessions.clearExpired();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  await sessions.close();
  await close();
  return { ok: true, seconds, removed, peakRssMB: mb(peak), baselineRssMB };
}

printResult(step === 'fill' ? fill() : clear());
