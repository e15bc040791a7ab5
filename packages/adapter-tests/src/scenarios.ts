import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SessionData } from '@sess/core';
import { isSessError, SessionInterrupted, SessionStoreUnavailable, Sessions } from '@sess/core';
import type { Cookie } from 'set-cookie-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client, type Reply } from './client.js';
import { ENGINES, type EngineCase, type Outage } from './engine-cases.js';
import { ProbedEngine } from './probe.js';
import { Gate, type RouteState, type ScenarioRoute, scenarioRoutes } from './routes.js';

export interface RunningServer {
  /** e.g. `http://127.0.0.1:40123/` */
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  sessions: Sessions<SessionData>;
  lazy: boolean;
  /** Mount each with GET; answer `result.status`, `result.headers` and `result.body` as JSON. */
  routes: readonly ScenarioRoute[];
  /**
   * Push every error the framework's error handling receives (for Hono's `HTTPException`, its `cause`),
   * then answer as the framework does by default, using the error's `status` when it has one.
   */
  errors: unknown[];
}

export interface AdapterUnderTest {
  name: string;
  /** Starts the framework with the adapter on 127.0.0.1, port 0. */
  start(options: StartOptions): Promise<RunningServer>;
}

/** Listens on 127.0.0.1 with a free port and gives the URL and a close that drops kept-alive sockets. */
export function listenOnLoopback(server: Server): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

const SECRET = 'adapter-scenarios-secret-key-not-for-production';
const silent = { warn() {}, error() {} };

function cookieOf(reply: Reply, name = 'sessionid'): Cookie | undefined {
  return reply.setCookies.find((c) => c.name === name);
}

function expectDeletion(reply: Reply): void {
  const cookie = cookieOf(reply);
  expect(cookie, 'a deletion Set-Cookie').toBeDefined();
  expect(cookie!.value).toBe('');
  expect(cookie!.maxAge).toBe(0);
  expect(cookie!.path).toBe('/');
  expect(reply.vary ?? '').toMatch(/\bCookie\b/);
}

function expectNoSessionCookie(reply: Reply): void {
  expect(cookieOf(reply), `no session Set-Cookie (got ${reply.rawSetCookies.join(' | ')})`).toBeUndefined();
}

/**
 * Registers the adapter scenario table: every scenario, on every engine, in eager and lazy mode, over
 * real HTTP on loopback.
 */
export function runAdapterScenarios(
  adapter: AdapterUnderTest,
  engines: readonly EngineCase[] = ENGINES,
): void {
  for (const engineCase of engines) {
    for (const lazy of [false, true]) {
      describe(`${adapter.name} on ${engineCase.name}, ${lazy ? 'lazy' : 'eager'}`, () => {
        scenarios(adapter, engineCase, lazy);
      });
    }
  }
}

