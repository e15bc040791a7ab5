// Memcached's limits, enforced before sending (on servers of this file's own, so their counters are ours):
// bad keys are never sent, an oversized session raises SessionTooLarge and is never sent.
import { InvalidSessionKey, SessionTooLarge } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import {
  MEMCACHED_DEFAULT_MAX_ITEM_SIZE,
  MEMCACHED_ITEM_OVERHEAD,
  memcachedCache,
} from '@sess/engine-cache/memcached';
import type { MemcachedServer } from '@sess/test-servers';
import { startMemcached } from '@sess/test-servers';
import type { Client } from 'memjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSessions, memcachedClient, memcachedStats, rejection } from './helpers.js';

/** Every command the server has seen that reads, writes or deletes a key. */
async function commandsSeen(client: Client): Promise<number> {
  const [stats] = [...(await memcachedStats(client)).values()];
  return ['cmd_get', 'cmd_set', 'cmd_touch', 'delete_hits', 'delete_misses'].reduce(
    (sum, name) => sum + Number(stats![name]),
    0,
  );
}

describe('memcached limits (default -I 1m)', () => {
  let server: MemcachedServer;
  let client: Client;

  beforeAll(async () => {
    server = await startMemcached();
    client = memcachedClient(server.servers);
  });

  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it('a key over 250 bytes, or with whitespace or control characters, is refused and never sent', async () => {
    const backend = memcachedCache(client);
    const before = await commandsSeen(client);
    for (const key of [
      'k'.repeat(251),
      'a b',
      'tab\tkey',
      'new\nline',
      'nul\0key',
      'del\x7fkey',
      `${'é'.repeat(126)}`,
    ]) {
      expect(await rejection(backend.get(key))).toBeInstanceOf(InvalidSessionKey);
      expect(await rejection(backend.add(key, Buffer.from('x'), 60))).toBeInstanceOf(InvalidSessionKey);
      expect(await rejection(backend.replace(key, Buffer.from('x'), 60))).toBeInstanceOf(InvalidSessionKey);
      expect(await rejection(backend.set(key, Buffer.from('x'), 60))).toBeInstanceOf(InvalidSessionKey);
      expect(await rejection(backend.delete(key))).toBeInstanceOf(InvalidSessionKey);
      expect(await rejection(backend.has(key))).toBeInstanceOf(InvalidSessionKey);
    }
    expect(await commandsSeen(client)).toBe(before);
    // 250 bytes is allowed.
    expect(await backend.add('k'.repeat(250), Buffer.from('x'), 60)).toBe(true);
    expect(await commandsSeen(client)).toBe(before + 1);
  });

  it('a keyPrefix long enough to push cache keys past 250 bytes fails the save before sending', async () => {
    const sessions = makeSessions(
      cacheEngine({ backend: memcachedCache(client), keyPrefix: 'p'.repeat(200) }),
    );
    const before = await commandsSeen(client);
    const s = sessions.open();
    s.set('a', 1);
    expect(await rejection(s.save())).toBeInstanceOf(InvalidSessionKey);
    expect(await commandsSeen(client)).toBe(before);
  });

  it('a session over the item size limit raises SessionTooLarge and is never sent; one just under it is stored', async () => {
    const engine = cacheEngine({ backend: memcachedCache(client) });
    const sessions = makeSessions(engine);
    const before = await commandsSeen(client);
    const big = sessions.open();
    big.set('blob', 'x'.repeat(1024 * 1024));
    const error = await rejection(big.save());
    expect(error).toBeInstanceOf(SessionTooLarge);
    expect((error as SessionTooLarge).limit).toBe(MEMCACHED_DEFAULT_MAX_ITEM_SIZE);
    expect((error as SessionTooLarge).size).toBeGreaterThan(MEMCACHED_DEFAULT_MAX_ITEM_SIZE);
    expect(error.message).toMatch(/too large for memcached/);
    expect(await commandsSeen(client)).toBe(before);

    // The largest session that fits: key + value + header overhead exactly at the limit.
    const fits = sessions.open();
    const keyBytes = engine.cacheKey('a'.repeat(32)).length;
    const frame = '{"blob":""}'.length;
    fits.set(
      'blob',
      'y'.repeat(MEMCACHED_DEFAULT_MAX_ITEM_SIZE - MEMCACHED_ITEM_OVERHEAD - keyBytes - frame),
    );
    await fits.save();
    expect(((await sessions.open(fits.sessionKey).load()).get('blob') as string).length).toBe(
      MEMCACHED_DEFAULT_MAX_ITEM_SIZE - MEMCACHED_ITEM_OVERHEAD - keyBytes - frame,
    );

    // An update that grows past the limit is refused too, and the stored session is left as it was.
    const grown = await sessions.open(fits.sessionKey).load();
    grown.set('more', 'z'.repeat(100));
    expect(await rejection(grown.save())).toBeInstanceOf(SessionTooLarge);
    expect((await sessions.open(fits.sessionKey).load()).get('more')).toBeUndefined();
  });
});

describe('memcached item size options', () => {
  let large: MemcachedServer;
  let small: MemcachedServer;
  let largeClient: Client;
  let smallClient: Client;

  beforeAll(async () => {
    [large, small] = await Promise.all([
      startMemcached({ args: ['-I', '2m'] }),
      startMemcached({ args: ['-I', '512k'] }),
    ]);
    largeClient = memcachedClient(large.servers);
    smallClient = memcachedClient(small.servers);
  });

  afterAll(async () => {
    largeClient.close();
    smallClient.close();
    await Promise.all([large.stop(), small.stop()]);
  });

  it('maxItemSize follows a server started with a larger -I', async () => {
    const sessions = makeSessions(
      cacheEngine({ backend: memcachedCache(largeClient, { maxItemSize: 2 * 1024 * 1024 }) }),
    );
    const s = sessions.open();
    s.set('blob', 'x'.repeat(1536 * 1024));
    await s.save();
    expect(((await sessions.open(s.sessionKey).load()).get('blob') as string).length).toBe(1536 * 1024);
  });

  it('a server whose -I is below maxItemSize refuses the item: still SessionTooLarge, not an outage', async () => {
    const sessions = makeSessions(cacheEngine({ backend: memcachedCache(smallClient) }));
    const s = sessions.open();
    s.set('blob', 'x'.repeat(700 * 1024));
    const error = await rejection(s.save());
    expect(error).toBeInstanceOf(SessionTooLarge);
    expect(error.message).toMatch(/refused the session as too large/);
  });
});
