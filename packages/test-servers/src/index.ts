// @sess/test-servers: real servers on loopback ports for the engines' test suites.
export { INSTALL, MissingBinaryError } from './binaries.js';
export {
  type DynamoDbInfo,
  type DynamoDbServer,
  findDynamoDbLocalJar,
  type StartDynamoDbOptions,
  startDynamoDb,
} from './dynamodb.js';
export { type MariadbInfo, type MariadbServer, type StartMariadbOptions, startMariadb } from './mariadb.js';
export {
  type MemcachedInfo,
  type MemcachedServer,
  type StartMemcachedOptions,
  startMemcached,
} from './memcached.js';
export { getFreePort, getFreePorts, HOST, isPortOpen } from './ports.js';
export {
  type PostgresInfo,
  type PostgresServer,
  type StartPostgresOptions,
  startPostgres,
} from './postgres.js';
export {
  isProcessAlive,
  killAllSync,
  pidfileDir,
  reapOrphans,
  ServerStartError,
  whileFrozen,
} from './process.js';
export { type RedisInfo, type RedisServer, type StartRedisOptions, startRedis } from './redis.js';
export {
  type RedisClusterInfo,
  type RedisClusterServer,
  type RedisNodeInfo,
  type StartRedisClusterOptions,
  startRedisCluster,
} from './redis-cluster.js';
export {
  SERVER_NAMES,
  type ServerHandles,
  type ServerInfos,
  type ServerName,
  type StartedServers,
  startServers,
} from './servers.js';
export { defineServersSetup, type ProvideTarget } from './setup.js';
