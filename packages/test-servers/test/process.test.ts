import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { requireBinary } from '../src/binaries.js';
import { getFreePort, isProcessAlive, ServerStartError, startRedis } from '../src/index.js';
import { spawnServer } from '../src/process.js';
import { expectNoFile } from './helpers.js';

describe('spawnServer', () => {
  it('kills a server that is not ready in time and throws with its output tail', async () => {
    const port = await getFreePort();
    let pid: number | undefined;
    const error = await spawnServer({
      name: 'redis',
      command: requireBinary('redis-server', 'apt-get install -y redis-server'),
      args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      readyLine: /a line redis never prints/,
      readyCheck: async (p) => {
        pid = p;
        return false;
      },
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerStartError);
    expect(String((error as Error).message)).toMatch(/not ready after 300 ms/);
    expect((error as ServerStartError).output).toMatch(/Redis version/i);
    expect(pid).toBeUndefined(); // never got past the ready line
  });

  it('a server that exits early fails with its exit status and output', async () => {
    const error = await spawnServer({
      name: 'redis',
      command: requireBinary('redis-server', 'apt-get install -y redis-server'),
      args: ['--no-such-option', 'x'],
      readyLine: /ready to accept connections/,
      timeoutMs: 10_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerStartError);
    expect((error as Error).message).toMatch(/exited with code 1 before it was ready/);
    expect((error as Error).message).toMatch(/no-such-option/);
  });

  it('a taken fixed port fails loudly with "address in use" from the server itself', async () => {
    const blocker = createServer();
    const port = await getFreePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const error = await startRedis({ port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServerStartError);
      expect((error as ServerStartError).addressInUse).toBe(true);
      expect((error as Error).message).toMatch(/Address already in use/);
    } finally {
      blocker.close();
    }
  });

  it('removes the temp dir of a server that failed', async () => {
    const { makeTempDir } = await import('../src/process.js');
    const dir = makeTempDir('failing');
    const error = await spawnServer({
      name: 'failing',
      command: process.execPath,
      args: ['-e', 'process.exit(3)'],
      tmpDirs: [dir],
      readyLine: /never/,
      timeoutMs: 5000,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/exited with code 3/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expectNoFile(dir);
  });

  it('never treats 0, -1 or a negative number as a live process', () => {
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-1)).toBe(false);
    expect(isProcessAlive(1.5)).toBe(false);
    expect(isProcessAlive(process.pid)).toBe(true);
  });
});
