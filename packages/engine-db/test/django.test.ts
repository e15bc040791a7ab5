// Interop with real Django (Debian's python3-django, via /usr/bin/python3): one django_session table,
// written and read by both sides, on SQLite and PostgreSQL.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sessions } from '@sess/core';
import type { SessionDatabase } from '@sess/engine-db';
import { createTableStatements, DbEngine, djangoIndexName } from '@sess/engine-db';
import { postgres } from '@sess/engine-db/postgres';
import { sqlite } from '@sess/engine-db/sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tempDir } from './helpers.ts';

const SCRIPT = fileURLToPath(new URL('./django_interop.py', import.meta.url));
const SECRET = 'django-interop-secret-key-for-sess-engine-db';

type DbSpec =
  | { engine: 'sqlite'; name: string }
  | { engine: 'postgres'; host: string; port: number; user: string; name: string };

function django<T = Record<string, unknown>>(
  db: DbSpec,
  action: string,
  extra: Record<string, unknown> = {},
): T {
  const out = execFileSync(
    '/usr/bin/python3',
    [SCRIPT, JSON.stringify({ db, secret: SECRET, action, ...extra })],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

/** Django's DDL as `sqlmigrate` prints it, one statement per entry. */
function djangoDdl(db: DbSpec): string[] {
  const { sql } = django<{ sql: string }>(db, 'sqlmigrate');
  return sql
    .split('\n')
    .filter((line) => /^CREATE /.test(line))
    .map((line) => line.replace(/;$/, ''));
}

const ours = (dialect: 'sqlite' | 'postgres', table: string) =>
  createTableStatements(dialect, table).map((s) => s.replace(/ IF NOT EXISTS/g, ''));

interface Case {
  name: 'sqlite' | 'postgres';
  /** A fresh spec + adapter with an empty database (no django_session table). */
  fresh: () => Promise<{ spec: DbSpec; database: SessionDatabase }>;
}

const dir = tempDir();
let pool: pg.Pool;
let pgDbCount = 0;

beforeAll(() => {
  pool = new pg.Pool({ connectionString: inject('postgres').url, max: 4 });
});
afterAll(() => pool.end());

const cases: Case[] = [
  {
    name: 'sqlite',
    fresh: async () => {
      const file = join(dir, `django-${Math.random().toString(36).slice(2)}.sqlite3`);
      return { spec: { engine: 'sqlite', name: file }, database: sqlite(file) };
    },
  },
  {
    name: 'postgres',
    fresh: async () => {
      const { host, port, user } = inject('postgres');
      const name = `interop_${process.pid}_${++pgDbCount}`;
      await pool.query(`CREATE DATABASE ${name}`);
      const dbPool = new pg.Pool({ host, port, user, database: name, max: 3 });
      afterAll(() => dbPool.end());
      return { spec: { engine: 'postgres', host, port, user, name }, database: postgres(dbPool) };
    },
  },
];

for (const c of cases) {
  describe(`Django interop on ${c.name}`, () => {
    it("createTable() issues Django's own DDL (sqlmigrate), index names included", async () => {
      const { spec } = await c.fresh();
      expect(ours(c.name, 'django_session')).toEqual(djangoDdl(spec));
    });

    it("index names for another table follow Django's schema editor, long names included", async () => {
      const { spec } = await c.fresh();
      for (const table of ['web_sessions', 'a_rather_long_session_table_name_for_the_accounts_service_x']) {
        const expected = django<{ name: string }>(spec, 'index_name', {
          table,
          columns: ['expire_date'],
        }).name;
        expect(djangoIndexName(c.name, table, ['expire_date'])).toBe(expected);
        const like = django<{ name: string }>(spec, 'index_name', {
          table,
          columns: ['session_key'],
          suffix: '_like',
        });
        expect(djangoIndexName(c.name, table, ['session_key'], '_like')).toBe(like.name);
      }
    });

    describe('on a table made by Django (manage.py migrate)', () => {
      let spec: DbSpec;
      let sessions: Sessions;
      beforeAll(async () => {
        const fresh = await c.fresh();
        spec = fresh.spec;
        django(spec, 'migrate');
        sessions = new Sessions({ engine: new DbEngine({ database: fresh.database }), secretKey: SECRET });
      });
      afterAll(() => sessions.close());

      it('a session Django wrote loads here, with its expiry', async () => {
        const data = { user_id: 42, cart: ['a', 'b'], name: 'Zoë ✓' };
        const { key } = django<{ key: string }>(spec, 'write', { data, expiry: 3600 });
        const s = await sessions.open(key).load();
        expect(s.sessionKey).toBe(key);
        expect(Object.fromEntries(s.items())).toEqual({ ...data, _session_expiry: 3600 });
        const { expiry } = django<{ expiry: string }>(spec, 'read', { key });
        expect(Math.abs(s.getExpiryDate().getTime() - Date.parse(expiry))).toBeLessThan(60_000);
      });

      it('a session written here loads in Django, and an update from either side is seen by the other', async () => {
        const s = sessions.open();
        s.update({ user_id: 7, flags: { beta: true }, note: 'héllo' });
        await s.save();
        const read = django<{ data: unknown; key_after: string }>(spec, 'read', { key: s.sessionKey });
        expect(read).toMatchObject({
          data: { user_id: 7, flags: { beta: true }, note: 'héllo' },
          key_after: s.sessionKey,
        });

        django(spec, 'update', { key: s.sessionKey, data: { from_django: 1 } });
        const again = await sessions.open(s.sessionKey).load();
        expect(again.get('from_django')).toBe(1);
        again.set('from_node', 2);
        await again.save();
        const last = django<{ data: Record<string, unknown> }>(spec, 'read', { key: s.sessionKey });
        expect(last.data).toMatchObject({ user_id: 7, from_django: 1, from_node: 2 });
      });

      it("Django's expire_date__gt=now sees our live rows and not our expired ones; its clear_expired removes them", async () => {
        const live = sessions.open();
        live.set('live', true);
        await live.save();
        const dead = sessions.open();
        dead.set('dead', true);
        dead.setExpiry(new Date(Date.now() - 60_000));
        await dead.save();
        const { keys } = django<{ keys: string[] }>(spec, 'live_keys');
        expect(keys).toContain(live.sessionKey);
        expect(keys).not.toContain(dead.sessionKey);
        expect(django<{ deleted: number }>(spec, 'clear_expired').deleted).toBeGreaterThanOrEqual(1);
        expect(await dead.exists(dead.sessionKey!)).toBe(false);
        expect(await live.exists(live.sessionKey!)).toBe(true);
      });

      it('a session Django expired does not load here, and clearExpired() removes it', async () => {
        const { key } = django<{ key: string }>(spec, 'write', { data: { old: true }, expiry: -10 });
        const s = await sessions.open(key).load();
        expect(s.sessionKey).toBeNull();
        expect(s.items()).toEqual([]);
        expect(await sessions.clearExpired()).toBeGreaterThanOrEqual(1);
        const { rows } = django<{ rows: [string, string][] }>(spec, 'raw_rows');
        expect(rows.map((r) => r[0])).not.toContain(key);
      });
    });

    describe('with compress: false', () => {
      let spec: DbSpec;
      let sessions: Sessions;
      // Repetitive enough that Django (and sess by default) would store it compressed.
      const data = { user_id: 9, note: 'plain '.repeat(80), tags: ['a', 'b'] };
      beforeAll(async () => {
        const fresh = await c.fresh();
        spec = fresh.spec;
        django(spec, 'migrate');
        const engine = new DbEngine({ database: fresh.database, compress: false });
        sessions = new Sessions({ engine, secretKey: SECRET });
      });
      afterAll(() => sessions.close());

      const rowOf = (key: string) =>
        django<{ rows: [string, string][] }>(spec, 'raw_data').rows.find((r) => r[0] === key)![1];

      it('Django loads and updates a row written here uncompressed', async () => {
        const s = sessions.open();
        s.update(data);
        await s.save();
        expect(rowOf(s.sessionKey!).startsWith('.')).toBe(false);
        expect(django<{ data: unknown }>(spec, 'read', { key: s.sessionKey }).data).toEqual(data);
        django(spec, 'update', { key: s.sessionKey, data: { from_django: 1 } });
        // Django rewrites the row its own way (compressed); it still loads here.
        expect(rowOf(s.sessionKey!).startsWith('.')).toBe(true);
        const again = await sessions.open(s.sessionKey).load();
        expect(Object.fromEntries(again.items())).toEqual({ ...data, from_django: 1 });
        again.set('from_node', 2);
        await again.save();
        expect(rowOf(s.sessionKey!).startsWith('.')).toBe(false);
        expect(django<{ data: unknown }>(spec, 'read', { key: s.sessionKey }).data).toEqual({
          ...data,
          from_django: 1,
          from_node: 2,
        });
      });

      it('a row Django wrote (compressed) loads here', async () => {
        const { key } = django<{ key: string }>(spec, 'write', { data });
        expect(rowOf(key).startsWith('.')).toBe(true);
        expect(Object.fromEntries((await sessions.open(key).load()).items())).toEqual(data);
      });
    });

    describe('on a table made here (createTable)', () => {
      let spec: DbSpec;
      let sessions: Sessions;
      beforeAll(async () => {
        const fresh = await c.fresh();
        spec = fresh.spec;
        const engine = new DbEngine({ database: fresh.database });
        await engine.createTable();
        sessions = new Sessions({ engine, secretKey: SECRET });
      });
      afterAll(() => sessions.close());

      it('Django reads and writes it without migrating', async () => {
        const s = sessions.open();
        s.set('made', 'here');
        await s.save();
        expect(django<{ data: unknown }>(spec, 'read', { key: s.sessionKey }).data).toEqual({ made: 'here' });
        const { key } = django<{ key: string }>(spec, 'write', { data: { made: 'in django' } });
        expect((await sessions.open(key).load()).get('made')).toBe('in django');
      });
    });
  });
}

describe('SQLite datetime text', () => {
  it("rows written here store expire_date in Django's exact text form", async () => {
    const file = join(dir, 'text-form.sqlite3');
    const spec: DbSpec = { engine: 'sqlite', name: file };
    django(spec, 'migrate');
    const withMs = new Date(Date.UTC(2031, 4, 6, 7, 8, 9, 120));
    const whole = new Date(Date.UTC(2031, 4, 6, 7, 8, 10, 0));
    const clock = { now: () => withMs.getTime() - 3600_000 };
    const engine = new DbEngine({ database: sqlite(file) });
    const sessions = new Sessions({ engine, secretKey: SECRET, clock });
    const keys: string[] = [];
    for (const when of [withMs, whole]) {
      const s = sessions.open();
      s.set('x', 1);
      s.setExpiry(when);
      await s.save();
      keys.push(s.sessionKey!);
    }
    const { key: djangoKey } = django<{ key: string }>(spec, 'write', { data: { y: 1 } });
    await sessions.close();
    const db = new Database(file, { readonly: true });
    const text = (key: string) =>
      (
        db.prepare('SELECT expire_date FROM django_session WHERE session_key = ?').get(key) as {
          expire_date: string;
        }
      ).expire_date;
    expect(text(keys[0]!)).toBe('2031-05-06 07:08:09.120000');
    expect(text(keys[1]!)).toBe('2031-05-06 07:08:10');
    expect(text(djangoKey)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
    db.close();
  });
});
