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
import type { Cluster, Redis } from 'ioredis';
import { boundedCall, checkTimeout } from './index.js';

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
  readonly #timeoutMs: number;

  constructor(client: RedisClient, options: RedisCacheOptions = {}) {
    const candidate = client as Partial<Redis> | null | undefined;
    if (!candidate || typeof candidate.getBuffer !== 'function' || typeof candidate.set !== 'function') {
      throw new ImproperlyConfigured(
        'redisCache: `client` must be an ioredis client, e.g. new Redis(url) or new Redis.Cluster(nodes)',
      );
    }
    this.client = client;
    this.name = client.isCluster ? 'redis-cluster' : 'redis';
    this.#timeoutMs = checkTimeout('redisCache', options.timeoutMs);
  }

  get(key: string): Promise<Uint8Array | null> {
    return this.#call('GET', () => this.client.getBuffer(key));
  }

  async add(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    const reply = await this.#call('SET NX', () =>
      this.client.set(key, toBuffer(value), 'EX', seconds(ttlSeconds), 'NX'),
    );
    return reply === 'OK';
  }

  async replace(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    const reply = await this.#call('SET XX', () =>
      this.client.set(key, toBuffer(value), 'EX', seconds(ttlSeconds), 'XX'),
    );
    return reply === 'OK';
  }

  async set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    await this.#call('SET', () => this.client.set(key, toBuffer(value), 'EX', seconds(ttlSeconds)));
  }

  async delete(key: string): Promise<void> {
    await this.#call('DEL', () => this.client.del(key));
  }

  async has(key: string): Promise<boolean> {
    return (await this.#call('EXISTS', () => this.client.exists(key))) > 0;
  }

  #call<T>(command: string, call: () => Promise<T>): Promise<T> {
    return boundedCall(`${this.name} ${command}`, this.#timeoutMs, call);
  }
}

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
