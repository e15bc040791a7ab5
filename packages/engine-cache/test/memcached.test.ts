// The Memcached backend on three real servers: Django's keys, add/replace semantics, sessions spread over
// every server, and TTLs over 30 days sent as absolute times.
import { CreateError, ImproperlyConfigured, UpdateError } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { MEMCACHED_MAX_RELATIVE_TTL, memcachedCache } from '@sess/engine-cache/memcached';
import type { Client } from 'memjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeSessions, memcachedClient, memcachedExpiries, rejection, saveNumbered } from './helpers.js';

const DAY = 24 * 60 * 60;

describe('memcached backend over three servers', () => {
  let pool: Client;
  let singles: Client[];
  let ports: number[];

  beforeAll(() => {
    const servers = inject('memcachedPool');
    expect(servers).toHaveLength(3);
    ports = servers.map((s) => s.port);
    pool = memcachedClient(servers.map((s) => s.servers).join(','));
    singles = servers.map((s) => memcachedClient(s.servers));
  });

  afterAll(() => {
    pool.close();
    for (const single of singles) single.close();
  });

  /** Which server holds `cacheKey`, read with one single-server client each. */
  const holders = async (cacheKey: string) => {
    const found = await Promise.all(
      singles.map(async (single) => (await single.get(cacheKey)).value !== null),
    );
    return found.flatMap((hit, i) => (hit ? [i] : []));
  };

  it("stores the serializer's bytes under Django's cache key", async () => {
    const engine = cacheEngine({ backend: memcachedCache(pool) });
    const sessions = makeSessions(engine);
    const s = sessions.open();
    s.update({ user_id: 42, name: 'Zoë' });
    await s.save();
    const key = `:1:django.contrib.sessions.cache${s.sessionKey}`;
    expect(engine.cacheKey(s.sessionKey!)).toBe(key);
    const { value } = await pool.get(key);
    expect(value!.toString('latin1')).toBe('{"user_id":42,"name":"Zo\\u00eb"}');
    expect(await holders(key)).toHaveLength(1);
  });

  it('spreads 50 sessions over the three servers; every one loads through the pooled client', async () => {
    const engine = cacheEngine({ backend: memcachedCache(pool), keyPrefix: `spread${Date.now()}` });
    const sessions = makeSessions(engine);
    const keys = await saveNumbered(sessions, 50);
    const perServer = [0, 0, 0];
    for (const key of keys) {
      const where = await holders(engine.cacheKey(key));
      expect(where).toHaveLength(1);
      perServer[where[0]!]! += 1;
    }
    expect(perServer.every((count) => count > 0)).toBe(true);
    for (const [i, key] of keys.entries()) {
      expect((await sessions.open(key).load()).get('n')).toBe(i);
    }
  });

  it('add is insert-only and replace update-only; a session deleted meanwhile is not brought back', async () => {
    const backend = memcachedCache(pool);
    const key = `addreplace:${Date.now()}`;
    expect(await backend.replace(key, Buffer.from('ghost'), 60)).toBe(false);
    expect(await backend.get(key)).toBeNull();
    expect(await backend.add(key, Buffer.from('first'), 60)).toBe(true);
    expect(await backend.add(key, Buffer.from('second'), 60)).toBe(false);
    expect(Buffer.from((await backend.get(key))!).toString()).toBe('first');
    expect(await backend.replace(key, Buffer.from('third'), 60)).toBe(true);
    expect(Buffer.from((await backend.get(key))!).toString()).toBe('third');
    expect(await backend.has(key)).toBe(true);
    await backend.delete(key);
    expect(await backend.has(key)).toBe(false);

    const engine = cacheEngine({ backend });
    const sessions = makeSessions(engine);
    const s = sessions.open();
    s.set('a', 1);
    await s.save();
    const again = await sessions.open(s.sessionKey).load();
    again.set('b', 2);
    expect(await rejection(again.save({ mustCreate: true }))).toBeInstanceOf(CreateError);
    await sessions.open().destroy(s.sessionKey!);
    expect(await rejection(again.save())).toBeInstanceOf(UpdateError);
    expect(await holders(engine.cacheKey(s.sessionKey!))).toEqual([]);
  });

  it('a TTL over 30 days is sent as an absolute Unix time: a 31-day session does not expire at once', async () => {
    const engine = cacheEngine({ backend: memcachedCache(pool), keyPrefix: `ttl${Date.now()}` });
    const sessions = makeSessions(engine);
    const saveFor = async (seconds: number) => {
      const s = sessions.open();
      s.set('ttl', seconds);
      s.setExpiry(seconds);
      await s.save();
      return s.sessionKey!;
    };
    const thirtyDays = await saveFor(MEMCACHED_MAX_RELATIVE_TTL);
    const thirtyOneDays = await saveFor(31 * DAY);
    const justOver = await saveFor(MEMCACHED_MAX_RELATIVE_TTL + 1);
    const now = Math.floor(Date.now() / 1000);

    for (const [key, seconds] of [
      [thirtyDays, 30 * DAY],
      [thirtyOneDays, 31 * DAY],
      [justOver, 30 * DAY + 1],
    ] as const) {
      expect((await sessions.open(key).load()).get('ttl')).toBe(seconds);
      // The server's own record of the expiry: within a minute of now + TTL.
      const cacheKey = engine.cacheKey(key);
      const [where] = await holders(cacheKey);
      const exp = (await memcachedExpiries(ports[where!]!)).get(cacheKey)!;
      expect(Math.abs(exp - (now + seconds))).toBeLessThan(60);
    }
  });

  it('a session cookie age over 30 days (cookieAge) is converted the same way', async () => {
    const sessions = makeSessions(cacheEngine({ backend: memcachedCache(pool) }), { cookieAge: 365 * DAY });
    const s = sessions.open();
    s.set('year', true);
    await s.save();
    expect((await sessions.open(s.sessionKey).load()).get('year')).toBe(true);
  });

  it('refuses what is not a memjs client and bad options', () => {
    expect(() => memcachedCache({} as Client)).toThrow(ImproperlyConfigured);
    expect(() => memcachedCache(pool, { timeoutMs: -1 })).toThrow(ImproperlyConfigured);
    expect(() => memcachedCache(pool, { maxItemSize: 100 })).toThrow(ImproperlyConfigured);
    expect(() => memcachedCache(pool, { maxItemSize: 1.5 })).toThrow(ImproperlyConfigured);
  });
});
