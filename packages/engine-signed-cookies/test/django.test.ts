/**
 * Interop with real Django (Debian's python3-django via /usr/bin/python3): cookies made by Django's
 * signed_cookies engine load here, and cookies made here load in Django. Cookies are made fresh in each
 * test (their timestamp is the current time), never frozen.
 */
import type { SessionData } from '@sess/core';
import { Sessions } from '@sess/core';
import { signedCookiesEngine } from '@sess/engine-signed-cookies';
import { describe, expect, it } from 'vitest';
import { cookieFor, django, rejections, SECRET_KEY, setup } from './helpers.ts';

const SMALL: SessionData = {
  user_id: 42,
  name: 'Zoë ✓ 😀',
  cart: [1, 'two', null, { deep: true }],
  ok: false,
};
const COMPRESSIBLE: SessionData = {
  items: Array.from({ length: 60 }, (_, i) => ({ sku: `item-${i % 5}`, qty: 1 })),
};

describe("Django's signed_cookies engine ⇄ this engine", () => {
  it('a cookie Django makes loads here (plain and compressed)', async () => {
    const { sessions, logger } = setup();
    for (const data of [SMALL, COMPRESSIBLE]) {
      const { key } = django<{ key: string }>({ action: 'make', data });
      if (data === COMPRESSIBLE) expect(key.startsWith('.')).toBe(true);
      const s = await sessions.open(key).load();
      expect(s.sessionKey).toBe(key);
      expect(Object.fromEntries(s.items())).toEqual(data);
    }
    expect(logger.records).toEqual([]);
  });

  it('a cookie made here loads in Django (plain, compressed, and uncompressed by option)', async () => {
    for (const compress of [true, false]) {
      const { sessions } = setup({ compress });
      for (const data of [SMALL, COMPRESSIBLE]) {
        const value = await cookieFor(sessions, data);
        expect(value.startsWith('.')).toBe(compress && data === COMPRESSIBLE);
        expect(django<{ data: SessionData }>({ action: 'load', key: value }).data).toEqual(data);
      }
    }
  });

  it('the middleware’s Set-Cookie value is what Django reads', async () => {
    const { sessions } = setup();
    const incoming = sessions.cookies.begin(undefined);
    incoming.session.set('cart', ['a', 'b']);
    const out = await sessions.cookies.commit(incoming, { status: 200 });
    const value = /^sessionid=([^;]+);/.exec(out.setCookie[0]!)![1]!;
    expect(django<{ data: SessionData }>({ action: 'load', key: value }).data).toEqual({ cart: ['a', 'b'] });
    // And back: Django's cookie drives our middleware.
    const { key } = django<{ key: string }>({ action: 'make', data: { from: 'django' } });
    const back = sessions.cookies.begin(`sessionid=${key}`);
    await back.session.load();
    expect(back.session.get('from')).toBe('django');
  });

  it('each side rejects what it must: another SECRET_KEY, the default salt, our encrypted format', async () => {
    const { sessions, logger } = setup();
    const otherKey = django<{ key: string }>(
      { action: 'make', data: SMALL },
      'some-other-django-secret-key-0123456789',
    );
    const defaultSalt = django<{ value: string }>({ action: 'dumps', data: SMALL }).value;
    for (const value of [otherKey.key, defaultSalt]) {
      const s = await sessions.open(value).load();
      expect(s.sessionKey).toBeNull();
      expect(s.items()).toEqual([]);
    }
    expect(rejections(logger)).toEqual(['bad signature', 'bad signature']);

    const encrypted = await cookieFor(
      new Sessions({ engine: signedCookiesEngine({ encrypt: true }), secretKey: SECRET_KEY }),
      SMALL,
    );
    expect(django<{ data: SessionData }>({ action: 'load', key: encrypted }).data).toEqual({});
  });

  it('Django applies the cookie age to our cookies as we do to its cookies', async () => {
    const { sessions, clock } = setup({ sessions: { cookieAge: 60 } });
    clock.advance(-120); // signed two minutes ago
    const old = await cookieFor(sessions, SMALL);
    expect(django<{ data: SessionData }>({ action: 'load', key: old, cookie_age: 60 }).data).toEqual({});
    expect(django<{ data: SessionData }>({ action: 'load', key: old, cookie_age: 3600 }).data).toEqual(SMALL);
    const { key } = django<{ key: string }>({ action: 'make', data: SMALL });
    clock.setFromNow(30);
    expect((await sessions.open(key).load()).get('user_id')).toBe(42);
    clock.setFromNow(62);
    expect((await sessions.open(key).load()).sessionKey).toBeNull();
  });
});
