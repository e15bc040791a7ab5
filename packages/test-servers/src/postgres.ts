// A real PostgreSQL: initdb into a temp dir, then postgres on a loopback port. As root, both run as the
// `postgres` user (initdb refuses root), spawned with its uid/gid.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INSTALL, MissingBinaryError, postgresBinDirs, which } from './binaries.js';
import { getFreePort, HOST } from './ports.js';
import { makeTempDir, reapOrphans, spawnServer, withPortRetry } from './process.js';
import { type DatabaseInfo, DatabaseServerHandle, initDataDir } from './server-handle.js';

export interface PostgresInfo extends DatabaseInfo {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
}

export interface StartPostgresOptions {
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
  /** Startup timeout (default 30 s). */
  timeoutMs?: number;
}

export interface PostgresServer extends PostgresInfo {
  readonly info: PostgresInfo;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

function findPostgresBinaries(): { initdb: string; postgres: string } {
  for (const dir of postgresBinDirs()) {
    const initdb = which('initdb', [dir]);
    const postgres = which('postgres', [dir]);
    if (initdb?.startsWith(dir) && postgres?.startsWith(dir)) return { initdb, postgres };
  }
  const initdb = which('initdb');
  const postgres = which('postgres');
  if (initdb && postgres) return { initdb, postgres };
  throw new MissingBinaryError(initdb ? 'postgres' : 'initdb', INSTALL.postgres);
}

/** uid/gid of a system user, from /etc/passwd. */
function lookupUser(name: string): { uid: number; gid: number } | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** Starts PostgreSQL (trust auth, user `postgres`, fsync off) on 127.0.0.1. Needs the `postgresql` package. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBinaries();
  await reapOrphans();
  const timeoutMs = options.timeoutMs ?? 30_000;
  let owner: { uid: number; gid: number } | undefined;
  if (process.getuid?.() === 0) {
    owner = lookupUser('postgres');
    if (!owner) {
      throw new Error(
        `postgres: running as root, but there is no 'postgres' user to run the server as: install it with '${INSTALL.postgres}'`,
      );
    }
  }
  const ids = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  return withPortRetry(getFreePort, async (port) => {
    const dir = makeTempDir('postgres', owner);
    const data = join(dir, 'data');
    await initDataDir(
      'postgres',
      dir,
      bin.initdb,
      ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
      { env, timeoutMs, ...ids },
    );
    const settings: Record<string, string> = {
      listen_addresses: HOST,
      unix_socket_directories: dir,
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      ...options.settings,
    };
    const proc = await spawnServer({
      name: 'postgres',
      command: bin.postgres,
      args: [
        '-D',
        data,
        '-p',
        String(port),
        ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
      ],
      cwd: dir,
      env,
      tmpDirs: [dir],
      readyLine: /database system is ready to accept connections/,
      timeoutMs,
      stopSignal: 'SIGINT', // fast shutdown; SIGTERM ("smart") would wait for every client to disconnect
      ...ids,
    });
    return new DatabaseServerHandle('postgres', 'postgres', 'postgres', port, proc);
  });
}
