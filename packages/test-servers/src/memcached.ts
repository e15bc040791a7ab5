// A real memcached on a loopback port. It prints no ready line, so readiness = our PID holds the port.
import { INSTALL, requireBinary } from './binaries.js';
import { getFreePort, HOST, isPortOpen, ownsListeningPort } from './ports.js';
import {
  makeTempDir,
  reapOrphans,
  type ServerProcess,
  spawnServer,
  withFixedPortRetry,
  withPortRetry,
} from './process.js';

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

class MemcachedServerImpl implements MemcachedServer {
  readonly host = HOST;
  private proc: ServerProcess | undefined;

  constructor(
    readonly port: number,
    private readonly args: readonly string[],
    private readonly timeoutMs: number,
  ) {}

  get servers(): string {
    return `${this.host}:${this.port}`;
  }

  get info(): MemcachedInfo {
    return { host: this.host, port: this.port, servers: this.servers };
  }

  get pid(): number | undefined {
    return this.proc?.running ? this.proc.pid : undefined;
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  attach(proc: ServerProcess): void {
    this.proc = proc;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await reapOrphans();
    this.proc = await withFixedPortRetry(this.port, () =>
      launchMemcached(this.port, this.args, this.timeoutMs),
    );
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  toJSON(): MemcachedInfo {
    return this.info;
  }
}

/** Starts memcached on 127.0.0.1 (a free port unless `port` is given). Needs `memcached`. */
export async function startMemcached(options: StartMemcachedOptions = {}): Promise<MemcachedServer> {
  requireBinary('memcached', INSTALL.memcached);
  await reapOrphans();
  const args = options.args ?? [];
  const timeoutMs = options.timeoutMs ?? 30_000;
  const fixed = options.port;
  const start = async (port: number) => {
    const server = new MemcachedServerImpl(port, args, timeoutMs);
    server.attach(await launchMemcached(port, args, timeoutMs));
    return server;
  };
  return fixed === undefined ? withPortRetry(getFreePort, start) : withFixedPortRetry(fixed, start);
}
