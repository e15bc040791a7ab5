/** The demo over HTTP, on each engine SESS_ENGINE can pick without an outside server. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImproperlyConfigured } from '@sess/core';
import { afterAll, describe, expect, it } from 'vitest';
import { maskKey } from '../src/app.js';
import { startDemo } from '../src/demo.js';
import { engineFromEnv } from '../src/engines.js';

const dir = mkdtempSync(join(tmpdir(), 'sess-demo-http-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fetch client keeping the session cookie. */
function browserless(base: string) {
  let cookie: string | undefined;
  return async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookie) headers.set('Cookie', cookie);
    const response = await fetch(new URL(path, base), { ...init, headers, redirect: 'manual' });
    for (const set of response.headers.getSetCookie()) {
      const [pair = ''] = set.split(';');
      cookie = /Max-Age=0/i.test(set) ? undefined : pair;
    }
    return { response, text: await response.text(), setCookie: response.headers.getSetCookie() };
  };
}

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  body: new URLSearchParams(fields),
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
});

describe.each([
  { SESS_ENGINE: 'sqlite', SESS_SQLITE_PATH: join(dir, 'demo.sqlite3'), engine: 'db:sqlite' },
  { SESS_ENGINE: 'memory', engine: 'cache:memory' },
  { SESS_ENGINE: 'file', SESS_FILE_PATH: join(dir, 'files'), engine: 'file' },
  { SESS_ENGINE: 'signed-cookies', engine: 'signed-cookies' },
])('the demo on SESS_ENGINE=$SESS_ENGINE', ({ engine, ...env }) => {
  it('counts, logs in (new key), inspects without setting a cookie, logs out', async () => {
    const demo = await startDemo({ ...env, PORT: '0', SECRET_KEY: 'demo-http-test-secret' });
    try {
      const get = browserless(demo.url);
      expect((await get('/')).text).toContain('id="visits">1<');
      const second = await get('/');
      expect(second.text).toContain('id="visits">2<');
      const login = await get('/login', form({ username: '<b>eve</b>' }));
      expect(login.response.status).toBe(303);
      expect(login.setCookie).toHaveLength(1);
      const home = await get('/');
      expect(home.text).toContain('&lt;b&gt;eve&lt;/b&gt;');
      expect(home.text).not.toContain('<b>eve</b>');
      const inspect = await get('/inspect');
      expect(inspect.setCookie).toEqual([]);
      expect(inspect.response.headers.get('Vary')).toMatch(/Cookie/);
      expect(inspect.text).toContain(engine);
      const logout = await get('/logout', form({}));
      expect(logout.setCookie[0]).toMatch(/^sessionid=;.*Max-Age=0/);
      expect((await get('/logged-out')).setCookie).toEqual([]);
    } finally {
      await demo.close();
    }
  });
});

describe('demo settings', () => {
  it('warns (insecureKey) when SECRET_KEY is missing, not when it is set', async () => {
    const insecure = await startDemo({ SESS_ENGINE: 'memory', PORT: '0' });
    const secure = await startDemo({ SESS_ENGINE: 'memory', PORT: '0', SECRET_KEY: 'x'.repeat(50) });
    expect(insecure.insecureKey).toBe(true);
    expect(secure.insecureKey).toBe(false);
    expect(insecure.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await insecure.close();
    await secure.close();
  });

  it('refuses an unknown engine and names what a server engine needs', async () => {
    await expect(engineFromEnv({ SESS_ENGINE: 'mystery' })).rejects.toThrow(ImproperlyConfigured);
    await expect(engineFromEnv({ SESS_ENGINE: 'redis' })).rejects.toThrow(/REDIS_URL/);
    await expect(engineFromEnv({ SESS_ENGINE: 'postgres' })).rejects.toThrow(/DATABASE_URL/);
  });

  it('masks keys to their first 4 characters', () => {
    expect(maskKey('abcdefghijklmnopqrstuvwxyz012345')).toBe('abcd…');
    expect(maskKey(null)).toBe('(none)');
  });
});
