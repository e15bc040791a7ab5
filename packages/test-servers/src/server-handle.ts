// The handles the start functions return: what every single-process server has in common (host, port,
// pid, stop, JSON = its info), the start/restart of the ones fault tests bring back on the same port
// (redis, memcached), and the user@host/database handle of the SQL servers.
import { rmSync } from 'node:fs';
import { getFreePort, HOST } from './ports.js';
import {
  reapOrphans,
  runCommand,
  type ServerProcess,
  type SpawnTarget,
  withFixedPortRetry,
  withPortRetry,
} from './process.js';

export abstract class ServerHandle<Info> {
  readonly host = HOST;

  constructor(
    readonly port: number,
    protected proc: ServerProcess | undefined,
  ) {}

  abstract get info(): Info;

  get pid(): number | undefined {
    return this.proc?.running ? this.proc.pid : undefined;
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }

  toJSON(): Info {
    return this.info;
  }
}

/** A server that can be stopped and started again on the same port; `launch(port)` spawns it. */
export abstract class RestartableServerHandle<Info> extends ServerHandle<Info> {
  constructor(
    port: number,
    private readonly launch: (port: number) => Promise<ServerProcess>,
  ) {
    super(port, undefined);
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  /** One launch on this handle's port, no retry (the first start retries through `startRestartable`). */
  async launchOnce(): Promise<void> {
    this.proc = await this.launch(this.port);
  }

  async start(): Promise<void> {
    if (this.running) return;
    await reapOrphans();
    this.proc = await withFixedPortRetry(this.port, this.launch);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/**
 * Reaps orphans, then creates a handle on `fixedPort` (or a free port) and launches it, retrying while the
 * port turns out to be taken.
 */
export async function startRestartable<H extends RestartableServerHandle<unknown>>(
  fixedPort: number | undefined,
  create: (port: number) => H,
): Promise<H> {
  await reapOrphans();
  const start = async (port: number): Promise<H> => {
    const server = create(port);
    await server.launchOnce();
    return server;
  };
  return fixedPort === undefined ? withPortRetry(getFreePort, start) : withFixedPortRetry(fixedPort, start);
}

export interface DatabaseInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  url: string;
}

/** A SQL server reached as `user` (empty password) on `database`: `scheme://user@host:port/database`. */
export class DatabaseServerHandle extends ServerHandle<DatabaseInfo> {
  readonly password = '';

  constructor(
    private readonly scheme: string,
    readonly user: string,
    readonly database: string,
    port: number,
    proc: ServerProcess,
  ) {
    super(port, proc);
  }

  get url(): string {
    return `${this.scheme}://${this.user}@${this.host}:${this.port}/${this.database}`;
  }

  get info(): DatabaseInfo {
    const { host, port, user, password, database, url } = this;
    return { host, port, user, password, database, url };
  }
}

/**
 * Runs a data-dir initialiser (initdb, mariadb-install-db) in the fresh temp dir `dir`; if it fails, `dir`
 * is removed before the error is thrown (no server owns it yet to clean it up).
 */
export async function initDataDir(
  name: string,
  dir: string,
  command: string,
  args: readonly string[],
  options: SpawnTarget & { timeoutMs?: number },
): Promise<void> {
  try {
    await runCommand(name, command, args, { cwd: dir, ...options });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
