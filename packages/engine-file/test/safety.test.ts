/**
 * The file engine's own promises, beyond the contract kit: configuration at start-up, keys that never
 * reach the file system, symlinks not followed, modes, Django's expiry rules (with the integer-expiry
 * fix), corrupted files, write failures raised, and clearExpired.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RecordingLogger } from '@sess/contract';
import {
  CreateError,
  ImproperlyConfigured,
  InvalidSessionKey,
  SECURITY_LOGGER,
  type SessionData,
  SessionStoreUnavailable,
  Sessions,
  type SessionsOptions,
  signing,
  UpdateError,
} from '@sess/core';
import { type FileEngine, fileEngine, TEMP_MARKER } from '@sess/engine-file';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';

const SECRET_KEY = 'engine-file-safety-tests-secret-key-0123456789abcdef';
const DAY = 24 * 3600;

function setup(extra: Partial<SessionsOptions> & { dir?: string } = {}) {
  const { dir = tempDir(), ...options } = extra;
  const engine = fileEngine({ path: dir });
  const logger = new RecordingLogger();
  const sessions = new Sessions({ engine, secretKey: SECRET_KEY, logger, ...options });
  return { dir, engine, logger, sessions, ctx: sessions.context };
}

async function saved(sessions: Sessions, data: SessionData = { user: 'u1' }) {
  const s = sessions.open();
  s.update(data);
  await s.save();
  return s;
}

/** Moves a file's modification time `seconds` into the past. */
function age(file: string, seconds: number) {
  const when = new Date(Date.now() - seconds * 1000);
  utimesSync(file, when, when);
}

const securityWarnings = (logger: RecordingLogger) =>
  logger.records.filter((r) => r.details?.logger === SECURITY_LOGGER);

describe('configuration, checked synchronously when the engine is made', () => {
  it('a missing directory is ImproperlyConfigured, naming the path and the fix', () => {
    const missing = join(tempDir(), 'nope');
    expect(() => fileEngine({ path: missing })).toThrow(ImproperlyConfigured);
    expect(() => fileEngine({ path: missing })).toThrow(/doesn't exist.*create: true/);
    expect(existsSync(missing)).toBe(false);
  });

  it('a path that is a file, or no path at all, is ImproperlyConfigured', () => {
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'x');
    expect(() => fileEngine({ path: file })).toThrow(/is not a directory/);
    for (const bad of ['', 'a\u0000b', 42, null]) {
      expect(() => fileEngine({ path: bad as string })).toThrow(ImproperlyConfigured);
    }
    expect(() => fileEngine({ path: tempDir(), fsync: 'yes' as unknown as boolean })).toThrow(
      ImproperlyConfigured,
    );
  });

  it('defaults to the OS temp directory, as Django; accepts a file: URL and resolves symlinks', () => {
    expect(fileEngine().directory).toBe(realpathSync(tmpdir()));
    const dir = realpathSync(tempDir());
    expect(fileEngine({ path: pathToFileURL(dir) }).directory).toBe(dir);
    const link = join(tempDir(), 'link');
    symlinkSync(dir, link);
    expect(fileEngine({ path: link }).directory).toBe(dir);
  });

  it('create: true makes the directory (and parents) 0700 and files are 0600, whatever the umask', async () => {
    const dir = join(tempDir(), 'a', 'b');
    const previous = process.umask(0o277); // would leave 0500 directories and 0400 files
    try {
      const { sessions } = setup({ dir: fileEngine({ path: dir, create: true }).directory });
      const s = await saved(sessions);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, '..')).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, `sessionid${s.sessionKey}`)).mode & 0o777).toBe(0o600);
      s.set('again', true);
      await s.save();
      expect(statSync(join(dir, `sessionid${s.sessionKey}`)).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });
});

