import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { isPortOpen, isProcessAlive, type RedisServer, startRedis } from '../src/index.js';
import { expectGone } from './helpers.js';

describe('startRedis', () => {
  let server: RedisServer | undefined;
  let client: Redis | undefined;

  afterEach(async () => {
    client?.disconnect();
    client = undefined;
    await server?.stop();
    server = undefined;
  });

  it('starts a real redis-server on 127.0.0.1 that SET/GET work against, and stops it', async () => {
    server = await startRedis();
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(server.info).toEqual({ host: '127.0.0.1', port: server.port, url: server.url });
    expect(JSON.parse(JSON.stringify(server))).toEqual(server.info);

    client = new Redis(server.url, { lazyConnect: true });
    await client.connect();
    await client.set('greeting', 'hello');
    expect(await client.get('greeting')).toBe('hello');
    expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    client.disconnect();
    client = undefined;

    const { pid, port } = server;
    expect(isProcessAlive(pid ?? -1)).toBe(true);
    await server.stop();
    expect(server.running).toBe(false);
    expect(server.pid).toBeUndefined();
    await expectGone(pid, port);
  });

  it('restart() brings it back on the same port (empty: no persistence)', async () => {
    server = await startRedis();
    const { port } = server;
    const firstPid = server.pid;
    client = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 20 });
    await client.set('k', 'v');

    await server.restart();
    expect(server.port).toBe(port);
    expect(server.pid).not.toBe(firstPid);
    expect(isProcessAlive(firstPid ?? -1)).toBe(false);
    // the same client reconnects to the restarted server
    expect(await client.get('k')).toBeNull();
    await client.set('k', 'v2');
    expect(await client.get('k')).toBe('v2');
  });

  it('stop() then start() later, on the same port; connections fail while it is down', async () => {
    server = await startRedis();
    const { port } = server;
    await server.stop();
    expect(await isPortOpen(port)).toBe(false);
    const down = new Redis(server.url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    down.on('error', () => {});
    await expect(down.connect()).rejects.toThrow();
    down.disconnect();

    await server.start();
    expect(server.port).toBe(port);
    expect(server.running).toBe(true);
    client = new Redis(server.url);
    expect(await client.ping()).toBe('PONG');
  });

  it('start() on a running server is a no-op, stop() twice is harmless', async () => {
    server = await startRedis();
    const pid = server.pid;
    await server.start();
    expect(server.pid).toBe(pid);
    await server.stop();
    await server.stop();
  });
});
