// A real memcached on a loopback port. It prints no ready line, so readiness = our PID holds the port.
import { INSTALL, requireBinary } from './binaries.js';
import { HOST, isPortOpen, ownsListeningPort } from './ports.js';
import { makeTempDir, type ServerProcess, spawnServer } from './process.js';
import { RestartableServerHandle, startRestartable } from './server-handle.js';

export interface MemcachedInfo {
  host: string;
  port: number;
  /** `127.0.0.1:PORT`, the server string memjs (`Client.create(servers)`) expects. */
  servers: string;
}

export interface StartMemcachedOptions {
  port?: number;
  /** Extra memcached arguments, e.g. `['-m', '16']`. */
  args?: readonly string[];
  /** Startup timeout (default 30 s). */
  timeoutMs?: number;
}

export interface MemcachedServer extends MemcachedInfo {
  readonly info: MemcachedInfo;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Starts it again (after `stop()`) on the same port; the cache starts empty. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** `stop()` then `start()`, on the same port. */
  restart(): Promise<void>;
}

async function launchMemcached(
  port: number,
  extraArgs: readonly string[],
  timeoutMs: number,
): Promise<ServerProcess> {
  const binary = requireBinary('memcached', INSTALL.memcached);
  const dir = makeTempDir('memcached');
  const args = ['-p', String(port), '-l', HOST, '-U', '0', '-m', '64', '-c', '1024', '-t', '2'];
  // memcached refuses to run as root without -u.
  if (process.getuid?.() === 0) args.push('-u', 'nobody');
  return spawnServer({
    name: 'memcached',
    command: binary,
    args: [...args, ...extraArgs],
    cwd: dir,
    tmpDirs: [dir],
    readyCheck: async (pid) => (await isPortOpen(port)) && ownsListeningPort(pid, port) !== false,
    timeoutMs,
    // A graceful SIGTERM takes memcached ~0.7-1 s (its threads wake on a 1 s clock); it keeps nothing on
    // disk, so an immediate SIGKILL is just as clean.
    stopSignal: 'SIGKILL',
  });
}

class MemcachedServerImpl extends RestartableServerHandle<MemcachedInfo> implements MemcachedServer {
  get servers(): string {
    return `${this.host}:${this.port}`;
  }

  get info(): MemcachedInfo {
    return { host: this.host, port: this.port, servers: this.servers };
  }
}

/** Starts memcached on 127.0.0.1 (a free port unless `port` is given). Needs `memcached`. */
export async function startMemcached(options: StartMemcachedOptions = {}): Promise<MemcachedServer> {
  requireBinary('memcached', INSTALL.memcached);
  const args = options.args ?? [];
  const timeoutMs = options.timeoutMs ?? 30_000;
  return startRestartable(
    options.port,
    (port) => new MemcachedServerImpl(port, (p) => launchMemcached(p, args, timeoutMs)),
  );
}
