// Memcached down, frozen and restarted: SessionStoreUnavailable within the backend's bound (never an empty
// session, never a new cookie), and the same client works again once the server is back.
import { cacheEngine } from '@sess/engine-cache';
import { memcachedCache } from '@sess/engine-cache/memcached';
import type { MemcachedServer } from '@sess/test-servers';
import { startMemcached, whileFrozen } from '@sess/test-servers';
import { Client } from 'memjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectFrozenCallsExpire,
  expectUnavailable,
  makeSessions,
  memcachedClient,
  quietMemjsLogger,
  rejection,
  saveNumbered,
} from './helpers.js';

describe('memcached down, frozen and restarted', () => {
  let server: MemcachedServer;
  let client: Client;

  beforeAll(async () => {
    server = await startMemcached();
    client = memcachedClient(server.servers);
  });

  afterAll(async () => {
    client.close();
    if (server.pid !== undefined) process.kill(server.pid, 'SIGCONT');
    await server.stop();
  });

  it('a stopped server fails every operation with SessionStoreUnavailable and sets no cookie; a restart heals it', async () => {
    const engine = cacheEngine({ backend: memcachedCache(client) });
    const sessions = makeSessions(engine);
    const s = sessions.open();
    s.set('user_id', 5);
    await s.save();
    const key = s.sessionKey!;

    await server.stop();
    const incoming = sessions.cookies.begin(`sessionid=${key}`);
    expectUnavailable(await rejection(incoming.session.load()));
    expect(incoming.session.sessionKey).toBe(key);
    expect(incoming.session.isLoaded).toBe(false);

    const fresh = sessions.cookies.begin(undefined);
    fresh.session.set('cart', ['x']);
    expectUnavailable(await rejection(sessions.cookies.commit(fresh, { status: 200 })));
    expect(fresh.session.sessionKey).toBeNull();

    expectUnavailable(await rejection(engine.exists(key)));
    expectUnavailable(await rejection(engine.destroy(key)));

    await server.start();
    const after = sessions.cookies.begin(undefined);
    after.session.set('back', true);
    const response = await sessions.cookies.commit(after, { status: 200 });
    expect(response.setCookie).toHaveLength(1);
    expect((await sessions.open(after.session.sessionKey).load()).get('back')).toBe(true);
    // memcached keeps nothing across a restart: the old session is simply gone (anonymous), not an error.
    expect((await sessions.open(key).load()).isEmpty()).toBe(true);
  });

  it('a frozen server (SIGSTOP) with a patient client: the backend gives up at timeoutMs', async () => {
    // memjs would wait 30 s per attempt here; the backend's bound ends the call first.
    const patient = Client.create(server.servers, { timeout: 30, retries: 1, logger: quietMemjsLogger });
    try {
      const sessions = makeSessions(cacheEngine({ backend: memcachedCache(patient, { timeoutMs: 300 }) }));
      const s = sessions.open();
      s.set('a', 1);
      await s.save();
      const pid = server.pid!;
      await whileFrozen(pid, async () => {
        const error = await rejection(sessions.open(s.sessionKey).load());
        expectUnavailable(error);
        expect(error.message).toMatch(/did not answer within 300 ms/);
      });
    } finally {
      patient.close();
    }
  });

  it('a frozen server: every call in flight fails at its deadline, and the shared timer lets go afterwards', async () => {
    const patient = Client.create(server.servers, { timeout: 30, retries: 1, logger: quietMemjsLogger });
    try {
      const sessions = makeSessions(cacheEngine({ backend: memcachedCache(patient, { timeoutMs: 250 }) }));
      await expectFrozenCallsExpire(
        sessions,
        server.pid!,
        250,
        /^memcached (get|add) did not answer within 250 ms$/,
      );
    } finally {
      patient.close();
    }
  });
});

describe('one of three memcached servers down', () => {
  let servers: MemcachedServer[];
  let pool: Client;

  beforeAll(async () => {
    servers = await Promise.all([startMemcached(), startMemcached(), startMemcached()]);
    pool = memcachedClient(servers.map((s) => s.servers).join(','));
  });

  afterAll(async () => {
    pool.close();
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('sessions on the live servers keep working; those on the dead one are unavailable, not empty', async () => {
    const sessions = makeSessions(cacheEngine({ backend: memcachedCache(pool) }));
    const keys = await saveNumbered(sessions, 30);
    await servers[1]!.stop();
    let live = 0;
    let unavailable = 0;
    for (const [i, key] of keys.entries()) {
      try {
        expect((await sessions.open(key).load()).get('n')).toBe(i);
        live += 1;
      } catch (error) {
        expectUnavailable(error as Error);
        unavailable += 1;
      }
    }
    expect(live).toBeGreaterThan(0);
    expect(unavailable).toBeGreaterThan(0);
    expect(live + unavailable).toBe(30);
  });
});
