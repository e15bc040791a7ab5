// Real Django (Debian's python3-django 3.2, django-redis, pymemcache) and sess sharing sessions in the same
// Redis and Memcached: Django's cache keys, pickled values (@sess/serializer-pickle), TTLs, and update-only
// saves across the two languages.
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SessionData } from '@sess/core';
import { UpdateError } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memcachedCache, memjsItemFlags, PYTHON_PICKLE_FLAG } from '@sess/engine-cache/memcached';
import { redisCache } from '@sess/engine-cache/redis';
import { pickleSerializer } from '@sess/serializer-pickle';
import type { Redis } from 'ioredis';
import { Client } from 'memjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeSessions, quietMemjsLogger, redisClient, rejection } from './helpers.js';

const SCRIPT = fileURLToPath(new URL('./django_cache.py', import.meta.url));
const run = promisify(execFile);

interface DjangoRead {
  exists: boolean;
  data: SessionData;
  expiry_age: number;
}

const SAMPLE = {
  user_id: 42,
  name: 'Zoë 日本',
  cart: ['a', 'b'],
  ratio: 0.5,
  admin: false,
  none: null,
  nested: { k: [1, 2] },
};

for (const backend of ['redis', 'memcached'] as const) {
  describe(`Django and sess on one ${backend}`, () => {
    let location: string;
    let redis: Redis | undefined;
    let memcached: Client | undefined;
    let sessions: ReturnType<typeof makeSessions>;

    const django = async <T>(command: string, ...args: string[]): Promise<T> => {
      const { stdout } = await run('/usr/bin/python3', [SCRIPT, backend, location, command, ...args]);
      return JSON.parse(stdout) as T;
    };

    beforeAll(async () => {
      if (backend === 'redis') {
        location = inject('redis').url;
        redis = await redisClient(location);
        sessions = makeSessions(cacheEngine({ backend: redisCache(redis) }), {
          serializer: pickleSerializer,
        });
      } else {
        // One server: pymemcache and memjs spread keys over several servers with different hashes.
        location = inject('memcached').servers;
        memcached = Client.create(location, {
          retries: 1,
          timeout: 0.5,
          logger: quietMemjsLogger,
          serializer: memjsItemFlags(PYTHON_PICKLE_FLAG),
        });
        sessions = makeSessions(cacheEngine({ backend: memcachedCache(memcached) }), {
          serializer: pickleSerializer,
        });
      }
    });

    afterAll(async () => {
      await redis?.quit();
      memcached?.close();
    });

    it('a session Django wrote loads in sess', async () => {
      const { key } = await django<{ key: string }>('write', JSON.stringify(SAMPLE));
      const s = await sessions.open(key).load();
      expect(Object.fromEntries(s.items())).toEqual(SAMPLE);
    });

    it('a session sess wrote loads in Django, with its expiry', async () => {
      const s = sessions.open();
      s.update(SAMPLE);
      s.setExpiry(600);
      await s.save();
      const read = await django<DjangoRead>('read', s.sessionKey!);
      expect(read.exists).toBe(true);
      expect(read.data).toEqual({ ...SAMPLE, _session_expiry: 600 });
      expect(read.expiry_age).toBe(600);
    });

    it('Django updates a sess session and sess sees it; sess destroys it and Django finds nothing', async () => {
      const s = sessions.open();
      s.set('from', 'node');
      await s.save();
      const key = s.sessionKey!;
      expect(await django('update', key, JSON.stringify({ from_django: true }))).toEqual({ ok: true });
      expect(Object.fromEntries((await sessions.open(key).load()).items())).toEqual({
        from: 'node',
        from_django: true,
      });

      await sessions.open().destroy(key);
      const read = await django<DjangoRead>('read', key);
      expect(read.exists).toBe(false);
      expect(read.data).toEqual({});
    });

    it('a logout in Django is not undone by a sess request still holding the session', async () => {
      const { key } = await django<{ key: string }>('write', JSON.stringify({ user_id: 7 }));
      const held = await sessions.open(key).load();
      await django('delete', key);
      held.set('cart', ['late']);
      expect(await rejection(held.save())).toBeInstanceOf(UpdateError);
      expect((await django<DjangoRead>('read', key)).exists).toBe(false);
    });

    it('a logout in sess is not undone by a Django request that loaded the session before it', async () => {
      const s = sessions.open();
      s.set('user_id', 8);
      await s.save();
      const key = s.sessionKey!;
      const child = spawn('/usr/bin/python3', [
        SCRIPT,
        backend,
        location,
        'hold-update',
        key,
        '{"late": true}',
      ]);
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      expect(JSON.parse((await lines.next()).value)).toEqual({ loaded: { user_id: 8 } });
      await sessions.open().destroy(key);
      child.stdin.end('go\n');
      expect(JSON.parse((await lines.next()).value)).toEqual({ error: 'UpdateError' });
      expect((await sessions.open(key).load()).isEmpty()).toBe(true);
    });
  });
}