describe('session keys are checked before they touch a path', () => {
  const hostile = [
    '../../etc/passwd',
    'a/b',
    'aaaa/bbbb',
    'a\\b',
    'aaaa\\bbbb',
    'abcdefgh\u0000',
    '..',
    'ABCDEFGHIJ',
    'x'.repeat(41),
    'short',
    '',
  ];

  it('every engine method refuses them with InvalidSessionKey, and nothing is created or read', async () => {
    const parent = tempDir();
    const dir = join(parent, 'store');
    mkdirSync(dir);
    const { engine, ctx } = setup({ dir });
    const before = readdirSync(parent);
    const options = { mustCreate: true, expiryAge: 60, expiryDate: new Date(Date.now() + 60_000) };
    for (const key of hostile) {
      await expect(engine.load(key, ctx)).rejects.toThrow(InvalidSessionKey);
      await expect(engine.exists(key, ctx)).rejects.toThrow(InvalidSessionKey);
      await expect(engine.save(key, { a: 1 }, options, ctx)).rejects.toThrow(InvalidSessionKey);
      await expect(engine.save(key, { a: 1 }, { ...options, mustCreate: false }, ctx)).rejects.toThrow(
        InvalidSessionKey,
      );
      await expect(engine.destroy(key, ctx)).rejects.toThrow(InvalidSessionKey);
      expect(() => engine.pathOf(key, ctx)).toThrow(InvalidSessionKey);
    }
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(parent)).toEqual(before);
  });

  it('a valid key names exactly <cookieName><key> inside the directory', () => {
    const { engine, dir } = setup();
    expect(engine.pathOf('abcdefgh12345678', { cookieName: 'app_sid' })).toBe(
      join(realpathSync(dir), 'app_sidabcdefgh12345678'),
    );
  });
});

