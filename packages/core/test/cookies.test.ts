import type { SessionsOptions } from '@sess/core';
import { SessionStoreUnavailable, Sessions, varyWithCookie } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { describe, expect, it } from 'vitest';

const clock = { now: () => Date.UTC(2026, 0, 1) };
const build = (options: Partial<SessionsOptions> = {}) =>
  new Sessions({
    engine: cacheEngine({ backend: memoryCache() }),
    secretKey: 'cookie-test-secret-key-0123456789ab',
    clock,
    ...options,
  });

describe('cookies in and out', () => {
  it("sets a cookie with Django's attributes", () => {
    expect(build().cookies.cookie('abcdefgh12345678', 1209600)).toBe(
      'sessionid=abcdefgh12345678; Max-Age=1209600; Path=/; Expires=Thu, 15 Jan 2026 00:00:00 GMT; HttpOnly; SameSite=Lax',
    );
  });

  it('Expires follows the clock from one cookie to the next, to the second', () => {
    let now = Date.UTC(2026, 0, 1, 0, 0, 0, 200);
    const sessions = build({ clock: { now: () => now } });
    const expires = () => /Expires=([^;]+)/.exec(sessions.cookies.cookie('abcdefgh12345678', 60))![1];
    expect(expires()).toBe('Thu, 01 Jan 2026 00:01:00 GMT');
    now += 700;
    expect(expires()).toBe('Thu, 01 Jan 2026 00:01:00 GMT');
    now += 100;
    expect(expires()).toBe('Thu, 01 Jan 2026 00:01:01 GMT');
    now += 86_400_000;
    expect(expires()).toBe('Fri, 02 Jan 2026 00:01:01 GMT');
    expect(sessions.cookies.cookie('abcdefgh12345678', 3600)).toContain(
      'Expires=Fri, 02 Jan 2026 01:00:01 GMT',
    );
  });

  it('carries every configured attribute', () => {
    const sessions = build({
      cookieName: '__Host-sid',
      cookieSecure: true,
      cookieSameSite: 'None',
      cookiePartitioned: true,
      cookiePriority: 'High',
      cookieHttpOnly: false,
    });
    expect(sessions.cookies.cookie('k', undefined)).toBe(
      '__Host-sid=k; Path=/; Secure; Partitioned; Priority=High; SameSite=None',
    );
    expect(build({ cookieDomain: '.example.com', cookiePath: '/app' }).cookies.cookie('k', 5)).toMatch(
      /^sessionid=k; Max-Age=5; Domain=\.example\.com; Path=\/app; Expires=/,
    );
  });

  it("deletes with Django's header, the same Path and Domain, and Secure where browsers need it", () => {
    expect(build().cookies.deletion()).toBe(
      'sessionid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax',
    );
    expect(build({ cookieDomain: 'example.com', cookiePath: '/x' }).cookies.deletion()).toBe(
      'sessionid=; Max-Age=0; Domain=example.com; Path=/x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax',
    );
    expect(build({ cookieName: '__Secure-s', cookieSecure: true }).cookies.deletion()).toContain('; Secure');
  });

  it('does not percent-encode signed values (Django reads them raw)', () => {
    expect(build().cookies.cookie('.eJy:1r31eq:A-_b')).toMatch(/^sessionid=\.eJy:1r31eq:A-_b;/);
  });

  it('reads the first of duplicate cookies, ignores look-alikes and survives hostile headers', () => {
    const { cookies } = build();
    expect(cookies.read('sessionid=first000; sessionid=second00')).toBe('first000');
    expect(cookies.read('xsessionid=nope; sessionidx=nope')).toBeUndefined();
    expect(cookies.read('__proto__=x; constructor=y; sessionid=abc')).toBe('abc');
    expect(cookies.read('sessionid=%E0%A4%A')).toBe('%E0%A4%A');
    expect(cookies.read(undefined)).toBeUndefined();
    const huge = `${Array.from({ length: 5000 }, (_, i) => `c${i}=v`).join('; ')}; sessionid=abcdefgh`;
    expect(cookies.read(huge)).toBe('abcdefgh');
  });

  it('treats a cookie with an unusable key as no key, but remembers it came', () => {
    const incoming = build().cookies.begin('sessionid=../../etc/passwd');
    expect(incoming.cookieReceived).toBe(true);
    expect(incoming.session.sessionKey).toBeNull();
  });

  it('a store failure on save propagates as SessionStoreUnavailable with status 503', async () => {
    const base = cacheEngine({ backend: memoryCache() });
    const down = Object.assign(Object.create(base) as typeof base, {
      save: async () => {
        throw new SessionStoreUnavailable('cache down');
      },
    });
    const sessions = build({ engine: down });
    const incoming = sessions.cookies.begin(undefined);
    incoming.session.set('x', 1);
    const commit = sessions.cookies.commit(incoming, { status: 200 });
    await expect(commit).rejects.toThrow(SessionStoreUnavailable);
    await expect(commit).rejects.toMatchObject({ status: 503 });
  });

  it('says when a commit has nothing to do', async () => {
    const { cookies } = build();
    expect(cookies.pending(cookies.begin(undefined))).toBe(false);
    expect(cookies.pending(cookies.begin('sessionid=abcdefgh12345678'))).toBe(false);
    const read = cookies.begin(undefined);
    read.session.get('x');
    expect(cookies.pending(read)).toBe(true);
    expect(cookies.pending(cookies.begin('sessionid=bad'))).toBe(true);
    expect(build({ saveEveryRequest: true }).cookies.pending(cookies.begin(undefined))).toBe(true);
  });

  it("pendingUnopened gives pending()'s answer for an untouched session without opening one", () => {
    const headers = [
      undefined,
      '',
      'other=1',
      'sessionid=abcdefgh12345678',
      'a=1; sessionid=abcdefgh12345678; b=2',
      'sessionid=bad',
      'sessionid=',
      'sessionid=ABCDEFGH12345678',
      'sessionid="abcdefgh12345678"',
      `sessionid=${'a'.repeat(41)}`,
      'sessionid=abcdefgh12345678; sessionid=bad',
      'sessionid=bad; sessionid=abcdefgh12345678',
    ];
    const strict = build({
      engine: Object.assign(cacheEngine({ backend: memoryCache() }), {
        isValidKey: (key: string) => key.startsWith('k'),
      }),
    });
    for (const sessions of [build(), build({ saveEveryRequest: true }), strict]) {
      for (const header of headers) {
        const expected = sessions.cookies.pending(sessions.cookies.begin(header));
        expect([header, sessions.cookies.pendingUnopened(header)]).toEqual([header, expected]);
      }
    }
    expect(build().cookies.pendingUnopened('sessionid=bad')).toBe(true);
    expect(build().isValidKey('abcdefgh12345678')).toBe(true);
    expect(build().isValidKey('short')).toBe(false);
    expect(strict.isValidKey('kabcdefgh')).toBe(true);
    expect(strict.isValidKey('abcdefgh12345678')).toBe(false);
  });

  it('patches Vary like Django', () => {
    expect(varyWithCookie(undefined)).toBe('Cookie');
    expect(varyWithCookie('Accept-Encoding')).toBe('Accept-Encoding, Cookie');
    expect(varyWithCookie('accept, cookie')).toBe('accept, cookie');
    expect(varyWithCookie('*')).toBe('*');
  });
});
