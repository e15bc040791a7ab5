// Several servers at once, started in parallel.
import { type DynamoDbInfo, type DynamoDbServer, startDynamoDb } from './dynamodb.js';
import { type MariadbInfo, type MariadbServer, startMariadb } from './mariadb.js';
import { type MemcachedInfo, type MemcachedServer, startMemcached } from './memcached.js';
import { type PostgresInfo, type PostgresServer, startPostgres } from './postgres.js';
import { type RedisInfo, type RedisServer, startRedis } from './redis.js';
import { type RedisClusterInfo, type RedisClusterServer, startRedisCluster } from './redis-cluster.js';

/** Every server by name: its handle. */
export interface ServerHandles {
  redis: RedisServer;
  redisCluster: RedisClusterServer;
  memcached: MemcachedServer;
  postgres: PostgresServer;
  mariadb: MariadbServer;
  dynamodb: DynamoDbServer;
}

/** Every server by name: its JSON-serialisable connection info (what globalSetup provides). */
export interface ServerInfos {
  redis: RedisInfo;
  redisCluster: RedisClusterInfo;
  memcached: MemcachedInfo;
  postgres: PostgresInfo;
  mariadb: MariadbInfo;
  dynamodb: DynamoDbInfo;
}

export type ServerName = keyof ServerHandles;

export const SERVER_NAMES: readonly ServerName[] = [
  'redis',
  'redisCluster',
  'memcached',
  'postgres',
  'mariadb',
  'dynamodb',
];

const starters: { [K in ServerName]: () => Promise<ServerHandles[K]> } = {
  redis: () => startRedis(),
  redisCluster: () => startRedisCluster(),
  memcached: () => startMemcached(),
  postgres: () => startPostgres(),
  mariadb: () => startMariadb(),
  dynamodb: () => startDynamoDb(),
};

export interface StartedServers<N extends ServerName> {
  /** The handles (with `stop()`, and `restart()` for redis and memcached). */
  servers: Pick<ServerHandles, N>;
  /** Plain connection info per server. */
  info: Pick<ServerInfos, N>;
  /** Stops every server started here, in parallel. */
  stopAll(): Promise<void>;
}

/**
 * Starts the named servers in parallel. If any fails, the others are stopped and the error (every failure's
 * message) is thrown.
 */
export async function startServers<const N extends ServerName>(
  names: readonly N[],
): Promise<StartedServers<N>> {
  const unique = [...new Set(names)];
  for (const name of unique) {
    if (!(name in starters)) throw new Error(`unknown server '${name}'; known: ${SERVER_NAMES.join(', ')}`);
  }
  const results = await Promise.allSettled(unique.map((name) => starters[name]()));
  const started: { stop(): Promise<void> }[] = results.flatMap((r) =>
    r.status === 'fulfilled' ? [r.value] : [],
  );
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.map((s) => s.stop()));
  };
  const failures = results.flatMap((r, i) =>
    r.status === 'rejected' ? [{ name: unique[i], error: r.reason }] : [],
  );
  if (failures.length > 0) {
    await stopAll();
    const message = failures
      .map((f) => `${f.name}: ${f.error instanceof Error ? f.error.message : String(f.error)}`)
      .join('\n\n');
    throw new AggregateError(
      failures.map((f) => f.error),
      `could not start ${failures.map((f) => f.name).join(', ')}:\n${message}`,
    );
  }
  const servers: Partial<ServerHandles> = {};
  const info: Partial<ServerInfos> = {};
  unique.forEach((name, i) => {
    const result = results[i];
    if (result?.status !== 'fulfilled') return;
    assign(servers, info, name, result.value);
  });
  return { servers: servers as Pick<ServerHandles, N>, info: info as Pick<ServerInfos, N>, stopAll };
}

function assign<K extends ServerName>(
  servers: Partial<ServerHandles>,
  info: Partial<ServerInfos>,
  name: K,
  handle: ServerHandles[K] | ServerHandles[ServerName],
): void {
  servers[name] = handle as ServerHandles[K];
  info[name] = handle.info as ServerInfos[K];
}
