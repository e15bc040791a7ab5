// A real 3-master Redis Cluster on loopback: three redis-server nodes, slots assigned with
// CLUSTER ADDSLOTSRANGE, joined with CLUSTER MEET, ready when every node reports cluster_state:ok.
// (Redis itself holds a fresh master back ~2 s before it reports ok; budget for it once per suite.)
import { INSTALL, requireBinary } from './binaries.js';
import { getFreePorts, HOST } from './ports.js';
import { reapOrphans, type ServerProcess, ServerStartError } from './process.js';
import { launchRedis } from './redis.js';
import { redisCommand } from './resp.js';

export interface RedisNodeInfo {
  host: string;
  port: number;
}

export interface RedisClusterInfo {
  /** The masters, e.g. for `new Redis.Cluster(nodes)`. */
  nodes: RedisNodeInfo[];
}

export interface StartRedisClusterOptions {
  /** Number of masters (default 3). */
  masters?: number;
  /** Timeout for the nodes to start and the cluster to report ok (default 30 s). */
  timeoutMs?: number;
}

export interface RedisClusterServer extends RedisClusterInfo {
  readonly info: RedisClusterInfo;
  /** PIDs of the running nodes. */
  readonly pids: number[];
  stop(): Promise<void>;
}

const SLOTS = 16384;

class RedisClusterImpl implements RedisClusterServer {
  constructor(
    readonly nodes: RedisNodeInfo[],
    private readonly procs: ServerProcess[],
  ) {}

  get info(): RedisClusterInfo {
    return { nodes: this.nodes.map((n) => ({ host: n.host, port: n.port })) };
  }

  get pids(): number[] {
    return this.procs.filter((p) => p.running).map((p) => p.pid);
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
  }

  toJSON(): RedisClusterInfo {
    return this.info;
  }
}

async function clusterReady(ports: readonly number[]): Promise<boolean> {
  const infos = await Promise.all(ports.map((port) => redisCommand(port, ['CLUSTER', 'INFO'])));
  return infos.every(
    (info) =>
      typeof info === 'string' &&
      /cluster_state:ok/.test(info) &&
      new RegExp(`cluster_known_nodes:${ports.length}\\b`).test(info),
  );
}

async function tryStartCluster(masters: number, timeoutMs: number): Promise<RedisClusterImpl> {
  const deadline = Date.now() + timeoutMs;
  const ports = await getFreePorts(masters * 2);
  const dataPorts = ports.slice(0, masters);
  const busPorts = ports.slice(masters);
  const results = await Promise.allSettled(
    dataPorts.map((port, i) =>
      launchRedis(
        'redis-cluster',
        port,
        [
          '--cluster-enabled',
          'yes',
          '--cluster-port',
          String(busPorts[i]),
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '2000',
        ],
        timeoutMs,
      ),
    ),
  );
  const procs = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const cluster = new RedisClusterImpl(
    dataPorts.map((port) => ({ host: HOST, port })),
    procs,
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await cluster.stop();
    throw failed.reason;
  }
  try {
    const per = Math.floor(SLOTS / masters);
    await Promise.all(
      dataPorts.map((port, i) => {
        const first = i * per;
        const last = i === masters - 1 ? SLOTS - 1 : first + per - 1;
        return redisCommand(port, ['CLUSTER', 'ADDSLOTSRANGE', first, last]);
      }),
    );
    const [firstPort, ...others] = dataPorts;
    const firstBus = busPorts[0];
    if (firstPort === undefined || firstBus === undefined) throw new Error('no cluster nodes');
    await Promise.all(
      others.map((port) => redisCommand(port, ['CLUSTER', 'MEET', HOST, firstPort, firstBus])),
    );
    for (;;) {
      if (await clusterReady(dataPorts).catch(() => false)) break;
      const dead = procs.find((p) => !p.running);
      if (dead) {
        throw new ServerStartError(`redis-cluster: node ${dead.pid} ${dead.exitDescription}`, dead.output());
      }
      if (Date.now() > deadline) {
        const states = await Promise.all(
          dataPorts.map((port) => redisCommand(port, ['CLUSTER', 'INFO']).catch((e: Error) => e.message)),
        );
        throw new ServerStartError(
          `redis-cluster: cluster_state not ok on every node after ${timeoutMs} ms`,
          states.map((s, i) => `node ${dataPorts[i]}:\n${String(s)}`).join('\n'),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** Starts a Redis Cluster of `masters` (3) masters on 127.0.0.1, no replicas. Needs `redis-server`. */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisClusterServer> {
  requireBinary('redis-server', INSTALL.redis);
  await reapOrphans();
  const masters = options.masters ?? 3;
  const timeoutMs = options.timeoutMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryStartCluster(masters, timeoutMs);
    } catch (error) {
      if (attempt >= 5 || !(error instanceof ServerStartError) || !error.addressInUse) throw error;
    }
  }
}