function scenarios(adapter: AdapterUnderTest, engineCase: EngineCase, lazy: boolean): void {
  const stored = !engineCase.keyIsData;
  const state: RouteState = { gate: new Gate(), breakStore: async () => {} };
  const errors: unknown[] = [];
  let probe: ProbedEngine;
  let sessions: Sessions<SessionData>;
  let server: RunningServer;
  let cleanup: (() => Promise<void>) | undefined;
  let outage: Outage | undefined;
  let down = false;
  /** The store becomes unreachable: for real when the engine case can do it, else simulated. */
  const breakStore = async (): Promise<void> => {
    down = true;
    if (outage) await outage.start();
    else probe.down = 'all';
  };
  const repairStore = async (): Promise<void> => {
    if (!down) return;
    down = false;
    if (outage) await outage.end();
    probe.down = 'no';
  };

  const client = () => new Client(server.url);
  /** Whether the stored record of `key` is still there, asked of the engine directly. */
  const alive = async (key: string): Promise<boolean> => {
    const session = sessions.open(key);
    await session.load();
    return session.sessionKey !== null;
  };

  beforeAll(async () => {
    const made = await engineCase.make();
    cleanup = made.cleanup;
    outage = made.outage;
    state.breakStore = breakStore;
    probe = new ProbedEngine(made.engine);
    sessions = new Sessions({ engine: probe, secretKey: SECRET, logger: silent });
    server = await adapter.start({ sessions, lazy, routes: scenarioRoutes(state), errors });
  });

  afterAll(async () => {
    await repairStore();
    await server?.close();
    await sessions?.close();
    await cleanup?.();
  });

  beforeEach(async () => {
    await repairStore();
    probe.reset();
    errors.length = 0;
    state.gate = new Gate();
  });

  it('an untouched session sets no cookie and no Vary', async () => {
    const reply = await client().get('/untouched');
    expect(reply.status).toBe(200);
    expect(reply.rawSetCookies).toEqual([]);
    expect(reply.vary).toBeNull();
  });

  it('counts across requests, with the cookie attributes of the settings', async () => {
    const c = client();
    const first = await c.get('/count');
    expect(first.body).toEqual({ count: 1 });
    const cookie = cookieOf(first)!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    expect(cookie.path).toBe('/');
    expect(cookie.maxAge).toBe(1209600);
    expect(cookie.expires).toBeInstanceOf(Date);
    expect(first.vary).toMatch(/\bCookie\b/);
    const firstValue = c.value;
    expect((await c.get('/count')).body).toEqual({ count: 2 });
    expect((await c.get('/count')).body).toEqual({ count: 3 });
    if (stored) expect(c.value).toBe(firstValue);
  });

  it('read-only access adds Vary: Cookie and sets no cookie', async () => {
    const c = client();
    await c.get('/count');
    const reply = await c.get('/read?name=count');
    expect(reply.body).toMatchObject({ value: 1 });
    expectNoSessionCookie(reply);
    expect(reply.vary).toMatch(/\bCookie\b/);
  });

  it('adds Cookie to a Vary header the handler set', async () => {
    const c = client();
    await c.get('/count');
    const reply = await c.get('/vary');
    expect(reply.vary?.split(',').map((v) => v.trim())).toEqual(['Accept-Language', 'Cookie']);
  });

  it('login cycles the key and keeps the data', async () => {
    const c = client();
    await c.get('/set?name=cart&value=apple');
    const before = c.value!;
    const login = await c.get('/login?user=alice');
    expect(login.status).toBe(200);
    expect(c.value).toBeDefined();
    expect(c.value).not.toBe(before);
    expect((await c.get('/read?name=cart')).body).toMatchObject({ value: 'apple' });
    expect((await c.get('/read?name=user')).body).toMatchObject({ value: 'alice' });
    if (stored) {
      expect(await alive(before)).toBe(false);
      const replay = await client().get('/read?name=cart', { cookie: `sessionid=${before}` });
      expect(replay.body).toMatchObject({ value: null });
      expectDeletion(replay);
    }
  });

  it('logout flushes: the cookie is deleted and the old key is dead', async () => {
    const c = client();
    await c.get('/count');
    const key = c.value!;
    const reply = await c.get('/logout');
    expect(reply.status).toBe(200);
    expectDeletion(reply);
    expect(c.value).toBeUndefined();
    if (stored) {
      expect(await alive(key)).toBe(false);
      const replay = await client().get('/read?name=count', { cookie: `sessionid=${key}` });
      expect(replay.body).toMatchObject({ value: null });
    }
  });

  it('clear() keeps the key and saves the emptied data (as Django); only a keyless empty session loses its cookie', async () => {
    const c = client();
    await c.get('/count');
    const key = c.value;
    const reply = await c.get('/clear');
    expect(cookieOf(reply)?.maxAge).toBe(1209600);
    if (stored) expect(c.value).toBe(key);
    expect((await c.get('/read?name=count')).body).toMatchObject({ value: null });
  });

  it('a cookie that is no valid key is treated as none: read → cookie deleted, no store call', async () => {
    const reply = await client().get('/read?name=count', { cookie: 'sessionid=../../etc/passwd' });
    expect(reply.body).toMatchObject({ value: null, key: null });
    expectDeletion(reply);
    expect(probe.total).toBe(0);
  });

  it('a cookie that is no valid key is deleted even on a route that never touches the session', async () => {
    const reply = await client().get('/untouched', { cookie: 'sessionid=../../etc/passwd' });
    expect(reply.status).toBe(200);
    expectDeletion(reply);
    expect(probe.total).toBe(0);
    if (lazy) {
      // A well-formed key is left alone, unread, as Django does with a session it never loads.
      const valid = await client().get('/untouched', {
        cookie: 'sessionid=abcdefgh12345678abcdefgh12345678',
      });
      expect(valid.rawSetCookies).toEqual([]);
      expect(probe.total).toBe(0);
    }
  });

  if (stored) {
    it('an unknown key loads as an empty session and its cookie is deleted, without a store write', async () => {
      const reply = await client().get('/read?name=count', {
        cookie: 'sessionid=abcdefgh12345678abcdefgh12345678',
      });
      expect(reply.body).toMatchObject({ value: null });
      expectDeletion(reply);
      expect(probe.calls.save).toBe(0);
    });
  }

  describe('expiry', () => {
    it('seconds: Max-Age is the given age', async () => {
      const c = client();
      const reply = await c.get('/expiry?mode=seconds&value=60');
      expect(reply.body).toEqual({ age: 60, browserClose: false });
      const cookie = cookieOf(reply)!;
      expect(cookie.maxAge).toBe(60);
      expect(cookie.expires).toBeInstanceOf(Date);
    });

    it('a date: Max-Age counts down to it', async () => {
      const at = new Date(Date.now() + 2 * 86400 * 1000);
      const reply = await client().get(`/expiry?mode=date&value=${encodeURIComponent(at.toISOString())}`);
      const cookie = cookieOf(reply)!;
      expect(cookie.maxAge).toBeGreaterThan(2 * 86400 - 120);
      expect(cookie.maxAge).toBeLessThanOrEqual(2 * 86400);
      expect(Math.abs(cookie.expires!.getTime() - at.getTime())).toBeLessThan(120_000);
    });

    it('browser close: neither Max-Age nor Expires', async () => {
      const reply = await client().get('/expiry?mode=browser');
      expect(reply.body).toEqual({ age: 1209600, browserClose: true });
      const cookie = cookieOf(reply)!;
      expect(cookie.maxAge).toBeUndefined();
      expect(cookie.expires).toBeUndefined();
      expect(reply.rawSetCookies[0]).not.toMatch(/Max-Age|Expires/i);
    });

    it('default: back to cookieAge after another form', async () => {
      const c = client();
      await c.get('/expiry?mode=seconds&value=60');
      const reply = await c.get('/expiry?mode=default');
      expect(cookieOf(reply)!.maxAge).toBe(1209600);
    });
  });

  it('the test cookie works on the second request, and not when the browser kept no cookie', async () => {
    const c = client();
    await c.get('/test-cookie/set');
    expect((await c.get('/test-cookie/check')).body).toEqual({ worked: true });

    const refusing = client();
    await refusing.get('/test-cookie/set', { ignoreSetCookie: true });
    expect((await refusing.get('/test-cookie/check')).body).toEqual({ worked: false });
  });

  describe('5xx responses', () => {
    it('a 500 from a new session is not saved and sets no cookie', async () => {
      const reply = await client().get('/crash?status=500');
      expect(reply.status).toBe(500);
      expectNoSessionCookie(reply);
      expect(probe.calls.save).toBe(0);
    });

    it('a 503 does not save an existing session', async () => {
      const c = client();
      await c.get('/count');
      const reply = await c.get('/crash?status=503');
      expect(reply.status).toBe(503);
      expectNoSessionCookie(reply);
      expect((await c.get('/read?name=count')).body).toMatchObject({ value: 1 });
    });

    it("a handler's error reaches the framework's error handling and nothing is saved", async () => {
      const c = client();
      await c.get('/count');
      const reply = await c.get('/throw');
      expect(reply.status).toBe(500);
      expectNoSessionCookie(reply);
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).message).toMatch(/on purpose/);
      expect((await c.get('/read?name=count')).body).toMatchObject({ value: 1 });
    });

    it('a 4xx still saves (as Django)', async () => {
      const c = client();
      const reply = await c.get('/set?name=note&value=kept&status=404');
      expect(reply.status).toBe(404);
      expect(cookieOf(reply)?.value).toBeTruthy();
      expect((await c.get('/read?name=note')).body).toMatchObject({ value: 'kept' });
    });
  });

  it('duplicate session cookies: the first wins', async () => {
    const a = client();
    await a.get('/set?name=who&value=A');
    const b = client();
    await b.get('/set?name=who&value=B');
    const both = `sessionid=${a.value}; sessionid=${b.value}`;
    expect((await client().get('/read?name=who', { cookie: both })).body).toMatchObject({ value: 'A' });
    const reversed = `sessionid=${b.value}; sessionid=${a.value}`;
    expect((await client().get('/read?name=who', { cookie: reversed })).body).toMatchObject({ value: 'B' });
  });

  describe(lazy ? 'lazy loading' : 'eager loading', () => {
    it(
      lazy
        ? 'a request that never touches its session makes no store call at all'
        : 'a request with a session cookie loads the session before the handler',
      async () => {
        const c = client();
        await c.get('/count');
        probe.reset();
        expect((await c.get('/untouched')).status).toBe(200);
        expect(probe.total).toBe(lazy ? 0 : 1);
        expect(probe.calls.load).toBe(lazy ? 0 : 1);
        await c.get('/read?name=count');
        expect(probe.calls.load).toBe(lazy ? 1 : 2);
      },
    );

    it('no cookie: no store call, whatever the mode', async () => {
      await client().get('/untouched');
      await client().get('/read?name=count');
      expect(probe.total).toBe(0);
    });
  });

  if (stored) {
    it('concurrent logout: the slow request gets 400 and the session stays destroyed', async () => {
      const c = client();
      await c.get('/count');
      const key = c.value!;
      const slow = c.get('/slow-set');
      await state.gate.loaded;
      const logout = await client().get('/logout', { cookie: `sessionid=${key}` });
      expectDeletion(logout);
      state.gate.release();
      const reply = await slow;
      expect(reply.status).toBe(400);
      expectNoSessionCookie(reply);
      expect(errors.some((e) => isSessError(e, SessionInterrupted.code))).toBe(true);
      expect(await alive(key)).toBe(false);
      const replay = await client().get('/read?name=late', { cookie: `sessionid=${key}` });
      expect(replay.body).toMatchObject({ value: null });
    });

    describe('store unavailable', () => {
      const unavailable = () => errors.some((e) => isSessError(e, SessionStoreUnavailable.code));

      it('loading fails → 503, no Set-Cookie, the cookie left alone', async () => {
        const c = client();
        await c.get('/count');
        await breakStore();
        const reply = await c.get('/count');
        expect(reply.status).toBe(503);
        expect(reply.rawSetCookies).toEqual([]);
        expect(unavailable()).toBe(true);
        await repairStore();
        expect((await c.get('/read?name=count')).body).toMatchObject({ value: 1 });
      });

      it('a new session whose save fails → 503 and no cookie', async () => {
        await breakStore();
        const reply = await client().get('/set?name=a&value=b');
        expect(reply.status).toBe(503);
        expect(reply.rawSetCookies).toEqual([]);
        expect(unavailable()).toBe(true);
      });

      it('a save failing after the handler answered reaches the error handler: 503, never a 200', async () => {
        const c = client();
        await c.get('/count');
        // The handler breaks the store after loading: the save after it is what fails.
        const reply = await c.get('/count-then-break');
        expect(reply.status).toBe(503);
        expect(reply.body).not.toEqual({ count: 2 });
        expect(reply.rawSetCookies).toEqual([]);
        expect(unavailable()).toBe(true);
        await repairStore();
        expect((await c.get('/read?name=count')).body).toMatchObject({ value: 1 });
      });

      if (lazy) {
        it('lazy: a request that does not touch the session is served while the store is down', async () => {
          const c = client();
          await c.get('/count');
          probe.reset();
          await breakStore();
          const reply = await c.get('/untouched');
          expect(reply.status).toBe(200);
          expect(probe.total).toBe(0);
        });
      }
    });
  }
}
