// Finding the server binaries. A missing one is a loud failure that says how to install it, never a skip.
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Thrown when a server binary is not installed; the message has the exact install command. */
export class MissingBinaryError extends Error {
  constructor(
    readonly binary: string,
    readonly installCommand: string,
  ) {
    super(`${binary} not found: install it with '${installCommand}' (or run scripts/install-deps.sh)`);
    this.name = 'MissingBinaryError';
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// sbin folders are searched too: a non-root PATH often lacks /usr/sbin, where mariadbd lives.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The absolute path of `name` on PATH (or in the usual system folders), or undefined. */
export function which(name: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs, ...EXTRA_DIRS];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/** Like `which`, but throws a `MissingBinaryError` naming the install command. */
export function requireBinary(
  name: string,
  installCommand: string,
  extraDirs: readonly string[] = [],
): string {
  const file = which(name, extraDirs);
  if (!file) throw new MissingBinaryError(name, installCommand);
  return file;
}

/** PostgreSQL's server binaries live in /usr/lib/postgresql/<version>/bin on Debian; newest version first. */
export function postgresBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  let versions: string[];
  try {
    versions = readdirSync(root);
  } catch {
    return [];
  }
  return versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    .map((v) => join(root, v, 'bin'));
}

export const INSTALL = {
  redis: 'apt-get install -y redis-server',
  memcached: 'apt-get install -y memcached',
  postgres: 'apt-get install -y postgresql',
  mariadb: 'apt-get install -y mariadb-server',
  java: 'apt-get install -y openjdk-17-jre-headless',
} as const;
