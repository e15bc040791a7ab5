// Clients built the way the README recommends, and small tools the backend tests share.

import net from 'node:net';
import type { Logger, SessionsOptions } from '@sess/core';
import { SessionStoreUnavailable, Sessions } from '@sess/core';
import { deadlineQueue } from '@sess/core/runtime';
import { type RedisNodeInfo, whileFrozen } from '@sess/test-servers';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { Client } from 'memjs';
import { expect } from 'vitest';

export const SECRET_KEY = 'engine-cache-test-secret-key-0123456789-abcdefghijklmnopqrstuv';

/** The ioredis options the README recommends for session clients: fail fast instead of queueing. */
/** ioredis options as its constructor accepts them under `exactOptionalPropertyTypes`. */
export type ClientOptions = Omit<RedisOptions, 'replyMapping'>;

export const RECOMMENDED_REDIS: ClientOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  lazyConnect: true,
};

export async function redisClient(url: string, options: ClientOptions = RECOMMENDED_REDIS): Promise<Redis> {
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

export function makeSessions(
  engine: SessionsOptions['engine'],
  extra: Partial<SessionsOptions> = {},
): Sessions {
  return new Sessions({ engine, secretKey: SECRET_KEY, logger: silentLogger, ...extra });
}

/** Saves `count` new sessions, the i-th holding `{ [field]: i }`; resolves with their keys in order. */
export async function saveNumbered(sessions: Sessions, count: number, field = 'n'): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = sessions.open();
    s.set(field, i);
    await s.save();
    keys.push(s.sessionKey!);
  }
  return keys;
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

/** A store failure as the middleware maps it: `SessionStoreUnavailable`, status 503. */
export function expectUnavailable(error: Error): void {
  expect(error).toBeInstanceOf(SessionStoreUnavailable);
  expect((error as SessionStoreUnavailable).status).toBe(503);
}

/**
 * Saves five sessions, freezes the server (SIGSTOP), and checks that five loads and a create in flight all
 * fail at their deadline with `message`, that the shared deadline timer lets go of the process once the
 * server is back (SIGCONT), and that the data is still there.
 */
export async function expectFrozenCallsExpire(
  sessions: Sessions,
  pid: number,
  timeoutMs: number,
  message: RegExp,
): Promise<void> {
  const saved = await saveNumbered(sessions, 5, 'i');
  await whileFrozen(pid, async () => {
    const loads = saved.map((key) => rejection(sessions.open(key).load()));
    const fresh = sessions.open();
    fresh.set('x', 1);
    const errors = await Promise.all([...loads, rejection(fresh.save())]);
    for (const error of errors) {
      expectUnavailable(error);
      expect(error.message).toMatch(message);
    }
  });
  expect(deadlineQueue(timeoutMs).size).toBe(0);
  expect(deadlineQueue(timeoutMs).holdsProcess).toBe(false);
  expect((await sessions.open(saved[3]).load()).get('i')).toBe(3);
}

/** Runs one text-protocol command on a memcached server and resolves with its reply up to `END`. */
export function memcachedText(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (/(^|\n)(END|ERROR[^\r\n]*|BUSY[^\r\n]*)\r\n$/.test(reply)) {
        socket.end();
        resolve(reply);
      }
    });
    socket.write(`${command}\r\n`);
  });
}

/** Absolute expiry (Unix seconds) of every item on a memcached server, from `lru_crawler metadump all`. */
export async function memcachedExpiries(port: number): Promise<Map<string, number>> {
  const dump = await memcachedText(port, 'lru_crawler metadump all');
  const expiries = new Map<string, number>();
  for (const line of dump.split(/\r?\n/)) {
    const match = /^key=(\S+) exp=(-?\d+)/.exec(line);
    if (match) expiries.set(decodeURIComponent(match[1]!), Number(match[2]));
  }
  return expiries;
}
