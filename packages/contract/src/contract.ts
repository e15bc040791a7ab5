/**
 * The behavioural suite every session engine must pass: Django's SessionTestsMixin, written anew for the
 * `SessionEngine` contract, plus the middleware rules and the safety properties sess promises.
 * Tests branch on the engine's declared capabilities instead of being skipped.
 */
import type { EngineCapabilities, SessionData, SessionEngine, SessionsOptions } from '@sess/core';
import {
  CreateError,
  generateSessionKey,
  KeyError,
  SessionInterrupted,
  SessionNotLoaded,
  Sessions,
  signing,
  UpdateError,
} from '@sess/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from './logger.js';

export const CONTRACT_SECRET_KEY = 'sess-contract-kit-secret-key-0123456789-abcdefghijklmnop';

export interface ContractOptions {
  /** Shown in the suite's title. */
  name: string;
  /** Builds the engine under test, once for the suite (connect, create tables…). */
  makeEngine: () => SessionEngine | Promise<SessionEngine>;
  /** Called after the suite; defaults to `engine.close()`. */
  closeEngine?: (engine: SessionEngine) => Promise<void>;
  /** Overrides of what the engine declares about itself. */
  capabilities?: Partial<EngineCapabilities>;
  /** Extra settings for every `Sessions` the kit builds (e.g. a serializer). */
  settings?: Partial<Omit<SessionsOptions, 'engine'>>;
}

type Data = SessionData;

const KEY_RE = /^[a-z0-9]{32}$/;
const SECONDS = 1000;

