// A real MariaDB: mariadb-install-db into a temp dir, then mariadbd on a loopback port. root, empty
// password; an empty database `test` is created at startup (--init-file).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INSTALL, requireBinary } from './binaries.js';
import { getFreePort, HOST } from './ports.js';
import { makeTempDir, reapOrphans, spawnServer, withPortRetry } from './process.js';
import { type DatabaseInfo, DatabaseServerHandle, initDataDir } from './server-handle.js';

export interface MariadbInfo extends DatabaseInfo {
  /** An empty database created for the tests: `test`. */
  database: string;
  /** `mysql://root@127.0.0.1:PORT/test` */
  url: string;
}

export interface StartMariadbOptions {
  /** Extra mariadbd arguments, e.g. `['--max-connections=50']`. */
  args?: readonly string[];
  /** Startup timeout (default 30 s). */
  timeoutMs?: number;
}

export interface MariadbServer extends MariadbInfo {
  readonly info: MariadbInfo;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** Starts MariaDB on 127.0.0.1 (user root, no password, database `test`). Needs `mariadb-server`. */
export async function startMariadb(options: StartMariadbOptions = {}): Promise<MariadbServer> {
  const installDb = requireBinary('mariadb-install-db', INSTALL.mariadb);
  const mariadbd = requireBinary('mariadbd', INSTALL.mariadb);
  await reapOrphans();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const asRoot = process.getuid?.() === 0;
  // mariadbd refuses to run as root unless told so explicitly.
  const userArgs = asRoot ? ['--user=root'] : [];
  return withPortRetry(getFreePort, async (port) => {
    const dir = makeTempDir('mariadb');
    const data = join(dir, 'data');
    await initDataDir(
      'mariadb',
      dir,
      installDb,
      [
        '--no-defaults',
        `--datadir=${data}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        ...userArgs,
      ],
      { timeoutMs },
    );
    const initFile = join(dir, 'init.sql');
    writeFileSync(initFile, 'CREATE DATABASE IF NOT EXISTS `test`;\n');
    // No --log-error: with it the log goes to a file and "ready for connections" never reaches stderr.
    const proc = await spawnServer({
      name: 'mariadb',
      command: mariadbd,
      args: [
        '--no-defaults',
        `--datadir=${data}`,
        `--port=${port}`,
        `--bind-address=${HOST}`,
        `--socket=${join(dir, 'mysqld.sock')}`,
        `--pid-file=${join(dir, 'mariadbd.pid')}`,
        `--init-file=${initFile}`,
        ...userArgs,
        '--skip-name-resolve',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=16M',
        '--innodb-log-file-size=8M',
        '--innodb-flush-log-at-trx-commit=0',
        '--skip-performance-schema',
        ...(options.args ?? []),
      ],
      cwd: dir,
      tmpDirs: [dir],
      readyLine: /ready for connections/,
      timeoutMs,
    });
    return new DatabaseServerHandle('mysql', 'root', 'test', port, proc);
  });
}
