import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordingLogger } from '@sess/contract';
import { ImproperlyConfigured, SessionStoreUnavailable, Sessions } from '@sess/core';
import { DbEngine, dbEngine } from '@sess/engine-db';
import { DEFAULT_SQLITE_PATH, sqlite } from '@sess/engine-db/sqlite';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { expectRepeatedSavesUpdate, keyOf, recordingBatches, tempDir } from './helpers.ts';

const dir = tempDir();
const SECRET = 'sqlite-tests-secret-key-0123456789abcdefghij';
let n = 0;
const file = () => join(dir, `t${++n}.sqlite3`);

async function engineOn(path: string, options: Parameters<typeof sqlite>[1] = {}) {
  const engine = dbEngine({ database: sqlite(path, options) });
  await engine.createTable();
  return engine;
}

describe('sqlite(): opening and configuring the file', () => {
  it('defaults to ./sessions.sqlite3 in the working directory', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const database = sqlite();
      expect(database.path).toBe(DEFAULT_SQLITE_PATH);
      const engine = dbEngine({ database });
      await engine.createTable();
      await engine.close();
      expect(existsSync(join(dir, 'sessions.sqlite3'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  it('puts the file in WAL mode with a short synchronous busy timeout', async () => {
    const path = file();
    const database = sqlite(path, { busyTimeoutMs: 1234 });
    const engine = dbEngine({ database });
    await engine.createTable();
    const db = await database.connection();
    // At most 50 ms blocking the event loop; the rest of busyTimeoutMs is waited asynchronously.
    expect((db.prepare('PRAGMA busy_timeout').get() as { timeout: number }).timeout).toBe(50);
    await engine.close();
    const other = new Database(path);
    expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    other.close();
  });

  it('closes a file it opened, never a connection it was given', async () => {
    const mine = new Database(file());
    const engine = dbEngine({ database: sqlite(mine) });
    await engine.createTable();
    await engine.close();
    expect(mine.open).toBe(true);
    mine.close();
    const database = sqlite(file());
    await dbEngine({ database }).createTable();
    const opened = (await database.connection()) as unknown as Database.Database;
    await database.close();
    expect(opened.open).toBe(false);
  });

  it('refuses bad arguments and table names at construction', () => {
    expect(() => sqlite('')).toThrow(ImproperlyConfigured);
    expect(() => sqlite({} as never)).toThrow(/file path or an open database/);
    expect(() => sqlite(file(), { busyTimeoutMs: -1 })).toThrow(ImproperlyConfigured);
    for (const table of ['', 'drop table x', 'a"b', '1abc', 'x'.repeat(64), 'a.b']) {
      expect(() => dbEngine({ database: sqlite(file()), table })).toThrow(ImproperlyConfigured);
    }
    expect(() => dbEngine({ database: {} as never })).toThrow(/database adapter/);
  });

  it('a missing table says how to create it', async () => {
    const sessions = new Sessions({ engine: dbEngine({ database: sqlite(file()) }), secretKey: SECRET });
    const s = sessions.open('abcdefghijklmnopqrstuvwxyz012345');
    await expect(s.load()).rejects.toThrow(/sess migrate/);
    await sessions.close();
  });
});

describe('SQLite under contention', () => {
  it('100 parallel writers in 5 processes: no SQLITE_BUSY reaches a caller and no write is lost', async () => {
    const path = file();
    await (await engineOn(path)).close();
    const script = fileURLToPath(new URL('./fixtures/sqlite-writer.ts', import.meta.url));
    const env = {
      ...process.env,
      TSX_TSCONFIG_PATH: fileURLToPath(new URL('./tsconfig.tsx.json', import.meta.url)),
    };
    const cwd = fileURLToPath(new URL('..', import.meta.url)); // where tsx is installed
    const children: ChildProcess[] = [];
    const ready: Promise<void>[] = [];
    const done: Promise<{ keys: string[]; errors: string[] }>[] = [];
    for (let p = 0; p < 5; p++) {
      const child = fork(script, [path, `p${p}`, '20', '5'], {
        execArgv: ['--import', 'tsx'],
        env,
        cwd,
        stdio: 'inherit',
      });
      children.push(child);
      const exited = new Promise<never>((_, reject) =>
        child.once('exit', (code) => reject(new Error(`writer process exited early with ${code}`))),
      );
      exited.catch(() => {});
      ready.push(
        Promise.race([new Promise<void>((resolve) => child.once('message', () => resolve())), exited]),
      );
      done.push(
        Promise.race([
          new Promise<{ keys: string[]; errors: string[] }>((resolve) =>
            child.on('message', (m) => m !== 'ready' && resolve(m as { keys: string[]; errors: string[] })),
          ),
          exited,
        ]),
      );
    }
    await Promise.all(ready);
    for (const child of children) child.send('go');
    const results = await Promise.all(done);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    const keys = results.flatMap((r) => r.keys);
    expect(new Set(keys).size).toBe(100);
    const db = new Database(path, { readonly: true });
    expect((db.prepare('SELECT count(*) AS c FROM django_session').get() as { c: number }).c).toBe(100);
    db.close();
  }, 120_000);

  it('a lock held longer than busyTimeoutMs is SessionStoreUnavailable, and the next write works', async () => {
    const path = file();
    const engine = await engineOn(path, { busyTimeoutMs: 200 });
    const sessions = new Sessions({ engine, secretKey: SECRET });
    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE');
    const s = sessions.open();
    s.set('x', 1);
    const error = await s.save().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionStoreUnavailable);
    expect(String((error as Error).message)).toMatch(/locked/);
    blocker.exec('ROLLBACK');
    blocker.close();
    await s.save();
    expect((await sessions.open(s.sessionKey).load()).get('x')).toBe(1);
    await sessions.close();
  });

  it('readers are not blocked by a writer holding the lock (WAL)', async () => {
    const path = file();
    const engine = await engineOn(path, { busyTimeoutMs: 0 });
    const sessions = new Sessions({ engine, secretKey: SECRET });
    const s = sessions.open();
    s.set('x', 'before');
    await s.save();
    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE');
    blocker.prepare('DELETE FROM django_session').run();
    expect((await sessions.open(s.sessionKey).load()).get('x')).toBe('before');
    blocker.exec('ROLLBACK');
    blocker.close();
    await sessions.close();
  });
});

describe('SQLite rows', () => {
  it('clearExpired() deletes 25 000 expired rows in batches of at most 1000 and leaves live rows', async () => {
    const path = file();
    const raw = recordingBatches(sqlite(path));
    const engine = new DbEngine({ database: raw.database, clearBatchSize: 1000 });
    await engine.createTable();
    const sessions = new Sessions({ engine, secretKey: SECRET });
    const live: string[] = [];
    for (let i = 0; i < 5; i++) {
      const s = sessions.open();
      s.set('live', i);
      await s.save();
      live.push(s.sessionKey!);
    }
    const data = await sessions.context.codec.encode({ old: true });
    const db = new Database(path);
    const insert = db.prepare('INSERT INTO django_session VALUES (?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 25_000; i++) insert.run(keyOf('exp', i), data, '2001-01-01 00:00:00.5');
    })();
    expect(await sessions.clearExpired()).toBe(25_000);
    expect(Math.max(...raw.batches)).toBeLessThanOrEqual(1000);
    expect(raw.batches).toHaveLength(26);
    expect((db.prepare('SELECT count(*) AS c FROM django_session').get() as { c: number }).c).toBe(5);
    for (const [i, key] of live.entries()) expect((await sessions.open(key).load()).get('live')).toBe(i);
    db.close();
    await sessions.close();
  });

  it('corrupted session_data loads as an empty session under the same key, logged, and the next save repairs it', async () => {
    const path = file();
    const logger = new RecordingLogger();
    const sessions = new Sessions({ engine: await engineOn(path), secretKey: SECRET, logger });
    const s = sessions.open();
    s.set('user', 1);
    await s.save();
    const db = new Database(path);
    db.prepare('UPDATE django_session SET session_data = ?').run('bad:encoded:value');
    const loaded = await sessions.open(s.sessionKey).load();
    expect(loaded.items()).toEqual([]);
    expect(loaded.sessionKey).toBe(s.sessionKey);
    expect(logger.records).toContainEqual(
      expect.objectContaining({
        message: 'Session data corrupted',
        details: { logger: 'sess.security.SuspiciousSession' },
      }),
    );
    loaded.set('user', 2);
    await loaded.save();
    expect((await sessions.open(s.sessionKey).load()).get('user')).toBe(2);
    db.close();
    await sessions.close();
  });

  it("expiry is judged by the sessions' clock, for load, exists, save and clearExpired", async () => {
    let now = Date.UTC(2030, 0, 1);
    const clock = { now: () => now };
    const sessions = new Sessions({ engine: await engineOn(file()), secretKey: SECRET, clock });
    const s = sessions.open();
    s.set('x', 1);
    s.setExpiry(60);
    await s.save();
    now += 59_000;
    expect(await s.exists(s.sessionKey!)).toBe(true);
    const late = await sessions.open(s.sessionKey).load();
    expect(late.get('x')).toBe(1);
    now += 2_000;
    expect(await s.exists(s.sessionKey!)).toBe(false);
    expect((await sessions.open(s.sessionKey).load()).items()).toEqual([]);
    late.set('x', 2);
    await expect(late.save()).rejects.toThrow(/no longer exists/);
    expect(await sessions.clearExpired()).toBe(1);
    await sessions.close();
  });

  it('saving unchanged data twice is an update, not a missing row', async () => {
    const sessions = new Sessions({
      engine: await engineOn(file()),
      secretKey: SECRET,
      clock: { now: () => 1e12 },
    });
    await expectRepeatedSavesUpdate(sessions);
    await sessions.close();
  });
});

describe('the compress option', () => {
  const DATA = { user_id: 7, note: 'abc'.repeat(100), cart: [1, 2, 3] };

  async function storedWith(options: { compress?: boolean }) {
    const path = file();
    const engine = dbEngine({ database: sqlite(path), ...options });
    await engine.createTable();
    const sessions = new Sessions({ engine, secretKey: SECRET });
    const s = sessions.open();
    s.update(DATA);
    await s.save();
    const db = new Database(path, { readonly: true });
    const { session_data } = db
      .prepare('SELECT session_data FROM django_session WHERE session_key = ?')
      .get(s.sessionKey) as { session_data: string };
    db.close();
    const loaded = await sessions.open(s.sessionKey).load();
    await sessions.close();
    return { engine, sessionData: session_data, loaded: Object.fromEntries(loaded.items()) };
  }

  it("compresses session_data by default, as Django's SessionBase.encode", async () => {
    const { engine, sessionData, loaded } = await storedWith({});
    expect(engine.compress).toBe(true);
    expect(sessionData.startsWith('.')).toBe(true);
    expect(loaded).toEqual(DATA);
  });

  it("with compress: false stores Django's uncompressed signed text, which loads back", async () => {
    const { engine, sessionData, loaded } = await storedWith({ compress: false });
    expect(engine.compress).toBe(false);
    expect(sessionData.startsWith('.')).toBe(false);
    const payload = sessionData.split(':')[0]!;
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).toEqual(DATA);
    expect(loaded).toEqual(DATA);
  });

  it('an engine with either setting reads the rows the other wrote', async () => {
    const path = file();
    const plainEngine = dbEngine({ database: sqlite(path), compress: false });
    await plainEngine.createTable();
    const plain = new Sessions({ engine: plainEngine, secretKey: SECRET });
    const packed = new Sessions({ engine: dbEngine({ database: sqlite(path) }), secretKey: SECRET });
    for (const [writer, reader] of [
      [plain, packed],
      [packed, plain],
    ] as const) {
      const s = writer.open();
      s.update(DATA);
      await s.save();
      expect(Object.fromEntries((await reader.open(s.sessionKey).load()).items())).toEqual(DATA);
    }
    await plain.close();
    await packed.close();
  });

  it('refuses a compress that is not true or false', () => {
    for (const compress of ['no', 0, null]) {
      expect(() => dbEngine({ database: sqlite(file()), compress: compress as never })).toThrow(
        new ImproperlyConfigured('dbEngine: `compress` must be true or false'),
      );
    }
  });
});
