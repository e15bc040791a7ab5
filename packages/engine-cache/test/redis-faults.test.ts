// Redis down, frozen, restarted, out of memory, and a write replayed from ioredis's offline queue: every
// failure is SessionStoreUnavailable within the backend's bound (never an empty session, never a new cookie),
// and the engine recovers by itself once Redis is back.
import { once } from 'node:events';
import { SessionStoreUnavailable } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { redisCache } from '@sess/engine-cache/redis';
import type { RedisServer } from '@sess/test-servers';
import { startRedis, whileFrozen } from '@sess/test-servers';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  expectFrozenCallsExpire,
  expectUnavailable,
  makeSessions,
  redisClient,
  rejection,
} from './helpers.js';
import { TcpProxy } from './tcp-proxy.js';

async function ready(client: Redis): Promise<void> {
  if (client.status !== 'ready') await once(client, 'ready');
}

async function down(client: Redis): Promise<void> {
  if (client.status === 'ready') await once(client, 'close');
}

describe('redis down and restarted (recommended client options)', () => {
  let server: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedis();
    client = await redisClient(server.url);
  });

  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  it('fails every operation with SessionStoreUnavailable, yields no cookie, and recovers after the restart', async () => {
    const engine = cacheEngine({ backend: redisCache(client) });
    const sessions = makeSessions(engine);
    const existing = sessions.open();
    existing.set('user_id', 7);
    await existing.save();
    const key = existing.sessionKey!;

    await server.stop();
    await down(client);

    // A request carrying the cookie: loading fails loudly, the session is not taken for an empty one.
    const incoming = sessions.cookies.begin(`sessionid=${key}`);
    expectUnavailable(await rejection(incoming.session.load()));
    expect(incoming.session.sessionKey).toBe(key);
    expect(incoming.session.isLoaded).toBe(false);

    // A new visitor whose handler wrote to the session: the commit fails, so no Set-Cookie is produced.
    const fresh = sessions.cookies.begin(undefined);
    fresh.session.set('cart', ['x']);
    expectUnavailable(await rejection(sessions.cookies.commit(fresh, { status: 200 })));
    expect(fresh.session.sessionKey).toBeNull();

    expectUnavailable(await rejection(engine.load(key, sessions.context)));
    expectUnavailable(await rejection(engine.exists(key)));
    expectUnavailable(await rejection(engine.destroy(key)));

    await server.start();
    await ready(client);

    // Same process, same client: working again (the restarted server has no persistence, so the old session is gone).
    const after = sessions.cookies.begin(undefined);
    after.session.set('back', true);
    const response = await sessions.cookies.commit(after, { status: 200 });
    expect(response.setCookie).toHaveLength(1);
    expect(response.setCookie[0]).toContain(`sessionid=${after.session.sessionKey}`);
    expect((await sessions.open(after.session.sessionKey).load()).get('back')).toBe(true);
    expect((await sessions.open(key).load()).isEmpty()).toBe(true);
  });

  it('an existing session modified while Redis is down: the commit fails and sets no cookie', async () => {
    const sessions = makeSessions(cacheEngine({ backend: redisCache(client) }));
    await ready(client);
    const s = sessions.open();
    s.set('n', 1);
    await s.save();

    const incoming = sessions.cookies.begin(`sessionid=${s.sessionKey}`);
    await incoming.session.load();
    incoming.session.set('n', 2);
    await server.stop();
    await down(client);
    expectUnavailable(await rejection(sessions.cookies.commit(incoming, { status: 200 })));

    await server.start();
    await ready(client);
  });
});

