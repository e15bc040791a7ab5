/**
 * An in-process cache backend: a bounded LRU with per-entry TTL (lru-cache). Not shared between processes.
 * It keeps the byte arrays it is given and hands out the same arrays (no copies: the session engine never
 * modifies them); code that uses the backend directly must not modify them either. The session engine
 * stores the serializer's text instead where the serializer writes text (JSON); `get` still answers bytes.
 */
import type { CacheBackend, Clock } from '@sess/core';
import { ImproperlyConfigured } from '@sess/core';
import { latin1Encode } from '@sess/core/runtime';
import { LRUCache } from 'lru-cache';
import { SYNC_CACHE, type SyncCache, type WithSyncCache } from './sync.js';

export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used are evicted beyond it (those visitors get a new session). Default 10 000. */
  max?: number;
  /** Most bytes of session data kept in total. Default 64 MiB. */
  maxBytes?: number;
  /** Time source for TTLs; defaults to the system clock. */
  clock?: Clock;
}

export class MemoryCache implements CacheBackend, WithSyncCache {
  readonly name = 'memory';
  readonly #lru: LRUCache<string, Uint8Array | string>;
  readonly #sync: SyncCache;

  constructor(options: MemoryCacheOptions = {}) {
    const { max = 10_000, maxBytes = 64 * 1024 * 1024, clock } = options;
    if (!Number.isSafeInteger(max) || max < 1)
      throw new ImproperlyConfigured('memoryCache: `max` must be a positive integer');
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new ImproperlyConfigured('memoryCache: `maxBytes` must be a positive integer');
    }
    const lru = new LRUCache<string, Uint8Array | string>({
      max,
      maxSize: maxBytes,
      sizeCalculation: (value, key) => value.length + key.length,
      ...(clock ? { perf: { now: () => clock.now() } } : {}),
    });
    this.#lru = lru;
    this.#sync = {
      get: (key) => lru.get(key) ?? null,
      add(key, value, ttlSeconds) {
        if (lru.has(key)) return false;
        lru.set(key, value, { ttl: ttlSeconds * 1000 });
        return true;
      },
      replace(key, value, ttlSeconds) {
        if (!lru.has(key)) return false;
        lru.set(key, value, { ttl: ttlSeconds * 1000 });
        return true;
      },
    };
  }

  async get(key: string): Promise<Uint8Array | null> {
    const value = this.#sync.get(key);
    return typeof value === 'string' ? latin1Encode(value) : value;
  }

  async add(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    return this.#sync.add(key, value, ttlSeconds);
  }

  async replace(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    return this.#sync.replace(key, value, ttlSeconds);
  }

  async set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    this.#lru.set(key, value, { ttl: ttlSeconds * 1000 });
  }

  async delete(key: string): Promise<void> {
    this.#lru.delete(key);
  }

  async has(key: string): Promise<boolean> {
    return this.#lru.has(key);
  }

  /** Number of live entries (for tests and the inspector). */
  get size(): number {
    return this.#lru.size;
  }

  async close(): Promise<void> {
    this.#lru.clear();
  }

  [SYNC_CACHE](): SyncCache | null {
    // Only while get/add/replace are this class's own: a subclass or a spy that changes them is honoured.
    return this.get === proto.get && this.add === proto.add && this.replace === proto.replace
      ? this.#sync
      : null;
  }
}

const proto = MemoryCache.prototype;

export function memoryCache(options?: MemoryCacheOptions): MemoryCache {
  return new MemoryCache(options);
}
