/** Finds and imports the application's configuration: an ES module whose default export is a `Sessions`. */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Sessions } from '@sess/core';

/** Looked for in the working directory when no `--config` is given. */
export const DEFAULT_CONFIG_FILES = ['sess.config.mjs', 'sess.config.js'] as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function isSessions(value: unknown): value is Sessions {
  const v = value as Partial<Sessions> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.open === 'function' &&
    typeof v.clearExpired === 'function' &&
    typeof v.engine === 'object' &&
    v.engine !== null
  );
}

/** The config file to load: `--config`, else the first default present in `cwd`. */
export function findConfig(option: string | undefined, cwd: string): string {
  if (option !== undefined) {
    const path = isAbsolute(option) ? option : resolve(cwd, option);
    if (!existsSync(path)) throw new ConfigError(`config file not found: ${path}`);
    return path;
  }
  for (const name of DEFAULT_CONFIG_FILES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  throw new ConfigError(
    `no configuration: pass --config <file>, or create ${DEFAULT_CONFIG_FILES[0]} in ${cwd} default-exporting your Sessions`,
  );
}

/** Imports `path` and returns its default export (a `Sessions`, or a function returning one). */
export async function loadSessions(path: string): Promise<Sessions> {
  const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  let value = mod.default;
  if (typeof value === 'function') value = await (value as () => unknown)();
  if (!isSessions(value)) {
    throw new ConfigError(
      `${path} must default-export a Sessions instance: export default new Sessions({ engine, secretKey })`,
    );
  }
  return value;
}
