/**
 * A cache backend over an injected memjs client, on one server or several (memjs spreads keys across them by
 * hash). Must-create is `add`, a save is `replace` (both atomic on the server, so a session deleted meanwhile
 * is never brought back).
 *
 * Memcached's own rules are enforced before anything is sent: keys of at most 250 bytes without whitespace
 * or control characters (CVE-2020-13254), items no larger than the server's item size limit
 * (`SessionTooLarge`), and TTLs over 30 days sent as absolute Unix times, as memcached reads them.
 */
import type { CacheBackend, Clock } from '@sess/core';
import { ImproperlyConfigured, InvalidSessionKey, SessionTooLarge, systemClock } from '@sess/core';
import { type DeadlineQueue, deadlineQueue, PendingCall } from '@sess/core/runtime';
import type { Client } from 'memjs';
import { checkTimeout } from './index.js';

export { memjsItemFlags, PYTHON_PICKLE_FLAG } from './memcached-flags.js';

/** A memjs client: `memjs.Client.create('host1:11211,host2:11211', options)`. */
export type MemcachedClient = Client;

/** Memcached's longest key, in bytes. */
export const MEMCACHED_MAX_KEY_LENGTH = 250;
/** Memcached reads an expiration above 30 days (in seconds) as an absolute Unix time. */
export const MEMCACHED_MAX_RELATIVE_TTL = 60 * 60 * 24 * 30;
/** Memcached's default item size limit (`-I 1m`). */
export const MEMCACHED_DEFAULT_MAX_ITEM_SIZE = 1024 * 1024;
/**
 * Bytes memcached adds to key + value when it sizes an item (header, CAS, terminators): measured 59 on
 * memcached 1.6 with `-I 1m` and `-I 2m`; rounded up so a size we accept is one the server accepts.
 */
export const MEMCACHED_ITEM_OVERHEAD = 64;

export interface MemcachedCacheOptions {
  /** Most milliseconds one call may take (memjs retries included) before `SessionStoreUnavailable`. Default 1000. */
  timeoutMs?: number;
  /**
   * The servers' item size limit in bytes (memcached's `-I`), default 1 MiB. A session whose key, value and
   * item header exceed it raises `SessionTooLarge` and is never sent.
   */
  maxItemSize?: number;
  /** Time source for converting TTLs over 30 days to absolute Unix times; defaults to the system clock. */
  clock?: Clock;
}

export class MemcachedCache implements CacheBackend {
  readonly name = 'memcached';
  /** The injected client; `close()` leaves it open (the application owns it). */
  readonly client: MemcachedClient;
  readonly maxItemSize: number;
  readonly #deadlines: DeadlineQueue;
  readonly #clock: Clock;

  constructor(client: MemcachedClient, options: MemcachedCacheOptions = {}) {
    const candidate = client as Partial<Client> | null | undefined;
    if (!candidate || typeof candidate.add !== 'function' || typeof candidate.replace !== 'function') {
      throw new ImproperlyConfigured(
        "memcachedCache: `client` must be a memjs client, e.g. memjs.Client.create('127.0.0.1:11211')",
      );
    }
    const { maxItemSize = MEMCACHED_DEFAULT_MAX_ITEM_SIZE, clock = systemClock } = options;
    if (
      !Number.isSafeInteger(maxItemSize) ||
      maxItemSize <= MEMCACHED_ITEM_OVERHEAD + MEMCACHED_MAX_KEY_LENGTH
    ) {
      throw new ImproperlyConfigured(
        'memcachedCache: `maxItemSize` must be a whole number of bytes, e.g. 1048576 for `-I 1m`',
      );
    }
    this.client = client;
    this.maxItemSize = maxItemSize;
    this.#deadlines = deadlineQueue(checkTimeout('memcachedCache', options.timeoutMs));
    this.#clock = clock;
  }

