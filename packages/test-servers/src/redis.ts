// A real redis-server on a loopback port, in a temp dir, with no persistence.
import { INSTALL, requireBinary } from './binaries.js';
import { HOST } from './ports.js';
import { makeTempDir, type ServerProcess, spawnServer } from './process.js';
import { RestartableServerHandle, startRestartable } from './server-handle.js';

export interface RedisInfo {
  host: string;
  port: number;
  /** `redis://127.0.0.1:PORT` */
  url: string;
}

export interface StartRedisOptions {
  /** A fixed port instead of a free one. */
  port?: number;
  /** Extra redis-server arguments, e.g. `['--maxmemory', '10mb']`. */
  args?: readonly string[];
  /** Startup timeout (default 30 s). */
  timeoutMs?: number;
}

export interface RedisServer extends RedisInfo {
  /** The JSON-serialisable connection info. */
  readonly info: RedisInfo;
  /** PID of the running redis-server, undefined while stopped. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Starts it again (after `stop()`) on the same port. */
  start(): Promise<void>;
  /** Stops it (SIGTERM, SIGKILL after 10 s); `start()` brings it back on the same port. */
  stop(): Promise<void>;
  /** `stop()` then `start()`, on the same port. */
  restart(): Promise<void>;
}

export function redisServerArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--logfile',
    '',
    '--loglevel',
    'notice',
  ];
}

export const REDIS_READY = /ready to accept connections/i;

export async function launchRedis(
  name: string,
  port: number,
  extraArgs: readonly string[],
  timeoutMs: number,
): Promise<ServerProcess> {
  const binary = requireBinary('redis-server', INSTALL.redis);
  const dir = makeTempDir(name);
  return spawnServer({
    name,
    command: binary,
    args: [...redisServerArgs(port, dir), ...extraArgs],
    cwd: dir,
    tmpDirs: [dir],
    readyLine: REDIS_READY,
    timeoutMs,
  });
}

class RedisServerImpl extends RestartableServerHandle<RedisInfo> implements RedisServer {
  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  get info(): RedisInfo {
    return { host: this.host, port: this.port, url: this.url };
  }
}

/** Starts a redis-server on 127.0.0.1 (a free port unless `port` is given). Needs `redis-server`. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  requireBinary('redis-server', INSTALL.redis);
  const args = options.args ?? [];
  const timeoutMs = options.timeoutMs ?? 30_000;
  return startRestartable(
    options.port,
    (port) => new RedisServerImpl(port, (p) => launchRedis('redis', p, args, timeoutMs)),
  );
}