describe('what is on disk', () => {
  it('one file per session, named <cookieName><key>, holding exactly the encoded session', async () => {
    const { dir, sessions, ctx } = setup({ cookieName: 'app_session' });
    const s = await saved(sessions, { user: 'u1', cart: [1, 2] });
    expect(readdirSync(dir)).toEqual([`app_session${s.sessionKey}`]);
    const text = readFileSync(join(dir, `app_session${s.sessionKey}`), 'latin1');
    expect(text).toMatch(/^\.?[A-Za-z0-9_-]+:[A-Za-z0-9]+:[A-Za-z0-9_-]{43}$/);
    const data = await signing.loads(text, {
      secretKey: SECRET_KEY,
      salt: 'django.contrib.sessions.SessionStore',
    });
    expect(data).toEqual({ user: 'u1', cart: [1, 2] });
    expect(await ctx.codec.decode(text)).toEqual({ user: 'u1', cart: [1, 2] });
  });

  it('files are 0600 under the usual umask too, on creation and on every later save', async () => {
    const previous = process.umask(0o022);
    try {
      const { dir, sessions } = setup();
      const s = await saved(sessions);
      const file = join(dir, `sessionid${s.sessionKey}`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      for (let i = 0; i < 3; i++) {
        s.set('n', i);
        await s.save();
        expect(statSync(file).mode & 0o777).toBe(0o600);
      }
    } finally {
      process.umask(previous);
    }
  });

  it('a session file of any size reads back whole (small, and over the one-read size)', async () => {
    const { dir, sessions } = setup();
    // Random text does not compress: the file is larger than 512 KiB.
    const big = randomBytes(450 * 1024).toString('base64');
    const sizes: number[] = [];
    for (const data of [{ a: 1 }, { big }]) {
      const s = await saved(sessions, data);
      sizes.push(statSync(join(dir, `sessionid${s.sessionKey}`)).size);
      expect((await sessions.open(s.sessionKey).load()).items()).toEqual(Object.entries(data));
    }
    expect(sizes[0]).toBeLessThan(1024);
    expect(sizes[1]).toBeGreaterThan(512 * 1024);
  });

  it('a value the serializer refuses leaves no file behind', async () => {
    const { dir, sessions } = setup();
    const s = sessions.open();
    s.set('fn', () => 1);
    await expect(s.save()).rejects.toThrow(/fn/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('symlinks and other non-files at a session path are never followed', () => {
  async function planted() {
    const { dir, engine, logger, sessions, ctx } = setup();
    // The victim: a valid session file outside the storage directory.
    const elsewhere = setup();
    const victim = await saved(elsewhere.sessions, { user: 'admin' });
    const victimFile = join(elsewhere.dir, `sessionid${victim.sessionKey}`);
    const victimText = readFileSync(victimFile, 'latin1');
    const key = 'plantedsymlink0123456789abcdefgh';
    symlinkSync(victimFile, join(dir, `sessionid${key}`));
    return { dir, engine, logger, sessions, ctx, key, victimFile, victimText };
  }

  it('load and exists do not read through a symlink, and log it', async () => {
    const { engine, logger, sessions, ctx, key } = await planted();
    expect(await engine.load(key, ctx)).toBeNull();
    expect(await engine.exists(key, ctx)).toBe(false);
    const s = await sessions.open(key).load();
    expect(s.sessionKey).toBeNull();
    expect(s.items()).toEqual([]);
    expect(securityWarnings(logger).map((r) => r.message)).toContain(
      'Session file is a symbolic link; it was not followed',
    );
  });

  it('saves never write through it, and destroy removes the link, not its target', async () => {
    const { dir, engine, ctx, key, victimFile, victimText } = await planted();
    const options = { expiryAge: 60, expiryDate: new Date(Date.now() + 60_000) };
    await expect(engine.save(key, { user: 'evil' }, { ...options, mustCreate: true }, ctx)).rejects.toThrow(
      CreateError,
    );
    await expect(engine.save(key, { user: 'evil' }, { ...options, mustCreate: false }, ctx)).rejects.toThrow(
      UpdateError,
    );
    expect(readFileSync(victimFile, 'latin1')).toBe(victimText);
    await engine.destroy(key, ctx);
    expect(existsSync(join(dir, `sessionid${key}`))).toBe(false);
    expect(readFileSync(victimFile, 'latin1')).toBe(victimText);
  });

  it('a FIFO or a directory at a session path loads as no session, without hanging', async () => {
    const { dir, engine, ctx } = setup();
    const fifo = 'plantedfifo000000000000000000000';
    execFileSync('mkfifo', [join(dir, `sessionid${fifo}`)]);
    expect(await engine.load(fifo, ctx)).toBeNull();
    const folder = 'planteddirectory0000000000000000';
    mkdirSync(join(dir, `sessionid${folder}`));
    expect(await engine.load(folder, ctx)).toBeNull();
    const options = { mustCreate: false, expiryAge: 60, expiryDate: new Date(Date.now() + 60_000) };
    await expect(engine.save(folder, { a: 1 }, options, ctx)).rejects.toThrow(UpdateError);
    expect(lstatSync(join(dir, `sessionid${fifo}`)).isFIFO()).toBe(true);
  });
});

describe("expiry, as Django's file engine", () => {
  it('without _session_expiry: modification time plus the cookie age; an expired file is removed', async () => {
    const { dir, sessions } = setup({ cookieAge: DAY });
    const s = await saved(sessions);
    const file = join(dir, `sessionid${s.sessionKey}`);
    age(file, DAY - 60);
    expect((await sessions.open(s.sessionKey).load()).get('user')).toBe('u1');
    age(file, DAY + 1);
    expect(await s.exists(s.sessionKey!)).toBe(false);
    expect(existsSync(file)).toBe(true); // exists() only looks
    const again = await sessions.open(s.sessionKey).load();
    expect(again.sessionKey).toBeNull();
    expect(again.items()).toEqual([]);
    expect(existsSync(file)).toBe(false);
  });

  it('an integer expiry counts from the modification time (Django lets such a session live forever)', async () => {
    const { dir, sessions } = setup();
    const s = sessions.open();
    s.set('user', 'u1');
    s.setExpiry(300);
    await s.save();
    const file = join(dir, `sessionid${s.sessionKey}`);
    age(file, 200);
    expect((await sessions.open(s.sessionKey).load()).get('user')).toBe('u1');
    age(file, 10_000_000); // Django 5.2 still loads this one (§1.8 of the reference)
    const again = await sessions.open(s.sessionKey).load();
    expect(again.items()).toEqual([]);
    expect(existsSync(file)).toBe(false);
  });

  it('a date expiry is that date, whatever the modification time', async () => {
    const { dir, sessions } = setup({ cookieAge: 60 });
    const later = sessions.open();
    later.set('user', 'u1');
    later.setExpiry(new Date(Date.now() + 30 * DAY * 1000));
    await later.save();
    age(join(dir, `sessionid${later.sessionKey}`), 10 * DAY);
    expect((await sessions.open(later.sessionKey).load()).get('user')).toBe('u1');

    const past = sessions.open();
    past.set('user', 'u2');
    past.setExpiry(new Date(Date.now() - 1000));
    await past.save();
    expect((await sessions.open(past.sessionKey).load()).items()).toEqual([]);
  });

  it('expiry 0 (until the browser closes) falls back to the cookie age on the server', async () => {
    const { dir, sessions } = setup({ cookieAge: 100 });
    const s = sessions.open();
    s.set('user', 'u1');
    s.setExpiry(0);
    await s.save();
    const file = join(dir, `sessionid${s.sessionKey}`);
    age(file, 50);
    expect((await sessions.open(s.sessionKey).load()).get('user')).toBe('u1');
    age(file, 101);
    expect((await sessions.open(s.sessionKey).load()).items()).toEqual([]);
  });
});

describe('corrupted files', () => {
  const garbage: [string, string | Buffer][] = [
    ['text', 'not a session at all'],
    ['binary', Buffer.from([0, 255, 1, 254, 10, 13, 0x80])],
    ['another secret key', ''],
    ['truncated', ''],
  ];

  it('load as an empty session with a security warning, never as an error', async () => {
    const { dir, logger, sessions } = setup();
    const valid = await saved(sessions, { user: 'u1' });
    const text = readFileSync(join(dir, `sessionid${valid.sessionKey}`), 'latin1');
    garbage[2]![1] = await signing.dumps(
      { user: 'x' },
      { secretKey: 'another-key', salt: 'django.contrib.sessions.SessionStore', compress: true },
    );
    garbage[3]![1] = text.slice(0, -5);
    for (const [what, content] of garbage) {
      logger.clear();
      const s = await saved(sessions, { user: what });
      writeFileSync(join(dir, `sessionid${s.sessionKey}`), content);
      const again = await sessions.open(s.sessionKey).load();
      expect(again.sessionKey, what).toBe(s.sessionKey);
      expect(again.items(), what).toEqual([]);
      expect(
        securityWarnings(logger).map((r) => r.message),
        what,
      ).toEqual(['Session data corrupted']);
    }
  });

  it("an empty file (Django's must-create placeholder) is an empty session, without a warning", async () => {
    const { dir, logger, sessions } = setup();
    const key = 'placeholder000000000000000000000';
    writeFileSync(join(dir, `sessionid${key}`), '');
    const s = await sessions.open(key).load();
    expect(s.sessionKey).toBe(key);
    expect(s.items()).toEqual([]);
    expect(logger.records).toEqual([]);
  });
});

describe('saving', () => {
  it('an update of a missing file is UpdateError and never recreates it', async () => {
    const { dir, engine, ctx } = setup();
    const options = { mustCreate: false, expiryAge: 60, expiryDate: new Date(Date.now() + 60_000) };
    await expect(engine.save('missing0000000000000000000000000', { a: 1 }, options, ctx)).rejects.toThrow(
      UpdateError,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a storage directory replaced by a file after start-up fails saves and loads, not silently', async () => {
    const { dir, sessions } = setup();
    const s = await saved(sessions);
    renameSync(dir, `${dir}.moved`);
    writeFileSync(dir, 'not a directory');
    try {
      s.set('more', 1);
      const update = s.save();
      await expect(update).rejects.toThrow(SessionStoreUnavailable);
      await expect(update).rejects.toMatchObject({ cause: { code: 'ENOTDIR' } });
      await expect(saved(sessions)).rejects.toThrow(SessionStoreUnavailable);
      // Fail closed: a store that cannot be read is not "no session".
      await expect(sessions.open(s.sessionKey).load()).rejects.toThrow(SessionStoreUnavailable);
    } finally {
      rmSync(dir);
      renameSync(`${dir}.moved`, dir);
    }
    expect((await sessions.open(s.sessionKey).load()).get('user')).toBe('u1');
  });

  it('a storage directory removed after start-up is a store failure, not a deleted session', async () => {
    const { dir, sessions } = setup();
    const s = await saved(sessions);
    rmSync(dir, { recursive: true });
    s.set('more', 1);
    await expect(s.save()).rejects.toThrow(SessionStoreUnavailable);
    await expect(sessions.open(s.sessionKey).load()).rejects.toThrow(SessionStoreUnavailable);
    mkdirSync(dir);
  });

  it('concurrent saves and loads of one session in one process: every read is a whole version', async () => {
    const { dir, sessions } = setup();
    const s = await saved(sessions, { n: -1, pad: '' });
    const key = s.sessionKey!;
    const writes = Array.from({ length: 40 }, async (_, n) => {
      const mine = await sessions.open(key).load();
      mine.update({ n, pad: String(n).repeat(5000 + n * 500) });
      await mine.save();
    });
    const reads = Array.from({ length: 40 }, async () => {
      const mine = await sessions.open(key).load();
      const n = mine.get('n') as number;
      expect(mine.get('pad')).toBe(n < 0 ? '' : String(n).repeat(5000 + n * 500));
    });
    await Promise.all([...writes, ...reads]);
    expect(readdirSync(dir)).toEqual([`sessionid${key}`]);
  });
});

describe('clearExpired', () => {
  it('streams the directory: removes expired sessions and stale temp files, keeps the rest', async () => {
    const { dir, engine, sessions, logger } = setup({ cookieAge: DAY });
    const encoded = await sessions.context.codec.encode({ user: 'bulk' });
    const keyOf = (i: number) => `bulk${String(i).padStart(28, '0')}`;
    const total = 3000;
    for (let i = 0; i < total; i++) {
      const file = join(dir, `sessionid${keyOf(i)}`);
      writeFileSync(file, encoded, { mode: 0o600 });
      if (i % 3 === 0) age(file, DAY + 10); // every third has expired
    }
    const expiredBulk = total / 3;

    const dated = sessions.open();
    dated.set('user', 'dated');
    dated.setExpiry(new Date(Date.now() - 1000));
    await dated.save();
    const corrupt = join(dir, 'sessioniddamaged000000000000000000000000');
    writeFileSync(corrupt, 'garbage');
    age(corrupt, DAY + 10);
    const live = await saved(sessions, { user: 'live' });

    // Not sessions of this cookie name, or not sessions at all: never touched.
    const foreign = [
      'otherappx0000000000000000000000000000',
      'sessionidBAD-KEY',
      'sessionid_backup',
      'README',
    ];
    for (const name of foreign) {
      writeFileSync(join(dir, name), encoded);
      age(join(dir, name), DAY * 100);
    }
    const otherCookie = join(dir, `othercookie${keyOf(1)}`);
    writeFileSync(otherCookie, encoded);
    age(otherCookie, DAY + 10);
    const outside = setup().dir;
    writeFileSync(join(outside, 'target'), encoded);
    age(join(outside, 'target'), DAY + 10);
    symlinkSync(join(outside, 'target'), join(dir, 'sessionidsymlinked0000000000000000000000'));
    // Temp files left by a crashed save: removed once older than a minute.
    const staleTemp = join(dir, `sessionid${keyOf(1)}${TEMP_MARKER}abc123xyz`);
    const freshTemp = join(dir, `sessionid${keyOf(2)}${TEMP_MARKER}abc123xyz`);
    const djangoTemp = join(dir, `sessionid${keyOf(4)}${TEMP_MARKER}k2_9x7qa`);
    for (const file of [staleTemp, freshTemp, djangoTemp]) writeFileSync(file, encoded.slice(0, 20));
    age(staleTemp, 120);
    age(djangoTemp, 120);

    expect(await engine.clearExpired(sessions.context)).toBe(expiredBulk + 2);
    const left = new Set(readdirSync(dir));
    for (let i = 0; i < total; i++) expect(left.has(`sessionid${keyOf(i)}`)).toBe(i % 3 !== 0);
    expect(left.has(`sessionid${dated.sessionKey}`)).toBe(false);
    expect(left.has('sessioniddamaged000000000000000000000000')).toBe(false);
    expect(left.has(`sessionid${live.sessionKey}`)).toBe(true);
    for (const name of foreign) expect(left.has(name)).toBe(true);
    expect(existsSync(otherCookie)).toBe(true);
    expect(existsSync(join(outside, 'target'))).toBe(true);
    expect(left.has('sessionidsymlinked0000000000000000000000')).toBe(true);
    expect([existsSync(staleTemp), existsSync(freshTemp), existsSync(djangoTemp)]).toEqual([
      false,
      true,
      false,
    ]);
    expect((await sessions.open(live.sessionKey).load()).get('user')).toBe('live');
    expect(logger.records.filter((r) => r.message === 'Session data corrupted')).toHaveLength(1);

    expect(await sessions.clearExpired()).toBe(0);
  });

  it('a failure while clearing is raised', async () => {
    const { dir, sessions } = setup();
    await saved(sessions);
    const engine: FileEngine = sessions.engine as FileEngine;
    rmSync(dir, { recursive: true });
    await expect(engine.clearExpired(sessions.context)).rejects.toThrow(SessionStoreUnavailable);
    mkdirSync(dir);
  });
});

describe('the compress option', () => {
  const DATA = { user: 'u1', note: 'abc'.repeat(100), cart: [1, 2] };

  async function onDisk(compress?: boolean) {
    const dir = tempDir();
    const engine = fileEngine({ path: dir, ...(compress === undefined ? {} : { compress }) });
    const sessions = new Sessions({ engine, secretKey: SECRET_KEY });
    const s = await saved(sessions, DATA);
    const text = readFileSync(join(dir, `sessionid${s.sessionKey}`), 'latin1');
    const loaded = Object.fromEntries((await sessions.open(s.sessionKey).load()).items());
    return { engine, text, loaded };
  }

  it("compresses by default, as Django's SessionBase.encode", async () => {
    const { engine, text, loaded } = await onDisk();
    expect(engine.compress).toBe(true);
    expect(text.startsWith('.')).toBe(true);
    expect(loaded).toEqual(DATA);
  });

  it("with compress: false writes Django's uncompressed signed text, which loads back", async () => {
    const { engine, text, loaded } = await onDisk(false);
    expect(engine.compress).toBe(false);
    expect(text.startsWith('.')).toBe(false);
    expect(JSON.parse(Buffer.from(text.split(':')[0]!, 'base64url').toString('utf8'))).toEqual(DATA);
    expect(
      await signing.loads(text, { secretKey: SECRET_KEY, salt: 'django.contrib.sessions.SessionStore' }),
    ).toEqual(DATA);
    expect(loaded).toEqual(DATA);
  });

  it('refuses a compress that is not true or false', () => {
    for (const compress of ['no', 0, null]) {
      expect(() => fileEngine({ path: tempDir(), compress: compress as never })).toThrow(
        new ImproperlyConfigured('fileEngine: `compress` must be true or false'),
      );
    }
  });
});
