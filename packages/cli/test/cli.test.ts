// The sess CLI against real SQLite files: the bin run as a process (TypeScript sources through tsx), and
// `main()` in-process for the argument and configuration errors.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { main, USAGE } from '@sess/cli';
import { Sessions } from '@sess/core';
import { dbEngine } from '@sess/engine-db';
import { sqlite } from '@sess/engine-db/sqlite';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, inject, it } from 'vitest';

const SECRET = 'cli-tests-secret-key-0123456789abcdefghijklmn';
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const CONFIG = here('./fixtures/sess.config.mjs');
const dir = mkdtempSync(join(tmpdir(), 'sess-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** tsx's loader by absolute URL, so the bin can run from any working directory. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Runs the real bin (src/bin.ts through tsx) in a child process. */
function sess(args: string[], env: Record<string, string> = {}, cwd = here('..')) {
  const result = spawnSync(process.execPath, ['--import', TSX, here('../src/bin.ts'), ...args], {
    cwd,
    env: { ...process.env, TSX_TSCONFIG_PATH: here('./tsconfig.tsx.json'), ...env },
    encoding: 'utf8',
    // A command left hanging (open pools keeping it alive) is killed and fails the test.
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, signal: result.signal };
}

/** In-process `main()` with captured output. */
async function run(argv: string[], cwd = dir) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { cwd, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

function appSessions(file: string, table = 'django_session') {
  return new Sessions({ engine: dbEngine({ database: sqlite(file), table }), secretKey: SECRET });
}

describe('sess (the bin, as a process)', () => {
  it("migrate creates Django's table and index in the configured SQLite file, and is idempotent", () => {
    const file = join(dir, `m${++n}.sqlite3`);
    const env = { SESS_DB_FILE: file, SESS_TABLE: 'web_sessions' };
    const first = sess(['migrate', '--config', CONFIG], env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/Session table 'web_sessions' is ready \(db:sqlite\)/);
    expect(sess(['migrate', '-c', CONFIG], env).code).toBe(0);
    const db = new Database(file, { readonly: true });
    const objects = db
      .prepare("SELECT type, name FROM sqlite_master WHERE tbl_name = 'web_sessions' ORDER BY type")
      .all();
    db.close();
    expect(objects).toEqual([
      { type: 'index', name: 'sqlite_autoindex_web_sessions_1' },
      { type: 'index', name: expect.stringMatching(/^web_sessions_expire_date_[0-9a-f]{8}$/) },
      { type: 'table', name: 'web_sessions' },
    ]);
  });

  it('inspect prints the decoded data and the expiry of a stored session', async () => {
    const file = join(dir, `i${++n}.sqlite3`);
    const sessions = appSessions(file);
    await (sessions.engine as ReturnType<typeof dbEngine>).createTable();
    const s = sessions.open();
    s.update({ user_id: 42, cart: ['a', 'b'], name: 'Zoë' });
    s.setExpiry(new Date('2040-01-02T03:04:05Z'));
    await s.save();
    await sessions.close();

    const text = sess(['inspect', s.sessionKey!, '--config', CONFIG], { SESS_DB_FILE: file });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Session:  ${s.sessionKey}`);
    expect(text.stdout).toContain('Expires:  2040-01-02T03:04:05.000Z');
    expect(text.stdout).toContain('"user_id": 42');
    expect(text.stdout).toContain('"name": "Zoë"');

    const json = sess(['inspect', s.sessionKey!, '--json', '--config', CONFIG], { SESS_DB_FILE: file });
    expect(JSON.parse(json.stdout)).toEqual({
      key: s.sessionKey,
      expireDate: '2040-01-02T03:04:05.000Z',
      data: { user_id: 42, cart: ['a', 'b'], name: 'Zoë', _session_expiry: '2040-01-02T03:04:05+00:00' },
    });

    const missing = sess(['inspect', 'nosuchsession0000000000000000000', '--config', CONFIG], {
      SESS_DB_FILE: file,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No session 'nosuchsession0000000000000000000'/);
    const invalid = sess(['inspect', '../etc/passwd', '--config', CONFIG], { SESS_DB_FILE: file });
    expect(invalid.code).toBe(2);
  });

  it('clearsessions deletes expired sessions and keeps live ones, reading ./sess.config.mjs by default', async () => {
    const cwd = mkdtempSync(join(dir, 'app-'));
    copyFileSync(CONFIG, join(cwd, 'sess.config.mjs'));
    const file = join(cwd, 'sessions.sqlite3');
    const sessions = appSessions(file);
    await (sessions.engine as ReturnType<typeof dbEngine>).createTable();
    const keys: string[] = [];
    for (const expiry of [new Date(Date.now() - 60_000), new Date(Date.now() - 1_000), 3600]) {
      const s = sessions.open();
      s.set('x', 1);
      s.setExpiry(expiry);
      await s.save();
      keys.push(s.sessionKey!);
    }
    const result = sess(['clearsessions'], { SESS_DB_FILE: file }, cwd);
    expect(result).toMatchObject({ code: 0, stdout: 'Deleted 2 expired sessions.\n', stderr: '' });
    expect(await sessions.engine.exists(keys[2]!, sessions.context)).toBe(true);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) AS c FROM django_session').get()).toEqual({ c: 1 });
    db.close();
    await sessions.close();
  });

  it('clearsessions on an engine that cannot clear says so, as Django does', () => {
    const result = sess(['clearsessions', '--config', here('./fixtures/cache.config.mjs')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("Session engine 'cache:memory' doesn't support clearing expired sessions.\n");
  });
});

describe('sess against PostgreSQL', () => {
  it('migrates and clears, and exits although the configuration keeps a pool open', async () => {
    const env = { SESS_PG_URL: inject('postgres').url };
    const config = here('./fixtures/pg.config.mjs');
    const migrated = sess(['migrate', '-c', config], env);
    expect(migrated).toMatchObject({ code: 0, signal: null });
    expect(migrated.stdout).toMatch(/Session table 'cli_sessions' is ready \(db:postgres\)/);
    const cleared = sess(['clearsessions', '-c', config], env);
    expect(cleared).toMatchObject({ code: 0, signal: null, stdout: 'Deleted 0 expired sessions.\n' });
  });
});

describe('sess main(): arguments and configuration', () => {
  it('prints the usage for --help, and fails with it on no or unknown commands', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, stdout: USAGE, stderr: '' });
    expect((await run([])).code).toBe(2);
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    expect((await run(['inspect'])).stderr).toMatch(/expected one session key/);
    expect((await run(['migrate', 'extra'])).stderr).toMatch(/expected no arguments/);
    expect((await run(['migrate', '--nope'])).stderr).toMatch(/Unknown option '--nope'/);
  });

  it('says how to configure when there is no config, and what a config must export', async () => {
    const none = await run(['clearsessions'], mkdtempSync(join(dir, 'empty-')));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/pass --config <file>, or create sess\.config\.mjs/);
    expect((await run(['migrate', '--config', 'missing.mjs'])).stderr).toMatch(
      /config file not found: .*missing\.mjs/,
    );
    const bad = await run(['migrate', '--config', here('./fixtures/bad.config.mjs')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/must default-export a Sessions instance/);
  });

  it('reports a store failure as an error exit, not a crash', async () => {
    process.env.SESS_DB_FILE = join(dir, `f${++n}.sqlite3`);
    try {
      const result = await run(['clearsessions', '--config', CONFIG]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^sess clearsessions: IMPROPERLY_CONFIGURED: .*sess migrate/);
    } finally {
      delete process.env.SESS_DB_FILE;
    }
  });
});
