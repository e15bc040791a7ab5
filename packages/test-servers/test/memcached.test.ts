import memjs from 'memjs';
import { afterEach, describe, expect, it } from 'vitest';
import { isPortOpen, type MemcachedServer, startMemcached } from '../src/index.js';
import { expectGone } from './helpers.js';

function client(servers: string): memjs.Client {
  return memjs.Client.create(servers, { retries: 1, timeout: 1, conntimeout: 1, logger: { log: () => {} } });
}

describe('startMemcached', () => {
  let server: MemcachedServer | undefined;
  let mc: memjs.Client | undefined;

  afterEach(async () => {
    mc?.close();
    mc = undefined;
    await server?.stop();
    server = undefined;
  });

  it('starts a real memcached that memjs set/get work against, and stops it', async () => {
    server = await startMemcached();
    expect(server.info).toEqual({
      host: '127.0.0.1',
      port: server.port,
      servers: `127.0.0.1:${server.port}`,
    });
    mc = client(server.servers);
    expect(await mc.set('greeting', 'hello', { expires: 60 })).toBe(true);
    const { value } = await mc.get('greeting');
    expect(value?.toString()).toBe('hello');
    mc.close();
    mc = undefined;

    const { pid, port } = server;
    await server.stop();
    await expectGone(pid, port);
  });

  it('restart() brings it back on the same port, empty', async () => {
    server = await startMemcached();
    const { port, pid } = server;
    mc = client(server.servers);
    await mc.set('k', 'v', {});
    mc.close();

    await server.restart();
    expect(server.port).toBe(port);
    expect(server.pid).not.toBe(pid);
    mc = client(server.servers);
    expect((await mc.get('k')).value).toBeNull();
    await mc.set('k', 'v2', {});
    expect((await mc.get('k')).value?.toString()).toBe('v2');
  });

  it('stop() then start() on the same port', async () => {
    server = await startMemcached();
    const { port } = server;
    await server.stop();
    expect(await isPortOpen(port)).toBe(false);
    await server.start();
    expect(server.port).toBe(port);
    expect(await isPortOpen(port)).toBe(true);
  });
});
