/** The storage directory, checked once, synchronously, when the engine is built. */
import { accessSync, chmodSync, constants, mkdirSync, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImproperlyConfigured } from '@sess/core';

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Resolves `path` (default: the OS temp directory, as Django) to a real absolute directory this process
 * can read and write, creating it with mode 0700 when `create` is set. Anything else is
 * `ImproperlyConfigured`, naming the path and what to do.
 */
export function prepareDirectory(path: string | URL | undefined, create: boolean): string {
  let requested: string;
  if (path === undefined) requested = tmpdir();
  else if (path instanceof URL) requested = fileURLToPath(path);
  else if (typeof path === 'string' && path !== '' && !path.includes('\0')) requested = path;
  else
    throw new ImproperlyConfigured(
      'fileEngine: `path` must be a directory path (a non-empty string or a file: URL)',
    );

  const absolute = resolve(requested);
  let stats = statSync(absolute, { throwIfNoEntry: false });
  if (!stats) {
    if (!create) {
      throw new ImproperlyConfigured(
        `fileEngine: the session storage path ${JSON.stringify(absolute)} doesn't exist. Set \`path\` to an existing directory in which sessions can be stored, or pass \`create: true\` to create it (mode 0700).`,
      );
    }
    makeDirectory(absolute);
    stats = statSync(absolute);
  }
  if (!stats.isDirectory()) {
    throw new ImproperlyConfigured(
      `fileEngine: the session storage path ${JSON.stringify(absolute)} is not a directory`,
    );
  }
  try {
    accessSync(absolute, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new ImproperlyConfigured(
      `fileEngine: the session storage path ${JSON.stringify(absolute)} is not readable and writable by this process (${describe(error)}); fix its owner or mode (0700 for the user the app runs as)`,
      { cause: error },
    );
  }
  return realpathSync(absolute);
}

function makeDirectory(absolute: string): void {
  let first: string | undefined;
  try {
    first = mkdirSync(absolute, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new ImproperlyConfigured(
      `fileEngine: cannot create the session storage path ${JSON.stringify(absolute)} (${describe(error)})`,
      { cause: error },
    );
  }
  // mkdir's mode passes through the umask; set 0700 explicitly on every directory created here.
  if (first === undefined) return;
  for (let dir = absolute; ; dir = dirname(dir)) {
    chmodSync(dir, 0o700);
    if (dir === first || dirname(dir) === dir) break;
  }
}
