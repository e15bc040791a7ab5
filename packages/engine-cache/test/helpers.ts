// Clients built the way the README recommends, and small tools the backend tests share.
import type { Logger, SessionsOptions } from '@sess/core';
import { Sessions } from '@sess/core';
import type { RedisNodeInfo } from '@sess/test-servers';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { Client } from 'memjs';

export const SECRET_KEY = 'engine-cache-test-secret-key-0123456789-abcdefghijklmnopqrstuv';

/** The ioredis options the README recommends for session clients: fail fast instead of queueing. */
export const RECOMMENDED_REDIS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  lazyConnect: true,
};

export async function redisClient(url: string, options: RedisOptions = RECOMMENDED_REDIS): Promise<Redis> {
  const client = new Redis(url, options);
  client.on('error', () => {}); // connection errors reach the calls; the event is expected while a server is down
  if (options.lazyConnect) await client.connect();
  return client;
}

export async function redisClusterClient(nodes: RedisNodeInfo[]): Promise<Cluster> {
  const cluster = new Cluster(nodes, {
    enableOfflineQueue: false,
    lazyConnect: true,
    redisOptions: { maxRetriesPerRequest: 1 },
  });
  cluster.on('error', () => {});
  await cluster.connect();
  return cluster;
}

export const quietMemjsLogger = { log() {} };

/** A memjs client over `servers` ('host:port,host:port'), with the README's options. */
export function memcachedClient(servers: string): Client {
  return Client.create(servers, { retries: 1, timeout: 0.5, logger: quietMemjsLogger });
}

/** Resolves with memjs `stats()` of every server, by 'host:port'. */
export function memcachedStats(client: Client): Promise<Map<string, Record<string, string>>> {
  return new Promise((resolve, reject) => {
    const all = new Map<string, Record<string, string>>();
    client.stats((error, server, stats) => {
      if (error || !stats) return reject(error ?? new Error(`no stats from ${server}`));
      all.set(server, stats);
      if (all.size === client.servers.length) resolve(all);
    });
  });
}

export const silentLogger: Logger = { warn() {}, error() {}, info() {}, debug() {} };

export function makeSessions(engine: SessionsOptions['engine'], extra: Partial<SessionsOptions> = {}): Sessions {
  return new Sessions({ engine, secretKey: SECRET_KEY, logger: silentLogger, ...extra });
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