describe('redis frozen or unreachable with ioredis defaults (offline queue on, unlimited retries)', () => {
  let server: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedis();
    // The dangerous configuration: without the backend's own bound, these calls would wait forever.
    client = await redisClient(server.url, { maxRetriesPerRequest: null, lazyConnect: true });
  });

  afterAll(async () => {
    client.disconnect();
    if (server.pid !== undefined) process.kill(server.pid, 'SIGCONT');
    await server.stop();
  });

  it('a frozen server (SIGSTOP): a sent command that is never answered ends in SessionStoreUnavailable', async () => {
    const sessions = makeSessions(cacheEngine({ backend: redisCache(client, { timeoutMs: 300 }) }));
    const s = sessions.open();
    s.set('a', 1);
    await s.save();
    const pid = server.pid!;
    await whileFrozen(pid, async () => {
      const error = await rejection(sessions.open(s.sessionKey).load());
      expectUnavailable(error);
      expect(error.message).toMatch(/did not answer within 300 ms/);
    });
    expect((await sessions.open(s.sessionKey).load()).get('a')).toBe(1);
  });

  it('a frozen server: every command in flight fails at its deadline, and the shared timer lets go afterwards', async () => {
    const sessions = makeSessions(cacheEngine({ backend: redisCache(client, { timeoutMs: 250 }) }));
    await expectFrozenCallsExpire(
      sessions,
      server.pid!,
      250,
      /^redis (GET|SET NX) did not answer within 250 ms$/,
    );
  });

  it('a stopped server: commands parked in the offline queue end in SessionStoreUnavailable, and the client recovers', async () => {
    const sessions = makeSessions(cacheEngine({ backend: redisCache(client, { timeoutMs: 300 }) }));
    await server.stop();
    await down(client);
    const fresh = sessions.cookies.begin(undefined);
    fresh.session.set('x', 1);
    expectUnavailable(await rejection(sessions.cookies.commit(fresh, { status: 200 })));
    await server.start();
    await ready(client);
    const again = sessions.cookies.begin(undefined);
    again.session.set('x', 2);
    expect((await sessions.cookies.commit(again, { status: 200 })).setCookie).toHaveLength(1);
  });
});

describe('offline-queue replay (reliability catalogue D.42)', () => {
  let direct: Redis;
  let proxied: Redis;
  let proxy: TcpProxy;

  beforeAll(async () => {
    const { port, url } = inject('redis');
    direct = await redisClient(url);
    proxy = await new TcpProxy(port).open();
    // ioredis defaults: commands issued while disconnected wait in the offline queue and replay on reconnect.
    proxied = await redisClient(`redis://127.0.0.1:${proxy.port}`, {
      maxRetriesPerRequest: null,
      retryStrategy: () => 50,
      lazyConnect: true,
    });
  });

  afterAll(async () => {
    proxied.disconnect();
    await proxy.cut();
    await direct.quit();
  });

  it('a save queued while disconnected does not recreate a session destroyed before the replay', async () => {
    const prefix = `replay${Date.now()}`;
    const engineA = cacheEngine({ backend: redisCache(proxied, { timeoutMs: 300 }), keyPrefix: prefix });
    const sessionsA = makeSessions(engineA);
    const sessionsB = makeSessions(cacheEngine({ backend: redisCache(direct), keyPrefix: prefix }));

    const created = sessionsB.open();
    created.set('user_id', 1);
    await created.save();
    const key = created.sessionKey!;
    const requestA = await sessionsA.open(key).load();
    expect(requestA.get('user_id')).toBe(1);

    // What a plain SET (an upsert) would do in the same spot, to show the replay really happens.
    const plainKey = `${prefix}:plain`;
    await direct.set(plainKey, 'v1');

    await proxy.cut();
    await down(proxied);
    requestA.set('cart', ['book']);
    expect(await rejection(requestA.save())).toBeInstanceOf(SessionStoreUnavailable);
    const plainWrite = proxied.set(plainKey, 'v2');

    // Logout on another server while A is cut off.
    await sessionsB.open().destroy(key);
    await direct.del(plainKey);

    await proxy.open();
    await ready(proxied);
    await plainWrite;
    await proxied.ping(); // replies come in order: the queued SET XX has been answered

    expect(await direct.get(plainKey)).toBe('v2'); // the upsert came back from the dead
    expect(await direct.exists(engineA.cacheKey(key))).toBe(0); // the session did not
    expect((await sessionsB.open(key).load()).isEmpty()).toBe(true);
    await direct.del(plainKey);
  });
});

describe('redis out of memory (maxmemory with noeviction)', () => {
  let server: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedis({ args: ['--maxmemory-policy', 'noeviction'] });
    client = await redisClient(server.url);
  });

  afterAll(async () => {
    await client.quit();
    await server.stop();
  });

  it('saves fail with SessionStoreUnavailable while reads and logout still work', async () => {
    const engine = cacheEngine({ backend: redisCache(client) });
    const sessions = makeSessions(engine);
    const s = sessions.open();
    s.set('user_id', 3);
    await s.save();
    await client.config('SET', 'maxmemory', '1');
    try {
      const incoming = sessions.cookies.begin(`sessionid=${s.sessionKey}`);
      await incoming.session.load();
      expect(incoming.session.get('user_id')).toBe(3);
      incoming.session.set('more', 1);
      const error = await rejection(sessions.cookies.commit(incoming, { status: 200 }));
      expectUnavailable(error);
      expect(error.message).toMatch(/OOM/);
      await sessions.open(s.sessionKey).flush();
      expect(await client.exists(engine.cacheKey(s.sessionKey!))).toBe(0);
    } finally {
      await client.config('SET', 'maxmemory', '0');
    }
  });
});
