import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { requireBinary } from '../src/binaries.js';
import {
  defineServersSetup,
  MissingBinaryError,
  type ProvideTarget,
  SERVER_NAMES,
  startServers,
} from '../src/index.js';
import { expectGone } from './helpers.js';

describe('startServers', () => {
  it('starts several servers in parallel and stopAll() stops them all', async () => {
    const started = await startServers(['redis', 'memcached', 'postgres']);
    const { redis, memcached, postgres } = started.servers;
    try {
      expect(started.info.redis).toEqual(redis.info);
      expect(started.info.memcached).toEqual(memcached.info);
      expect(started.info.postgres).toEqual(postgres.info);
      expect(JSON.parse(JSON.stringify(started.info))).toEqual(started.info);
      const client = new Redis(started.info.redis.url);
      expect(await client.ping()).toBe('PONG');
      client.disconnect();
    } finally {
      const before = [
        [redis.pid, redis.port],
        [memcached.pid, memcached.port],
        [postgres.pid, postgres.port],
      ] as const;
      await started.stopAll();
      for (const [pid, port] of before) await expectGone(pid, port);
    }
  });

  it('rejects unknown names', async () => {
    // @ts-expect-error not a server name
    await expect(startServers(['mongodb'])).rejects.toThrow(/unknown server 'mongodb'/);
    expect(SERVER_NAMES).toContain('redisCluster');
  });
});

describe('defineServersSetup', () => {
  it('provides each server info under its name and returns a teardown that stops them', async () => {
    const provided = new Map<string, unknown>();
    const project: ProvideTarget = {
      provide: (key, value) => {
        provided.set(key, value);
      },
    };
    const teardown = await defineServersSetup(['redis', 'memcached'])(project);
    expect([...provided.keys()].sort()).toEqual(['memcached', 'redis']);
    const redis = provided.get('redis') as { port: number; url: string };
    const client = new Redis(redis.url);
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await teardown();
    const memcached = provided.get('memcached') as { port: number };
    const { isPortOpen } = await import('../src/index.js');
    expect(await isPortOpen(redis.port)).toBe(false);
    expect(await isPortOpen(memcached.port)).toBe(false);
  });
});

describe('missing binaries', () => {
  it('fail loudly with the exact install command', () => {
    expect(() => requireBinary('sess-no-such-server', 'apt-get install -y sess-no-such-server')).toThrow(
      "sess-no-such-server not found: install it with 'apt-get install -y sess-no-such-server' (or run scripts/install-deps.sh)",
    );
    expect(new MissingBinaryError('redis-server', 'apt-get install -y redis-server').message).toBe(
      "redis-server not found: install it with 'apt-get install -y redis-server' (or run scripts/install-deps.sh)",
    );
  });
});
