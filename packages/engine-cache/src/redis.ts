/**
 * A cache backend over an injected ioredis client: standalone `Redis` or `Cluster` (every command touches one
 * key, so a cluster needs nothing special). Values are bytes, read with `getBuffer`.
 *
 * Must-create is `SET key value EX ttl NX` and a save is `SET key value EX ttl XX`: one atomic command each,
 * so a session deleted meanwhile is never brought back, not even by a write that ioredis queued while
 * disconnected and replays after reconnecting.
 */
import { isAscii } from 'node:buffer';
import type { CacheBackend } from '@sess/core';
import { ImproperlyConfigured } from '@sess/core';
import { bounded, type DeadlineQueue, deadlineQueue, same } from '@sess/core/runtime';
import type { Cluster, Redis } from 'ioredis';
import { checkTimeout } from './index.js';

/** An ioredis client: `new Redis(...)` or `new Redis.Cluster(...)`. */
export type RedisClient = Redis | Cluster;

export interface RedisCacheOptions {
  /**
   * Most milliseconds one command may take (queued, sent and answered) before the call fails with
   * `SessionStoreUnavailable`. Default 1000. ioredis's own `commandTimeout` does not cover commands waiting
   * in its offline queue, so this bound is enforced here.
   */
  timeoutMs?: number;
}

export class RedisCache implements CacheBackend {
  readonly name: 'redis' | 'redis-cluster';
  /** The injected client; `close()` leaves it open (the application owns it). */
  readonly client: RedisClient;
  readonly #deadlines: DeadlineQueue;
  readonly #what: Record<'get' | 'add' | 'replace' | 'set' | 'delete' | 'has', string>;

  constructor(client: RedisClient, options: RedisCacheOptions = {}) {
    const candidate = client as Partial<Redis> | null | undefined;
    if (!candidate || typeof candidate.getBuffer !== 'function' || typeof candidate.set !== 'function') {
      throw new ImproperlyConfigured(
        'redisCache: `client` must be an ioredis client, e.g. new Redis(url) or new Redis.Cluster(nodes)',
      );
    }
    this.client = client;
    const name = client.isCluster ? 'redis-cluster' : 'redis';
    this.name = name;
    this.#deadlines = deadlineQueue(checkTimeout('redisCache', options.timeoutMs));
    this.#what = {
      get: `${name} GET`,
      add: `${name} SET NX`,
      replace: `${name} SET XX`,
      set: `${name} SET`,
      delete: `${name} DEL`,
      has: `${name} EXISTS`,
    };
  }

  get(key: string): Promise<Uint8Array | null> {
    return bounded(this.#deadlines, this.#what.get, () => this.client.getBuffer(key), same);
  }

  add(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    return this.#setIf('NX', key, value, ttlSeconds);
  }

  replace(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    return this.#setIf('XX', key, value, ttlSeconds);
  }

  /** `SET … EX ttl NX` (add) or `XX` (replace): true when Redis stored it. */
  #setIf(condition: 'NX' | 'XX', key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    const what = condition === 'NX' ? this.#what.add : this.#what.replace;
    const buffer = toBuffer(value);
    const ttl = seconds(ttlSeconds);
    return bounded(
      this.#deadlines,
      what,
      // ioredis types each flag as its own overload; 'XX' takes the same arguments.
      () => this.client.set(key, buffer, 'EX', ttl, condition as 'NX'),
      isOk,
    );
  }

  set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    return bounded(
      this.#deadlines,
      this.#what.set,
      () => this.client.set(key, toBuffer(value), 'EX', seconds(ttlSeconds)),
      nothing,
    );
  }

  delete(key: string): Promise<void> {
    return bounded(this.#deadlines, this.#what.delete, () => this.client.del(key), nothing);
  }

  has(key: string): Promise<boolean> {
    return bounded(
      this.#deadlines,
      this.#what.has,
      () => this.client.exists(key),
      (count) => count > 0,
    );
  }
}

const isOk = (reply: string | null): boolean => reply === 'OK';
const nothing = (): void => undefined;

/** A cache backend over an ioredis client or Cluster, for `cacheEngine({ backend })`. */
export function redisCache(client: RedisClient, options?: RedisCacheOptions): RedisCache {
  return new RedisCache(client, options);
}

/**
 * The value as ioredis sends it. ASCII (all JSON sessions) goes as a string, which ioredis writes in one
 * socket write where a Buffer argument takes several; ASCII is the same bytes in UTF-8, so Redis stores
 * exactly these bytes either way. Anything else (pickle) goes as a Buffer.
 */
function toBuffer(value: Uint8Array): Buffer | string {
  const buffer = Buffer.isBuffer(value)
    ? value
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return isAscii(buffer) ? buffer.toString('latin1') : buffer;
}

/** Redis `EX` takes a positive integer; never round a live session down to "expire now". */
function seconds(ttlSeconds: number): number {
  return Math.max(1, Math.ceil(ttlSeconds));
}