  // memjs's callback API, not its promises: memjs wraps each callback call in a new Promise and an object.
  // The key and size checks reject before a call starts; a call starts its deadline before it is sent (memjs
  // may answer synchronously, e.g. when no server is available).
  get(key: string): Promise<Uint8Array | null> {
    try {
      checkKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const call = new PendingCall<Uint8Array | null>(this.#deadlines, 'memcached get');
    try {
      this.client.get(key, (error, value) => (error ? call.fail(error) : call.succeed(value)));
    } catch (error) {
      call.fail(error);
    }
    return call.promise;
  }

  add(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    return this.#store('add', key, value, ttlSeconds);
  }

  replace(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    return this.#store('replace', key, value, ttlSeconds);
  }

  async set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    await this.#store('set', key, value, ttlSeconds);
  }

  delete(key: string): Promise<void> {
    try {
      checkKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const call = new PendingCall<void>(this.#deadlines, 'memcached delete');
    try {
      this.client.delete(key, (error) => (error ? call.fail(error) : call.succeed(undefined)));
    } catch (error) {
      call.fail(error);
    }
    return call.promise;
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== null;
  }

  #store(
    command: 'add' | 'replace' | 'set',
    key: string,
    value: Uint8Array,
    ttlSeconds: number,
  ): Promise<boolean> {
    let item: Buffer;
    try {
      item = this.#item(key, value);
    } catch (error) {
      return Promise.reject(error);
    }
    const call = new PendingCall<boolean>(this.#deadlines, `memcached ${command}`);
    try {
      this.client[command](key, item, { expires: this.#expires(ttlSeconds) }, (error, stored) =>
        error ? call.fail(tooLarge(error, item, this.maxItemSize)) : call.succeed(stored === true),
      );
    } catch (error) {
      call.fail(error);
    }
    return call.promise;
  }

  /** The expiration memcached expects: seconds up to 30 days, an absolute Unix time beyond. */
  #expires(ttlSeconds: number): number {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    return ttl <= MEMCACHED_MAX_RELATIVE_TTL ? ttl : Math.floor(this.#clock.now() / 1000) + ttl;
  }

  #item(key: string, value: Uint8Array): Buffer {
    checkKey(key);
    const size = Buffer.byteLength(key) + value.byteLength + MEMCACHED_ITEM_OVERHEAD;
    if (size > this.maxItemSize) {
      throw new SessionTooLarge(
        `the session is too large for memcached: ${size} bytes as an item, the limit is ${this.maxItemSize} (raise memcached's -I and the \`maxItemSize\` option, or store less in the session)`,
        size,
        this.maxItemSize,
      );
    }
    return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
}

/** A cache backend over a memjs client, for `cacheEngine({ backend })`. */
export function memcachedCache(client: MemcachedClient, options?: MemcachedCacheOptions): MemcachedCache {
  return new MemcachedCache(client, options);
}

/** Django's `memcache_key_warnings` rules, enforced: such a key could collide with another in memcached. */
function checkKey(key: string): void {
  if (Buffer.byteLength(key) > MEMCACHED_MAX_KEY_LENGTH) {
    throw new InvalidSessionKey(
      `memcached keys are at most ${MEMCACHED_MAX_KEY_LENGTH} bytes; this one has ${Buffer.byteLength(key)} (shorten the cache \`keyPrefix\`)`,
    );
  }
  if (/[\x00-\x20\x7f]/.test(key)) {
    throw new InvalidSessionKey('memcached keys may not contain whitespace or control characters');
  }
}

/** A store the server refused for its size (a smaller `-I` than `maxItemSize`) is `SessionTooLarge` too. */
function tooLarge(error: unknown, item: Buffer, limit: number): unknown {
  if (!(error instanceof Error && /Value too large/i.test(error.message))) return error;
  return new SessionTooLarge(
    `memcached refused the session as too large (${item.byteLength} bytes of data): the server's -I is below \`maxItemSize\` (${limit})`,
    item.byteLength,
    limit,
    { cause: error },
  );
}
