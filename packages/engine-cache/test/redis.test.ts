// The Redis backend on a real server and a real 3-master cluster: Django's keys, byte values, TTLs, and the
// atomic NX/XX writes that make must-create and update-only hold.
import { CreateError, ImproperlyConfigured, UpdateError } from '@sess/core';
import { CACHE_KEY_PREFIX, cacheEngine } from '@sess/engine-cache';
import { redisCache } from '@sess/engine-cache/redis';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeSessions, redisClient, redisClusterClient, rejection, saveNumbered } from './helpers.js';

describe('redis backend', () => {
  let client: Redis;

  beforeAll(async () => {
    client = await redisClient(inject('redis').url);
  });

  afterAll(async () => {
    await client.quit();
  });

  it("stores under Django's cache key with the serializer's bytes and the session's expiry age as TTL", async () => {
    const sessions = makeSessions(cacheEngine({ backend: redisCache(client) }));
    const s = sessions.open();
    s.update({ user_id: 42, cart: ['a', 'b'] });
    await s.save();
    const key = `:1:${CACHE_KEY_PREFIX}${s.sessionKey}`;
    expect(key).toBe(`:1:django.contrib.sessions.cache${s.sessionKey}`);
    expect(JSON.parse((await client.getBuffer(key))!.toString('latin1'))).toEqual({
      user_id: 42,
      cart: ['a', 'b'],
    });
    const ttl = await client.ttl(key);
    expect(ttl).toBeGreaterThan(1209600 - 60);
    expect(ttl).toBeLessThanOrEqual(1209600);

    s.setExpiry(600);
    await s.save();
    const shorter = await client.ttl(key);
    expect(shorter).toBeGreaterThan(540);
    expect(shorter).toBeLessThanOrEqual(600);
  });

  it('honours keyPrefix and version, and isolates sites that differ in them', async () => {
    const site = makeSessions(cacheEngine({ backend: redisCache(client), keyPrefix: 'shop', version: 3 }));
    const other = makeSessions(cacheEngine({ backend: redisCache(client), keyPrefix: 'blog', version: 3 }));
    const s = site.open();
    s.set('who', 'shop-user');
    await s.save();
    expect(await client.exists(`shop:3:django.contrib.sessions.cache${s.sessionKey}`)).toBe(1);
    expect((await other.open(s.sessionKey).load()).isEmpty()).toBe(true);
    expect(await other.open().exists(s.sessionKey!)).toBe(false);
  });

  it('an entry written by the app under the raw session key is not a session (CVE-2011-4136)', async () => {
    const sessions = makeSessions(cacheEngine({ backend: redisCache(client) }));
    const key = 'a'.repeat(24) + Date.now().toString(36).slice(-8).padStart(8, '0');
    await client.set(key, JSON.stringify({ user_id: 'admin' }), 'EX', 60);
    const s = await sessions.open(key).load();
    expect(s.get('user_id')).toBeUndefined();
    expect(s.sessionKey).toBeNull();
    await client.del(key);
  });

  it('values are bytes: every byte value round-trips', async () => {
    const backend = redisCache(client);
    const key = `bytes-test:${Math.random()}`;
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(await backend.add(key, all, 60)).toBe(true);
    expect(Array.from((await backend.get(key))!)).toEqual(Array.from(all));
    await backend.delete(key);
    expect(await backend.get(key)).toBeNull();
  });

  it('add is SET NX: false on an existing key, which keeps its value and TTL', async () => {
    const backend = redisCache(client);
    const key = `nx-test:${Math.random()}`;
    expect(await backend.add(key, Buffer.from('first'), 100)).toBe(true);
    expect(await backend.add(key, Buffer.from('second'), 5000)).toBe(false);
    expect((await client.getBuffer(key))!.toString()).toBe('first');
    expect(await client.ttl(key)).toBeLessThanOrEqual(100);
    await client.del(key);
  });

  it('replace is SET XX: false on a missing key, which stays missing; it updates value and TTL otherwise', async () => {
    const backend = redisCache(client);
    const key = `xx-test:${Math.random()}`;
    expect(await backend.replace(key, Buffer.from('ghost'), 60)).toBe(false);
    expect(await client.exists(key)).toBe(0);
    await backend.set(key, Buffer.from('v1'), 60);
    expect(await backend.replace(key, Buffer.from('v2'), 500)).toBe(true);
    expect((await client.getBuffer(key))!.toString()).toBe('v2');
    expect(await client.ttl(key)).toBeGreaterThan(60);
    await client.del(key);
  });

  it('must-create on a taken key raises CreateError; saving a session deleted meanwhile raises UpdateError and does not bring it back', async () => {
    const engine = cacheEngine({ backend: redisCache(client) });
    const sessions = makeSessions(engine);
    const s = sessions.open();
    s.set('a', 1);
    await s.save();
    const key = s.sessionKey!;
    const again = sessions.open(key);
    await again.load();
    again.set('b', 2);
    expect(await rejection(again.save({ mustCreate: true }))).toBeInstanceOf(CreateError);

    const stale = await sessions.open(key).load();
    await sessions.open().destroy(key);
    stale.set('c', 3);
    expect(await rejection(stale.save())).toBeInstanceOf(UpdateError);
    expect(await client.exists(engine.cacheKey(key))).toBe(0);
  });

  it('refuses what is not an ioredis client, and a bad timeoutMs', () => {
    expect(() => redisCache({} as Redis)).toThrow(ImproperlyConfigured);
    expect(() => redisCache(client, { timeoutMs: 0 })).toThrow(ImproperlyConfigured);
    expect(() => redisCache(client, { timeoutMs: Number.NaN })).toThrow(ImproperlyConfigured);
    expect(redisCache(client).name).toBe('redis');
  });
});

describe('redis backend on a 3-master cluster', () => {
  let cluster: Cluster;
  let nodes: Redis[];

  beforeAll(async () => {
    const info = inject('redisCluster');
    cluster = await redisClusterClient(info.nodes);
    nodes = await Promise.all(info.nodes.map((n) => redisClient(`redis://${n.host}:${n.port}`)));
  });

  afterAll(async () => {
    await cluster.quit();
    await Promise.all(nodes.map((n) => n.quit()));
  });

  it('spreads sessions over the masters, and each loads through the cluster client', async () => {
    const prefix = `spread${Date.now()}`;
    const engine = cacheEngine({ backend: redisCache(cluster), keyPrefix: prefix });
    expect(engine.name).toBe('cache:redis-cluster');
    const sessions = makeSessions(engine);
    const keys = await saveNumbered(sessions, 30);
    const perNode = await Promise.all(nodes.map(async (node) => (await node.keys(`${prefix}:*`)).length));
    expect(perNode.every((count) => count > 0)).toBe(true);
    expect(perNode.reduce((a, b) => a + b, 0)).toBe(30);
    for (const [i, key] of keys.entries()) {
      expect((await sessions.open(key).load()).get('n')).toBe(i);
    }
  });
});