export function runEngineContract(options: ContractOptions): void {
  describe(`${options.name}: session engine contract`, () => {
    let engine: SessionEngine;
    let caps: EngineCapabilities;
    let logger: RecordingLogger;

    const make = (extra: Partial<SessionsOptions> = {}): Sessions<Data> =>
      new Sessions<Data>({ secretKey: CONTRACT_SECRET_KEY, logger, ...options.settings, ...extra, engine });

    let sessions: Sessions<Data>;
    /** A fresh session holding `data`, saved, and its key. */
    const saved = async (data: Data = { a: 'b' }, s: Sessions<Data> = sessions) => {
      const session = s.open();
      session.update(data);
      await session.save();
      return session;
    };
    const reopened = async (key: string | null, s: Sessions<Data> = sessions) => s.open(key).load();
    const stored = () => !caps.keyIsData;

    beforeAll(async () => {
      engine = await options.makeEngine();
      caps = { ...engine.capabilities, ...options.capabilities };
      logger = new RecordingLogger();
      sessions = make();
    });

    afterAll(async () => {
      if (!engine) return;
      if (options.closeEngine) await options.closeEngine(engine);
      else await engine.close?.();
    });

    describe('dict operations and flags', () => {
      it('a new session is neither accessed nor modified', () => {
        const s = sessions.open();
        expect(s.accessed).toBe(false);
        expect(s.modified).toBe(false);
        expect(s.isEmpty()).toBe(true);
      });

      it('get of a missing key reads without modifying', () => {
        const s = sessions.open();
        expect(s.get('cat')).toBeUndefined();
        expect(s.get('cat', 'default')).toBe('default');
        expect(s.accessed).toBe(true);
        expect(s.modified).toBe(false);
      });

      it('set stores and modifies', () => {
        const s = sessions.open();
        s.set('cat', 'dog');
        expect(s.modified).toBe(true);
        expect(s.pop('cat')).toBe('dog');
      });

      it('pop returns and removes, marking modified', () => {
        const s = sessions.open();
        s.set('some key', 'exists');
        s.accessed = false;
        s.modified = false;
        expect(s.pop('some key')).toBe('exists');
        expect(s.accessed).toBe(true);
        expect(s.modified).toBe(true);
        expect(s.get('some key')).toBeUndefined();
      });

      it('pop of a missing key returns the default without modifying', () => {
        const s = sessions.open();
        expect(s.pop('some key', 'does not exist')).toBe('does not exist');
        expect(s.pop('some key', null)).toBeNull();
        expect(s.accessed).toBe(true);
        expect(s.modified).toBe(false);
      });

      it('pop of a missing key without default throws KeyError', () => {
        const s = sessions.open();
        expect(() => s.pop('some key')).toThrow(KeyError);
        expect(s.modified).toBe(false);
      });

      it('setdefault inserts once', () => {
        const s = sessions.open();
        expect(s.setdefault('foo', 'bar')).toBe('bar');
        expect(s.modified).toBe(true);
        s.modified = false;
        expect(s.setdefault('foo', 'baz')).toBe('bar');
        expect(s.accessed).toBe(true);
        expect(s.modified).toBe(false);
      });

      it('update sets several keys', () => {
        const s = sessions.open();
        s.update({ 'update key': 1, other: [1, 2] });
        expect(s.accessed).toBe(true);
        expect(s.modified).toBe(true);
        expect(s.get('update key')).toBe(1);
        expect(s.get('other')).toEqual([1, 2]);
      });

      it('has, keys, values and items read without modifying', () => {
        const s = sessions.open();
        s.set('x', 1);
        s.set('y', 2);
        for (const read of [() => s.has('x'), () => s.keys(), () => s.values(), () => s.items()]) {
          s.accessed = false;
          s.modified = false;
          read();
          expect(s.accessed).toBe(true);
          expect(s.modified).toBe(false);
        }
        expect(s.has('x')).toBe(true);
        expect(s.has('z')).toBe(false);
        expect(s.keys()).toEqual(['x', 'y']);
        expect(s.values()).toEqual([1, 2]);
        expect(s.items()).toEqual([
          ['x', 1],
          ['y', 2],
        ]);
      });

      it('clear empties and modifies', () => {
        const s = sessions.open();
        s.set('x', 1);
        s.accessed = false;
        s.modified = false;
        s.clear();
        expect(s.items()).toEqual([]);
        expect(s.accessed).toBe(true);
        expect(s.modified).toBe(true);
      });

      it('delete removes a key and throws KeyError for a missing one', () => {
        const s = sessions.open();
        s.set('x', 1);
        s.modified = false;
        expect(() => s.delete('missing')).toThrow(KeyError);
        expect(s.modified).toBe(false);
        s.delete('x');
        expect(s.has('x')).toBe(false);
        expect(s.modified).toBe(true);
      });

      it('the test cookie works', () => {
        const s = sessions.open();
        expect(s.testCookieWorked()).toBe(false);
        s.setTestCookie();
        expect(s.testCookieWorked()).toBe(true);
        s.deleteTestCookie();
        expect(s.testCookieWorked()).toBe(false);
      });

      it('a key named __proto__ is data, never a prototype', async () => {
        const s = sessions.open();
        s.set('__proto__', { polluted: true });
        s.set('constructor', 'x');
        await s.save();
        const again = await reopened(s.sessionKey);
        expect(again.get('__proto__')).toEqual({ polluted: true });
        expect(again.get('constructor')).toBe('x');
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });

      it('a dict operation on a keyed session that was not loaded says to load it', async () => {
        const s = await saved();
        const unloaded = sessions.open(s.sessionKey);
        expect(unloaded.isLoaded).toBe(false);
        expect(() => unloaded.get('a')).toThrow(SessionNotLoaded);
        expect(() => unloaded.get('a')).toThrow(/await session\.load\(\)/);
        await unloaded.load();
        expect(unloaded.get('a')).toBe('b');
      });

      it('load does not count as access, and is idempotent', async () => {
        const s = await saved();
        const again = sessions.open(s.sessionKey);
        await Promise.all([again.load(), again.load()]);
        await again.load();
        expect(again.accessed).toBe(false);
        expect(again.modified).toBe(false);
        expect(again.get('a')).toBe('b');
      });
    });

    describe('persistence', () => {
      it('save then load returns the data', async () => {
        const s = await saved({ a: 'b', n: 42, list: [1, 'two', null], nested: { deep: { ok: true } } });
        if (stored()) expect(s.sessionKey).toMatch(KEY_RE);
        const again = await reopened(s.sessionKey);
        expect(Object.fromEntries(again.items())).toEqual({
          a: 'b',
          n: 42,
          list: [1, 'two', null],
          nested: { deep: { ok: true } },
        });
      });

      it('non-ASCII and large values survive', async () => {
        const big = 'x'.repeat(20_000) + 'é😀';
        const s = await saved({ text: 'héllo wörld ✓ 😀', big, ctl: 'a\u0000b\u007f' });
        const again = await reopened(s.sessionKey);
        expect(again.get('text')).toBe('héllo wörld ✓ 😀');
        expect(again.get('big')).toBe(big);
        expect(again.get('ctl')).toBe('a\u0000b\u007f');
      });

      it('save does not clear the data', async () => {
        const s = sessions.open();
        s.set('a', 'b');
        await s.save();
        expect(s.get('a')).toBe('b');
      });

      it('saving again updates the stored data', async () => {
        const s = await saved({ n: 1 });
        s.set('n', 2);
        await s.save();
        const again = await reopened(s.sessionKey);
        expect(again.get('n')).toBe(2);
      });

      it('flush empties the session, drops the key and deletes the record', async () => {
        const s = await saved({ foo: 'bar' });
        const prev = s.sessionKey;
        await s.flush();
        expect(s.sessionKey).toBeNull();
        expect(s.modified).toBe(true);
        expect(s.accessed).toBe(true);
        expect(s.isEmpty()).toBe(true);
        if (stored()) {
          expect(await s.exists(prev!)).toBe(false);
          const again = await reopened(prev);
          expect(again.sessionKey).toBeNull();
          expect(again.items()).toEqual([]);
        }
      });

      it('cycleKey keeps the data under a new key and deletes the old record', async () => {
        const s = await saved({ a: 'c', b: 'd' });
        const prev = s.sessionKey;
        await s.cycleKey();
        expect(s.sessionKey).not.toBeNull();
        expect(Object.fromEntries(s.items())).toEqual({ a: 'c', b: 'd' });
        if (stored()) {
          expect(s.sessionKey).not.toBe(prev);
          expect(s.sessionKey).toMatch(KEY_RE);
          expect(await s.exists(prev!)).toBe(false);
          const old = await reopened(prev);
          expect(old.items()).toEqual([]);
        } else {
          await s.save();
        }
        const again = await reopened(s.sessionKey);
        expect(Object.fromEntries(again.items())).toEqual({ a: 'c', b: 'd' });
      });

      it('cycleKey works on a session that was never loaded', async () => {
        const s = await saved({ a: 'c', b: 'd' });
        const fresh = sessions.open(s.sessionKey);
        await fresh.cycleKey();
        if (stored()) expect(fresh.sessionKey).not.toBe(s.sessionKey);
        expect(Object.fromEntries(fresh.items())).toEqual({ a: 'c', b: 'd' });
      });

      it('concurrent sessions never see each other’s data', async () => {
        const all = await Promise.all(
          Array.from({ length: 25 }, (_, i) => saved({ visitor: i, secret: `s${i}` })),
        );
        if (stored()) expect(new Set(all.map((s) => s.sessionKey)).size).toBe(25);
        const loaded = await Promise.all(all.map((s) => reopened(s.sessionKey)));
        loaded.forEach((s, i) => {
          expect(s.get('visitor')).toBe(i);
          expect(s.get('secret')).toBe(`s${i}`);
        });
      });
    });

    describe('session keys', () => {
      it('an empty key is no key', () => {
        expect(sessions.open('').sessionKey).toBeNull();
      });

      it('a key shorter than 8 characters is no key, and saving makes a new one', async () => {
        const s = sessions.open('1234567');
        expect(s.sessionKey).toBeNull();
        const invalid = sessions.open('1');
        expect(invalid.sessionKey).toBeNull();
        await invalid.save();
        expect(invalid.sessionKey).not.toBe('1');
        expect(invalid.get('cat')).toBeUndefined();
        await invalid.destroy();
      });

      it('keys with characters outside [a-z0-9] never reach the engine', async () => {
        for (const hostile of [
          '../../etc/passwd',
          'a/b/c/d/e/f',
          'a\\b\\c\\d\\e',
          'abcdefgh\u0000',
          'ABCDEFGHIJ',
          "' OR '1'='1",
          '{"$ne":null}',
          'sess:*xxxxxx',
          'a'.repeat(5000),
        ]) {
          const s = sessions.open(hostile);
          if (stored()) expect(s.sessionKey).toBeNull();
          await s.load();
          expect(s.items()).toEqual([]);
          expect(await s.exists(hostile)).toBe(false);
        }
      });

      it('the session key is read-only', async () => {
        const s = await saved();
        expect(() => {
          (s as unknown as { sessionKey: string }).sessionKey = 'abcdefghijkl';
        }).toThrow(TypeError);
      });

      it('a valid key is kept until loading shows it does not exist', async () => {
        if (!stored()) {
          const s = await saved({ k: 1 });
          expect(sessions.open(s.sessionKey).sessionKey).toBe(s.sessionKey);
          return;
        }
        const s = sessions.open('12345678');
        expect(s.sessionKey).toBe('12345678');
        await s.load();
        expect(s.sessionKey).toBeNull();
      });

      it('a key that does not exist is replaced on save, and loading it creates no record', async () => {
        const unknown = 'doesnotexist0123456789abcdefghij';
        const s = sessions.open(unknown);
        await s.load();
        expect(await s.exists(unknown)).toBe(false);
        if (stored()) expect(s.sessionKey).toBeNull();
        s.set('a', 1);
        await s.save();
        expect(s.sessionKey).not.toBe(unknown);
        expect(await s.exists(unknown)).toBe(false);
      });

      it('new keys are 32 characters of [a-z0-9] and unique', async () => {
        if (!stored()) return expect(caps.keyIsData).toBe(true);
        const keys = new Set<string>();
        for (let i = 0; i < 20; i++) {
          const s = await saved({ i });
          expect(s.sessionKey).toMatch(KEY_RE);
          keys.add(s.sessionKey!);
        }
        expect(keys.size).toBe(20);
      });
    });

    describe('must-create and must-update', () => {
      it('creation retries when a new key collides, never overwriting', async () => {
        if (!stored()) return expect(caps.keyIsData).toBe(true);
        const first = await saved({ owner: 'first' });
        const taken = first.sessionKey!;
        const queue = [taken, taken];
        const colliding = make({ keyGenerator: () => queue.shift() ?? generateSessionKey() });
        const second = colliding.open();
        second.set('owner', 'second');
        await second.save();
        expect(second.sessionKey).not.toBe(taken);
        expect((await reopened(taken)).get('owner')).toBe('first');
        expect((await reopened(second.sessionKey)).get('owner')).toBe('second');
      });

      it('creation gives up with CreateError when every key collides', async () => {
        if (!stored()) return expect(caps.keyIsData).toBe(true);
        const first = await saved({ owner: 'first' });
        const stuck = make({ keyGenerator: () => first.sessionKey!, createAttempts: 3 });
        const s = stuck.open();
        s.set('owner', 'intruder');
        await expect(s.save()).rejects.toThrow(CreateError);
        expect((await reopened(first.sessionKey)).get('owner')).toBe('first');
      });

      it('save with mustCreate on an existing key raises CreateError', async () => {
        if (!stored()) return expect(caps.keyIsData).toBe(true);
        const s = await saved({ owner: 'first' });
        const other = await reopened(s.sessionKey);
        other.set('owner', 'second');
        await expect(other.save({ mustCreate: true })).rejects.toThrow(CreateError);
        expect((await reopened(s.sessionKey)).get('owner')).toBe('first');
      });

      it('saving a session deleted meanwhile raises UpdateError and does not bring it back', async () => {
        if (!stored()) return expect(caps.keyIsData).toBe(true);
        const s = await saved({ a: 1 });
        const key = s.sessionKey!;
        const concurrent = await reopened(key);
        await s.destroy();
        concurrent.set('a', 2);
        await expect(concurrent.save()).rejects.toThrow(UpdateError);
        expect(await concurrent.exists(key)).toBe(false);
        const again = await reopened(key);
        expect(again.items()).toEqual([]);
        expect(again.sessionKey).toBeNull();
      });

      it('destroy of a missing record is not an error', async () => {
        const s = sessions.open();
        await s.destroy('abcdefghijklmnopqrstuvwxyz012345');
        await s.destroy();
      });

      it('destroy(otherKey) removes another session', async () => {
        if (!stored()) return expect(caps.keyIsData).toBe(true);
        const victim = await saved({ v: 1 });
        const admin = sessions.open();
        await admin.destroy(victim.sessionKey!);
        expect(await admin.exists(victim.sessionKey!)).toBe(false);
      });
    });

    describe('expiry', () => {
      const cookieAge = () => sessions.settings.cookieAge;

      it('defaults to the cookie age; 0 also means the cookie age', () => {
        const s = sessions.open();
        expect(s.getExpiryAge()).toBe(cookieAge());
        expect(s.getSessionCookieAge()).toBe(cookieAge());
        s.setExpiry(0);
        expect(s.getExpiryAge()).toBe(cookieAge());
      });

      it('takes seconds', () => {
        const s = sessions.open();
        s.setExpiry(10);
        expect(s.getExpiryAge()).toBe(10);
        const delta = s.getExpiryDate().getTime() - Date.now();
        expect(delta).toBeGreaterThan(9 * SECONDS);
        expect(delta).toBeLessThanOrEqual(10 * SECONDS + 50);
      });

      it('takes a Date and stores it as an ISO string', () => {
        const s = sessions.open();
        const when = new Date(Date.now() + 10_500);
        s.setExpiry(when);
        expect(s.getExpiryAge()).toBeGreaterThanOrEqual(9);
        expect(s.getExpiryAge()).toBeLessThanOrEqual(10);
        expect(s.getExpiryDate().getTime()).toBe(when.getTime());
        expect(s.get('_session_expiry')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
      });

      it('resets with null', () => {
        const s = sessions.open();
        s.setExpiry(10);
        s.setExpiry(null);
        expect(s.getExpiryAge()).toBe(cookieAge());
        s.setExpiry(null);
      });

      it('uses the given modification and expiry without loading', async () => {
        const s = await saved();
        const unloaded = sessions.open(s.sessionKey);
        const modification = new Date('2030-01-01T00:00:00Z');
        expect(unloaded.getExpiryAge({ modification, expiry: 60 })).toBe(60);
        expect(unloaded.getExpiryAge({ modification, expiry: null })).toBe(cookieAge());
        expect(unloaded.getExpiryDate({ modification, expiry: 60 }).toISOString()).toBe(
          '2030-01-01T00:01:00.000Z',
        );
        expect(unloaded.getExpiryAge({ modification, expiry: new Date('2030-01-01T00:00:30.900Z') })).toBe(
          30,
        );
        expect(unloaded.getExpiryAge({ modification, expiry: '2029-12-31T23:59:59.500000+00:00' })).toBe(-1);
        expect(unloaded.isLoaded).toBe(false);
      });

      for (const setting of [false, true]) {
        it(`browser-close follows the setting (${setting}) unless the session says otherwise`, () => {
          const s = make({ expireAtBrowserClose: setting }).open();
          expect(s.getExpireAtBrowserClose()).toBe(setting);
          s.setExpiry(10);
          expect(s.getExpireAtBrowserClose()).toBe(false);
          s.setExpiry(0);
          expect(s.getExpireAtBrowserClose()).toBe(true);
          s.setExpiry(null);
          expect(s.getExpireAtBrowserClose()).toBe(setting);
        });
      }

      it('a stored expiry survives a round trip', async () => {
        const when = new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000);
        const s = sessions.open();
        s.set('x', 1);
        s.setExpiry(when);
        await s.save();
        const again = await reopened(s.sessionKey);
        expect(again.getExpiryDate().getTime()).toBe(when.getTime());
        const secs = sessions.open();
        secs.set('x', 1);
        secs.setExpiry(600);
        await secs.save();
        expect((await reopened(secs.sessionKey)).getExpiryAge()).toBe(600);
      });

      it('a session past its expiry loads empty', async () => {
        const s = sessions.open();
        s.set('foo', 'bar');
        s.setExpiry(new Date(Date.now() - 10 * SECONDS));
        await s.save();
        const again = await reopened(s.sessionKey);
        expect(again.get('foo')).toBeUndefined();
        expect(again.items()).toEqual([]);
      });

      it('clearExpired removes expired sessions and keeps live ones', async () => {
        const live = await saved({ live: true });
        if (!caps.clearExpired) {
          expect(await sessions.clearExpired()).toBe(0);
          expect((await reopened(live.sessionKey)).get('live')).toBe(true);
          return;
        }
        const doomed = sessions.open();
        doomed.set('doomed', true);
        doomed.setExpiry(1);
        await doomed.save();
        await new Promise((r) => setTimeout(r, 2100));
        expect(await sessions.clearExpired()).toBeGreaterThanOrEqual(1);
        expect(await doomed.exists(doomed.sessionKey!)).toBe(false);
        expect((await reopened(live.sessionKey)).get('live')).toBe(true);
      });
    });

    describe('encoding', () => {
      it('encode and decode round-trip', async () => {
        const s = sessions.open();
        const data = { a: 'c', b: [1, 2], c: { d: null } };
        expect(await s.decode(await s.encode(data))).toEqual(data);
      });

      it('decode failures give an empty session and a security warning', async () => {
        const s = sessions.open();
        logger.clear();
        expect(await s.decode(Buffer.from('flaskdj:alkdjf').toString('base64'))).toEqual({});
        expect(await s.decode('bad:encoded:value')).toEqual({});
        expect(logger.messages('warn').filter((m) => m === 'Session data corrupted')).toHaveLength(2);
        expect(logger.records.every((r) => r.details?.logger === 'sess.security.SuspiciousSession')).toBe(
          true,
        );
      });

      it('a valid signature over data that does not deserialize decodes to an empty session', async () => {
        const s = sessions.open();
        const bytes = new TextEncoder().encode('invalid data');
        const signedGarbage = await signing.dumps('x', {
          secretKey: CONTRACT_SECRET_KEY,
          salt: 'django.contrib.sessions.SessionStore',
          serializer: { dumps: () => bytes, loads: () => null },
        });
        expect(await s.decode(signedGarbage)).toEqual({});
      });

      it('data the serializer cannot carry is refused at save, not lost silently', async () => {
        const s = sessions.open();
        s.set('fn', () => 1);
        await expect(s.save()).rejects.toThrow(/fn/);
      });
    });

    describe('middleware rules', () => {
      const cookieOf = (setCookie: string[]) => {
        expect(setCookie).toHaveLength(1);
        const name = sessions.settings.cookieName;
        const value = setCookie[0]!.startsWith(`${name}=`)
          ? setCookie[0]!.slice(name.length + 1).split(';')[0]
          : undefined;
        return value ?? '';
      };

      it('an untouched session sets no cookie and no Vary', async () => {
        const incoming = sessions.cookies.begin(undefined);
        expect(await sessions.cookies.commit(incoming, { status: 200 })).toEqual({
          setCookie: [],
          vary: false,
        });
      });

      it('a read-only access varies on Cookie but sets no cookie', async () => {
        const incoming = sessions.cookies.begin('other=1');
        incoming.session.get('x');
        expect(await sessions.cookies.commit(incoming, { status: 200 })).toEqual({
          setCookie: [],
          vary: true,
        });
      });

      it('a modified session is saved and its cookie set; the cookie brings it back', async () => {
        const first = sessions.cookies.begin(undefined);
        first.session.set('count', 1);
        const out = await sessions.cookies.commit(first, { status: 200 });
        expect(out.vary).toBe(true);
        expect(out.setCookie[0]).toMatch(
          /; Max-Age=1209600; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/,
        );
        const value = cookieOf(out.setCookie);
        expect(value).toBe(first.session.sessionKey);
        const second = sessions.cookies.begin(`a=b; ${sessions.settings.cookieName}=${value}; c=d`);
        expect(second.cookieReceived).toBe(true);
        await second.session.load();
        expect(second.session.get('count')).toBe(1);
      });

      it('an emptied session with an incoming cookie gets the cookie deleted', async () => {
        const s = await saved({ user: 'u1' });
        const incoming = sessions.cookies.begin(`${sessions.settings.cookieName}=${s.sessionKey}`);
        await incoming.session.load();
        await incoming.session.flush();
        const out = await sessions.cookies.commit(incoming, { status: 200 });
        expect(out.vary).toBe(true);
        expect(out.setCookie).toEqual([sessions.cookies.deletion()]);
        expect(out.setCookie[0]).toMatch(/=; Max-Age=0; .*Expires=Thu, 01 Jan 1970 00:00:00 GMT/);
        if (stored()) expect(await incoming.session.exists(s.sessionKey!)).toBe(false);
      });

      it('a cookie with an unusable key is deleted', async () => {
        const incoming = sessions.cookies.begin(`${sessions.settings.cookieName}=../../etc/passwd`);
        const out = await sessions.cookies.commit(incoming, { status: 200 });
        expect(out.setCookie[0]).toMatch(new RegExp(`^${sessions.settings.cookieName}=; Max-Age=0`));
      });

      it('a response with status >= 500 saves nothing', async () => {
        const incoming = sessions.cookies.begin(undefined);
        incoming.session.set('x', 1);
        expect(await sessions.cookies.commit(incoming, { status: 500 })).toEqual({
          setCookie: [],
          vary: true,
        });
        expect(incoming.session.sessionKey).toBeNull();
      });

      it('a session deleted by a concurrent request raises SessionInterrupted (400)', async () => {
        if (!stored()) return expect(caps.keyIsData).toBe(true);
        const s = await saved({ user: 'u1' });
        const incoming = sessions.cookies.begin(`${sessions.settings.cookieName}=${s.sessionKey}`);
        await incoming.session.load();
        await s.flush();
        incoming.session.set('late', true);
        const failure = sessions.cookies.commit(incoming, { status: 200 });
        await expect(failure).rejects.toThrow(SessionInterrupted);
        await expect(failure).rejects.toMatchObject({ status: 400 });
        expect(await incoming.session.exists(s.sessionKey!)).toBe(false);
      });

      it('a browser-close session gets no Max-Age or Expires', async () => {
        const incoming = sessions.cookies.begin(undefined);
        incoming.session.set('x', 1);
        incoming.session.setExpiry(0);
        const out = await sessions.cookies.commit(incoming, { status: 200 });
        expect(out.setCookie[0]).not.toMatch(/Max-Age|Expires/);
        expect(cookieOf(out.setCookie)).not.toBe('');
      });

      it('saveEveryRequest saves an unmodified session and refreshes its cookie', async () => {
        const every = make({ saveEveryRequest: true });
        const s = await saved({ k: 'v' }, every);
        const incoming = every.cookies.begin(`${every.settings.cookieName}=${s.sessionKey}`);
        const out = await every.cookies.commit(incoming, { status: 200 });
        const value = cookieOf(out.setCookie);
        expect((await reopened(value, every)).get('k')).toBe('v');
      });

      it('a per-session expiry sets the cookie Max-Age', async () => {
        const incoming = sessions.cookies.begin(undefined);
        incoming.session.set('x', 1);
        incoming.session.setExpiry(300);
        const out = await sessions.cookies.commit(incoming, { status: 200 });
        expect(out.setCookie[0]).toMatch(/; Max-Age=300;/);
      });

      it('unknown keys from cookies create no records, even when read', async () => {
        for (let i = 0; i < 20; i++) {
          const key = `unknown${String(i).padStart(25, '0')}`;
          const incoming = sessions.cookies.begin(`${sessions.settings.cookieName}=${key}`);
          await incoming.session.load();
          incoming.session.get('anything');
          const out = await sessions.cookies.commit(incoming, { status: 200 });
          if (stored())
            expect(out.setCookie[0]).toMatch(new RegExp(`^${sessions.settings.cookieName}=; Max-Age=0`));
          expect(await incoming.session.exists(key)).toBe(false);
        }
      });
    });
  });
}
