/**
 * Interop with real Django (Debian's python3-django, run with /usr/bin/python3): sessions written by
 * Django's file engine load here, and sessions written here load in Django, in the same directory.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordingLogger } from '@sess/contract';
import { type SessionData, Sessions, type SessionsOptions } from '@sess/core';
import { fileEngine } from '@sess/engine-file';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';

const SECRET_KEY = 'django-interop-secret-key-for-the-file-engine-0123456789';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'django_file.py');

interface DjangoOptions {
  cookie_name?: string;
  cookie_age?: number;
}

function django<T>(dir: string, command: Record<string, unknown>, options: DjangoOptions = {}): T {
  const out = execFileSync(
    '/usr/bin/python3',
    [SCRIPT, JSON.stringify({ secret: SECRET_KEY, dir, ...options, ...command })],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(out) as T;
}

function node(
  dir: string,
  options: Partial<SessionsOptions> = {},
  engineOptions: { compress?: boolean } = {},
) {
  const logger = new RecordingLogger();
  return {
    logger,
    sessions: new Sessions({
      engine: fileEngine({ path: dir, ...engineOptions }),
      secretKey: SECRET_KEY,
      logger,
      ...options,
    }),
  };
}

const DATA: SessionData = {
  user_id: 42,
  name: 'Zoë ✓ 😀',
  cart: [1, 'two', null, { deep: true }],
  ratio: 0.5,
  flag: false,
};
const BIG: SessionData = { blob: 'abc'.repeat(3000), n: 1 };

describe("Django's file engine ⇄ this engine", () => {
  it('a session Django writes loads here', async () => {
    const dir = tempDir();
    const { sessions, logger } = node(dir);
    for (const data of [DATA, BIG]) {
      const { key } = django<{ key: string }>(dir, { action: 'create', data });
      expect(statSync(join(dir, `sessionid${key}`)).mode & 0o777).toBe(0o600);
      const s = await sessions.open(key).load();
      expect(s.sessionKey).toBe(key);
      expect(Object.fromEntries(s.items())).toEqual(data);
    }
    expect(logger.records).toEqual([]);
  });

  it('a session written here loads in Django', async () => {
    const dir = tempDir();
    const { sessions } = node(dir);
    for (const data of [DATA, BIG]) {
      const s = sessions.open();
      s.update(data);
      await s.save();
      const out = django<{ data: SessionData; key: string; exists: boolean }>(dir, {
        action: 'load',
        key: s.sessionKey,
      });
      expect(out).toMatchObject({ data, key: s.sessionKey, exists: true });
    }
  });

  it('each side updates the other’s session in place', async () => {
    const dir = tempDir();
    const { sessions } = node(dir);
    const { key } = django<{ key: string }>(dir, { action: 'create', data: { step: 1 } });
    const s = await sessions.open(key).load();
    s.set('step', 2);
    await s.save();
    expect(s.sessionKey).toBe(key);
    expect(django<{ data: SessionData }>(dir, { action: 'load', key }).data).toEqual({ step: 2 });
    django(dir, { action: 'update', key, data: { step: 3, by: 'django' } });
    expect(Object.fromEntries((await sessions.open(key).load()).items())).toEqual({ step: 3, by: 'django' });
    expect(readdirSync(dir)).toEqual([`sessionid${key}`]);
  });

  it('a custom cookie name is the file prefix on both sides', async () => {
    const dir = tempDir();
    const { sessions } = node(dir, { cookieName: 'app_sid' });
    const { key } = django<{ key: string }>(
      dir,
      { action: 'create', data: { by: 'django' } },
      { cookie_name: 'app_sid' },
    );
    expect(readdirSync(dir)).toEqual([`app_sid${key}`]);
    expect((await sessions.open(key).load()).get('by')).toBe('django');
    const mine = sessions.open();
    mine.set('by', 'node');
    await mine.save();
    expect(
      django<{ data: SessionData }>(dir, { action: 'load', key: mine.sessionKey }, { cookie_name: 'app_sid' })
        .data,
    ).toEqual({
      by: 'node',
    });
  });

  // Django 3.2 (the Debian package) keeps set_expiry(datetime) as a datetime object, which JSON cannot
  // carry; Django >= 4.2 stores an ISO string, as this engine does. Seconds are the same in both.
  it('per-session expiry in seconds agrees', async () => {
    const dir = tempDir();
    const { sessions } = node(dir);
    const s = sessions.open();
    s.set('x', 1);
    s.setExpiry(600);
    await s.save();
    const seen = django<{ data: SessionData; expiry: string }>(dir, { action: 'load', key: s.sessionKey });
    expect(seen.data).toEqual({ x: 1, _session_expiry: 600 });
    expect(Math.abs(new Date(seen.expiry).getTime() - Date.now() - 600_000)).toBeLessThan(10_000);

    const theirs = django<{ key: string }>(dir, { action: 'create', data: { y: 2 }, expiry_seconds: 900 });
    const loaded = await sessions.open(theirs.key).load();
    expect(loaded.get('y')).toBe(2);
    expect(loaded.getExpiryAge()).toBe(900);
  });

  it("clear_expired on either side removes the other's expired sessions and keeps live ones", async () => {
    const dir = tempDir();
    const { sessions } = node(dir, { cookieAge: 3600 });
    const old = (key: string) => {
      const when = new Date(Date.now() - 7200_000);
      utimesSync(join(dir, `sessionid${key}`), when, when);
    };
    const djangoLive = django<{ key: string }>(
      dir,
      { action: 'create', data: { a: 1 } },
      { cookie_age: 3600 },
    ).key;
    const djangoExpired = django<{ key: string }>(
      dir,
      { action: 'create', data: { a: 2 } },
      { cookie_age: 3600 },
    ).key;
    old(djangoExpired);
    const nodeLive = sessions.open();
    nodeLive.set('b', 1);
    await nodeLive.save();
    const nodeExpired = sessions.open();
    nodeExpired.set('b', 2);
    await nodeExpired.save();
    old(nodeExpired.sessionKey!);

    expect(await sessions.clearExpired()).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(
      [`sessionid${djangoLive}`, `sessionid${nodeLive.sessionKey}`].sort(),
    );

    const again = sessions.open();
    again.set('c', 1);
    await again.save();
    old(again.sessionKey!);
    const { files } = django<{ files: string[] }>(dir, { action: 'clear' }, { cookie_age: 3600 });
    expect(files.sort()).toEqual([`sessionid${djangoLive}`, `sessionid${nodeLive.sessionKey}`].sort());
  });

  describe('with compress: false here', () => {
    const text = (dir: string, key: string) => readFileSync(join(dir, `sessionid${key}`), 'latin1');

    it('Django loads and updates a file written here uncompressed, and each side reads the other’s rewrite', async () => {
      const dir = tempDir();
      const { sessions, logger } = node(dir, {}, { compress: false });
      for (const data of [DATA, BIG]) {
        const s = sessions.open();
        s.update(data);
        await s.save();
        const key = s.sessionKey!;
        expect(text(dir, key).startsWith('.')).toBe(false);
        expect(django<{ data: SessionData }>(dir, { action: 'load', key }).data).toEqual(data);
        django(dir, { action: 'update', key, data: { by: 'django' } });
        // BIG compresses, so Django's rewrite is compressed; it loads here all the same.
        if (data === BIG) expect(text(dir, key).startsWith('.')).toBe(true);
        const again = await sessions.open(key).load();
        expect(Object.fromEntries(again.items())).toEqual({ ...data, by: 'django' });
        again.set('after', 'node');
        await again.save();
        expect(text(dir, key).startsWith('.')).toBe(false);
        expect(django<{ data: SessionData }>(dir, { action: 'load', key }).data).toEqual({
          ...data,
          by: 'django',
          after: 'node',
        });
      }
      expect(logger.records).toEqual([]);
    });

    it('a session Django writes (compressed) loads here', async () => {
      const dir = tempDir();
      const { sessions, logger } = node(dir, {}, { compress: false });
      const { key } = django<{ key: string }>(dir, { action: 'create', data: BIG });
      expect(text(dir, key).startsWith('.')).toBe(true);
      expect(Object.fromEntries((await sessions.open(key).load()).items())).toEqual(BIG);
      expect(logger.records).toEqual([]);
    });
  });
});
