// One Redis, one 3-master Redis Cluster and three Memcached servers for the whole run. Tests that stop and
// restart a server start their own (the handles of these live in the globalSetup process).
import type { MemcachedInfo } from '@sess/test-servers';
import { startMemcached, startServers } from '@sess/test-servers';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Three memcached servers (the first is also `inject('memcached')`). */
    memcachedPool: MemcachedInfo[];
  }
}

export default async function setup(project: Pick<TestProject, 'provide'>): Promise<() => Promise<void>> {
  const [main, ...extra] = await Promise.allSettled([
    startServers(['redis', 'redisCluster', 'memcached']),
    startMemcached(),
    startMemcached(),
  ]);
  const stopAll = async () => {
    await Promise.all([
      main.status === 'fulfilled' ? main.value.stopAll() : undefined,
      ...extra.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)),
    ]);
  };
  const failure = [main, ...extra].find((r) => r.status === 'rejected');
  if (failure || main.status !== 'fulfilled') {
    await stopAll();
    throw failure?.reason;
  }
  const { info } = main.value;
  project.provide('redis', info.redis);
  project.provide('redisCluster', info.redisCluster);
  project.provide('memcached', info.memcached);
  project.provide('memcachedPool', [
    info.memcached,
    ...extra.flatMap((r) => (r.status === 'fulfilled' ? [r.value.info] : [])),
  ]);
  return stopAll;
}
