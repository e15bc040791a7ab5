import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingLogger } from '@sess/contract';
import type { CacheBackend } from '@sess/core';
import {
  CreateError,
  ImproperlyConfigured,
  SessionStoreUnavailable,
  Sessions,
  UpdateError,
} from '@sess/core';
import { memoryCache } from '@sess/engine-cache/memory';
import { redisCache } from '@sess/engine-cache/redis';
import { CachedDbEngine, cachedDbEngine } from '@sess/engine-cached-db';
import type { SessionDatabase, SessionTable } from '@sess/engine-db';
import { sqlite } from '@sess/engine-db/sqlite';
import { startRedis } from '@sess/test-servers';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';

const SECRET = 'cached-db-tests-secret-key-0123456789abcdefgh';
const dir = mkdtempSync(join(tmpdir(), 'sess-cached-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** The real database, with each table call counted, and an optional hook after `update` resolves. */
function counted(database: SessionDatabase) {
  const calls: string[] = [];
  const hooks: {
    afterUpdate?: (() => Promise<void>) | undefined;
    afterSelect?: (() => Promise<void>) | undefined;
  } = {};
  const wrapped: SessionDatabase = {
    kind: database.kind,
    table(name): SessionTable {
      const t = database.table(name);
      const count =
        <A extends unknown[], R>(op: string, fn: (...args: A) => Promise<R>) =>
        (...args: A) => {
          calls.push(op);
          return fn(...args);
        };
      return {
        insert: count('insert', (row) => t.insert(row)),
        update: count('update', async (row, now) => {
          const updated = await t.update(row, now);
          await hooks.afterUpdate?.();
          return updated;
        }),
        select: count('select', async (key, now) => {
          const row = await t.select(key, now);
          await hooks.afterSelect?.();
          return row;
        }),
        exists: count('exists', (key, now) => t.exists(key, now)),
        delete: count('delete', (key) => t.delete(key)),
        deleteExpired: count('deleteExpired', (now, limit) => t.deleteExpired(now, limit)),
        createTable: () => t.createTable(),
      };
    },
    close: () => database.close?.() ?? Promise.resolve(),
  };
  return { database: wrapped, calls, hooks };
}

async function setup(cache: CacheBackend = memoryCache(), logger = new RecordingLogger()) {
  const file = join(dir, `c${++n}.sqlite3`);
  const db = counted(sqlite(file));
  const engine = cachedDbEngine({ cache, database: db.database });
  await engine.createTable();
  const sessions = new Sessions({ engine, secretKey: SECRET, logger });
  return { engine, sessions, cache, file, calls: db.calls, hooks: db.hooks, logger };
}

async function savedSession(sessions: Sessions, data: Record<string, unknown> = { user: 1 }) {
  const s = sessions.open();
  s.update(data);
  await s.save();
  return s;
}

describe('cached_db keys and reads', () => {
  it("stores under Django's key `:1:django.contrib.sessions.cached_db<key>`, honouring KEY_PREFIX and VERSION", async () => {
    const { sessions, cache, engine } = await setup();
    const s = await savedSession(sessions);
    expect(engine.cacheKey(s.sessionKey!)).toBe(`:1:django.contrib.sessions.cached_db${s.sessionKey}`);
    expect(await cache.has(`:1:django.contrib.sessions.cached_db${s.sessionKey}`)).toBe(true);
    const other = cachedDbEngine({
      cache,
      database: sqlite(join(dir, 'k.sqlite3')),
      keyPrefix: 'site',
      version: 3,
    });
    expect(other.cacheKey('abcdefghij')).toBe('site:3:django.contrib.sessions.cached_dbabcdefghij');
    await other.close();
  });

  it('a cached session loads, and exists answers, without asking the database', async () => {
    const { sessions, calls } = await setup();
    const s = await savedSession(sessions, { user: 5 });
    calls.length = 0;
    expect((await sessions.open(s.sessionKey).load()).get('user')).toBe(5);
    expect(await s.exists(s.sessionKey!)).toBe(true);
    expect(calls).toEqual([]);
  });

  it('a cache miss reads the database and fills the cache with a TTL from the row’s expiry', async () => {
    const server = inject('redis');
    const client = new Redis(server.url);
    try {
      const { sessions, engine, calls } = await setup(redisCache(client));
      const s = sessions.open();
      s.set('user', 9);
      s.setExpiry(600);
      await s.save();
      const cacheKey = engine.cacheKey(s.sessionKey!);
      await client.del(cacheKey);
      calls.length = 0;
      expect((await sessions.open(s.sessionKey).load()).get('user')).toBe(9);
      expect(calls).toContain('select');
      const ttl = await client.ttl(cacheKey);
      expect(ttl).toBeGreaterThan(590);
      expect(ttl).toBeLessThanOrEqual(600);
      calls.length = 0;
      expect((await sessions.open(s.sessionKey).load()).get('user')).toBe(9);
      expect(calls).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it('delete removes the session from both the database and the cache', async () => {
    const { sessions, engine, cache, file } = await setup();
    const s = await savedSession(sessions);
    const key = s.sessionKey!;
    await s.flush();
    expect(await cache.has(engine.cacheKey(key))).toBe(false);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) AS c FROM django_session').get()).toEqual({ c: 0 });
    db.close();
  });
});

describe('cached_db writes', () => {
  it('a database write that fails leaves the cache untouched (UpdateError, CreateError)', async () => {
    const { sessions, engine, cache, file } = await setup();
    const s = await savedSession(sessions, { v: 'old' });
    const key = s.sessionKey!;
    const before = await cache.get(engine.cacheKey(key));
    // The row is removed behind the cache's back (another process, Django, an admin).
    const db = new Database(file);
    db.prepare('DELETE FROM django_session').run();
    s.set('v', 'new');
    await expect(s.save()).rejects.toBeInstanceOf(UpdateError);
    expect(await cache.get(engine.cacheKey(key))).toEqual(before);

    const other = await savedSession(sessions, { owner: 'first' });
    const intruder = await sessions.open(other.sessionKey).load();
    intruder.set('owner', 'intruder');
    await expect(intruder.save({ mustCreate: true })).rejects.toBeInstanceOf(CreateError);
    expect((await sessions.open(other.sessionKey).load()).get('owner')).toBe('first');
    db.close();
  });

  it('a destroy racing a save never leaves the destroyed session in the cache', async () => {
    const { sessions, engine, cache, hooks } = await setup();
    const s = await savedSession(sessions, { user: 1 });
    const key = s.sessionKey!;
    // The save's database update lands, then a logout elsewhere deletes row and cache entry, then the save
    // reaches the cache.
    hooks.afterUpdate = async () => {
      hooks.afterUpdate = undefined;
      await sessions.open().destroy(key);
    };
    s.set('user', 2);
    await s.save();
    expect(await cache.has(engine.cacheKey(key))).toBe(false);
    const again = await sessions.open(key).load();
    expect(again.items()).toEqual([]);
    expect(again.sessionKey).toBeNull();
  });

  it('a destroy racing a cache fill never leaves the destroyed session in the cache', async () => {
    const { sessions, engine, cache, hooks } = await setup();
    const s = await savedSession(sessions, { user: 1 });
    const key = s.sessionKey!;
    await cache.delete(engine.cacheKey(key));
    // A load misses the cache and reads the row; a logout elsewhere then deletes row and cache entry
    // before the load fills the cache.
    hooks.afterSelect = async () => {
      hooks.afterSelect = undefined;
      await sessions.open().destroy(key);
    };
    await sessions.open(key).load();
    expect(await cache.has(engine.cacheKey(key))).toBe(false);
    expect((await sessions.open(key).load()).sessionKey).toBeNull();
  });

  it('a session already expired when saved is not cached', async () => {
    const { sessions, engine, cache } = await setup();
    const s = await savedSession(sessions);
    s.setExpiry(new Date(Date.now() - 1000));
    await s.save();
    expect(await cache.has(engine.cacheKey(s.sessionKey!))).toBe(false);
  });
});

describe('cached_db with the cache down', () => {
  it('saves are logged as "Error saving to cache" and not fatal; reads and exists fall back to the database', async () => {
    const server = await startRedis();
    const client = new Redis(server.url, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: false,
    });
    client.on('error', () => {});
    const logger = new RecordingLogger();
    try {
      const { sessions } = await setup(redisCache(client, { timeoutMs: 300 }), logger);
      const s = await savedSession(sessions, { user: 1 });
      await server.stop();
      s.set('user', 2);
      await s.save();
      expect(logger.messages('error')).toContain('Error saving to cache (redis)');
      expect(logger.records.find((r) => r.message === 'Error saving to cache (redis)')?.details?.logger).toBe(
        'sess.sessions',
      );
      expect((await sessions.open(s.sessionKey).load()).get('user')).toBe(2);
      expect(await s.exists(s.sessionKey!)).toBe(true);
      const fresh = await savedSession(sessions, { fresh: true });
      expect((await sessions.open(fresh.sessionKey).load()).get('fresh')).toBe(true);
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it('a destroy whose cache delete fails is an error, not a silent half-logout', async () => {
    const server = await startRedis();
    const client = new Redis(server.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
    client.on('error', () => {});
    try {
      const { sessions } = await setup(redisCache(client, { timeoutMs: 300 }));
      const s = await savedSession(sessions);
      await server.stop();
      await expect(s.destroy()).rejects.toBeInstanceOf(SessionStoreUnavailable);
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});

describe('cached_db configuration', () => {
  it('refuses a missing cache or database at construction', () => {
    expect(() =>
      cachedDbEngine({ cache: undefined as never, database: sqlite(join(dir, 'x.sqlite3')) }),
    ).toThrow(/`cache` must be a CacheBackend/);
    expect(() => cachedDbEngine({ cache: memoryCache(), database: undefined as never })).toThrow(
      /database adapter/,
    );
    expect(() =>
      cachedDbEngine({ cache: memoryCache(), database: sqlite(join(dir, 'x.sqlite3')), table: 'a b' }),
    ).toThrow(/plain identifier/);
    expect(new CachedDbEngine({ cache: memoryCache(), database: sqlite(join(dir, 'x.sqlite3')) }).name).toBe(
      'cached_db:memory+sqlite',
    );
  });
});

describe('cached_db compress option', () => {
  const DATA = { user: 1, note: 'abc'.repeat(100), cart: [1, 2, 3] };

  async function rowWith(options: { compress?: boolean }) {
    const file = join(dir, `z${++n}.sqlite3`);
    const cache = memoryCache();
    const engine = cachedDbEngine({ cache, database: sqlite(file), ...options });
    await engine.createTable();
    const sessions = new Sessions({ engine, secretKey: SECRET });
    const s = await savedSession(sessions, DATA);
    const db = new Database(file, { readonly: true });
    const { session_data } = db
      .prepare('SELECT session_data FROM django_session WHERE session_key = ?')
      .get(s.sessionKey) as { session_data: string };
    db.close();
    // The cache holds the serializer's bytes whatever the option, as Django's cached_db.
    const cached = await cache.get(engine.cacheKey(s.sessionKey!));
    expect(JSON.parse(Buffer.from(cached!).toString('utf8'))).toEqual(DATA);
    await cache.delete(engine.cacheKey(s.sessionKey!));
    const fromDb = Object.fromEntries((await sessions.open(s.sessionKey).load()).items());
    await sessions.close();
    return { engine, sessionData: session_data, fromDb };
  }

  it('compresses the database row by default', async () => {
    const { engine, sessionData, fromDb } = await rowWith({});
    expect(engine.compress).toBe(true);
    expect(sessionData.startsWith('.')).toBe(true);
    expect(fromDb).toEqual(DATA);
  });

  it('with compress: false the database row is uncompressed, and loads back from it', async () => {
    const { engine, sessionData, fromDb } = await rowWith({ compress: false });
    expect(engine.compress).toBe(false);
    expect(sessionData.startsWith('.')).toBe(false);
    expect(JSON.parse(Buffer.from(sessionData.split(':')[0]!, 'base64url').toString('utf8'))).toEqual(DATA);
    expect(fromDb).toEqual(DATA);
  });

  it('refuses a compress that is not true or false', () => {
    for (const compress of ['no', 0, null]) {
      expect(() =>
        cachedDbEngine({
          cache: memoryCache(),
          database: sqlite(join(dir, 'x.sqlite3')),
          compress: compress as never,
        }),
      ).toThrow(new ImproperlyConfigured('cachedDbEngine: `compress` must be true or false'));
    }
  });
});
