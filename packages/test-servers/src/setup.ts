// vitest 4 globalSetup: start servers once per test run, provide their info to the tests (`inject`).

import type { ProvidedContext } from 'vitest';
import type { TestProject } from 'vitest/node';
import { type ServerInfos, type ServerName, startServers } from './servers.js';

declare module 'vitest' {
  // Every server's info, under its name (`inject('redis')`).
  export interface ProvidedContext extends ServerInfos {}
}

/** What a globalSetup function needs of vitest's TestProject. */
export type ProvideTarget = Pick<TestProject, 'provide'>;

/**
 * A vitest globalSetup function that starts `names` in parallel, provides each one's info under its name
 * (`inject('redis')`, `inject('postgres')`…) and returns the teardown that stops them.
 *
 * ```ts
 * // test/global-setup.ts
 * import { defineServersSetup } from '@sess/test-servers';
 * export default defineServersSetup(['redis', 'memcached']);
 * ```
 */
export function defineServersSetup(
  names: readonly ServerName[],
): (project: ProvideTarget) => Promise<() => Promise<void>> {
  return async function setup(project) {
    const started = await startServers(names);
    const info: Partial<ServerInfos> = started.info;
    for (const name of names) provideOne(project, name, info);
    return () => started.stopAll();
  };
}

function provideOne<K extends ServerName>(project: ProvideTarget, name: K, info: Partial<ServerInfos>): void {
  const value = info[name];
  if (value !== undefined) project.provide(name, value as ProvidedContext[K]);
}
