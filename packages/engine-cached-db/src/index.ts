/**
 * Write-through sessions (Django's `django.contrib.sessions.backends.cached_db`): the database is the
 * truth, a cache in front of it serves reads. Saves go to the database first, then the cache; a cache
 * failure is logged and never fails a request; a database failure leaves the cache untouched.
 */
import type { CacheBackend, EngineContext, SaveOptions, SessionData, SessionEngine } from '@sess/core';
import { ImproperlyConfigured, isValidSessionKey } from '@sess/core';
import { CacheEngine } from '@sess/engine-cache';
import type { SessionDatabase, SessionRecord } from '@sess/engine-db';
import { DbEngine } from '@sess/engine-db';

/** Django's `KEY_PREFIX` of the cached_db engine. */
export const CACHED_DB_KEY_PREFIX = 'django.contrib.sessions.cached_db';

export interface CachedDbEngineOptions {
  /** The cache in front, e.g. `memoryCache()` or `redisCache(client)` from `@sess/engine-cache`. */
  cache: CacheBackend;
  /** The database behind, e.g. `postgres(pool)` from `@sess/engine-db/postgres`. */
  database: SessionDatabase;
  /** The table; default `django_session`. */
  table?: string;
  /** Django's cache `KEY_PREFIX` setting; default ''. */
  keyPrefix?: string;
  /** Django's cache `VERSION` setting; default 1. */
  version?: number;
  /** Rows `clearExpired()` deletes per statement; default 1000. */
  clearBatchSize?: number;
  /**
   * zlib-compress the database's `session_data` when that makes it smaller, as Django does. Default true
   * (Django's exact bytes). False skips zlib: faster, larger rows, and Django still reads them. The cache
   * holds the serializer's bytes either way, as Django's.
   */
  compress?: boolean;
}

const LOGGER = 'sess.sessions';

export class CachedDbEngine implements SessionEngine {
  readonly name: string;
  readonly capabilities = { clearExpired: true } as const;
  readonly cache: CacheBackend;
  readonly db: DbEngine;
  /** Builds cache keys exactly as the cache engine does (Django's `<prefix>:<version>:<key>`). */
  readonly #keys: CacheEngine;

  constructor(options: CachedDbEngineOptions) {
    const { cache, database, table, keyPrefix, version, clearBatchSize, compress } =
      options ?? ({} as CachedDbEngineOptions);
    if (!cache || typeof cache.get !== 'function' || typeof cache.set !== 'function') {
      throw new ImproperlyConfigured(
        'cachedDbEngine: `cache` must be a CacheBackend, e.g. memoryCache() from @sess/engine-cache/memory',
      );
    }
    if (compress !== undefined && typeof compress !== 'boolean') {
      throw new ImproperlyConfigured('cachedDbEngine: `compress` must be true or false');
    }
    this.cache = cache;
    this.db = new DbEngine({
      database,
      ...(table === undefined ? {} : { table }),
      ...(clearBatchSize === undefined ? {} : { clearBatchSize }),
      ...(compress === undefined ? {} : { compress }),
    });
    this.#keys = new CacheEngine({
      backend: cache,
      sessionPrefix: CACHED_DB_KEY_PREFIX,
      ...(keyPrefix === undefined ? {} : { keyPrefix }),
      ...(version === undefined ? {} : { version }),
    });
    this.name = `cached_db:${cache.name}+${database.kind}`;
  }

  /** `:1:django.contrib.sessions.cached_db<key>` with the default prefix and version. */
  cacheKey(sessionKey: string): string {
    return this.#keys.cacheKey(sessionKey);
  }

  /** The database table's name. */
  get tableName(): string {
    return this.db.tableName;
  }

  /** Whether the database rows are zlib-compressed when that makes them smaller (the `compress` option). */
  get compress(): boolean {
    return this.db.compress;
  }

  /** Creates the database table if missing (`sess migrate`). */
  createTable(): Promise<void> {
    return this.db.createTable();
  }

  /** The stored session and its expiry, read from the database (the cache holds no expiry). */
  loadRecord(key: string, context: EngineContext): Promise<SessionRecord | null> {
    return this.db.loadRecord(key, context);
  }

  async load(key: string, context: EngineContext): Promise<SessionData | null> {
    if (!isValidSessionKey(key)) return null;
    const cacheKey = this.cacheKey(key);
    let cached: Uint8Array | null = null;
    try {
      cached = await this.cache.get(cacheKey);
    } catch (error) {
      // As Django: a cache that cannot answer is a miss, and the database answers instead.
      context.logger.warn(`Error reading from cache (${this.cache.name})`, { logger: LOGGER, error });
    }
    if (cached !== null) return context.codec.deserialize(cached);
    const record = await this.db.loadRecord(key, context);
    if (!record) return null;
    const ttl = Math.floor((record.expireDate.getTime() - context.clock.now()) / 1000);
    if (ttl > 0) await this.#fill(key, cacheKey, record.data, ttl, context);
    return record.data;
  }

  /**
   * Puts what the database returned into the cache. `add`, not `set`: a save that reached the cache
   * meanwhile holds newer data. Then the row is checked again, because a destroy that ran between our read
   * and our `add` has already cleared the cache and must not find the session back in it.
   */
  async #fill(key: string, cacheKey: string, data: SessionData, ttl: number, context: EngineContext) {
    try {
      if (!(await this.cache.add(cacheKey, context.codec.serialize(data), ttl))) return;
    } catch (error) {
      context.logger.error(`Error saving to cache (${this.cache.name})`, { logger: LOGGER, error });
      return;
    }
    await this.#dropIfGone(key, cacheKey, context);
  }

  /** Never throws: the write it follows has succeeded. When in doubt, the cache entry goes. */
  async #dropIfGone(key: string, cacheKey: string, context: EngineContext): Promise<void> {
    try {
      if (await this.db.exists(key, context)) return;
    } catch {
      // The database cannot tell: dropping the entry only costs the next read a database query.
    }
    try {
      await this.cache.delete(cacheKey);
    } catch (error) {
      context.logger.error(`Error deleting from cache (${this.cache.name})`, { logger: LOGGER, error });
    }
  }

  async exists(key: string, context: EngineContext): Promise<boolean> {
    if (!isValidSessionKey(key)) return false;
    try {
      if (await this.cache.has(this.cacheKey(key))) return true;
    } catch (error) {
      context.logger.warn(`Error reading from cache (${this.cache.name})`, { logger: LOGGER, error });
    }
    return this.db.exists(key, context);
  }

  async save(
    key: string,
    data: SessionData,
    options: SaveOptions,
    context: EngineContext,
  ): Promise<undefined> {
    // The database first: CreateError, UpdateError or an outage end here, with the cache untouched.
    await this.db.save(key, data, options, context);
    const cacheKey = this.cacheKey(key);
    try {
      if (options.expiryAge <= 0) {
        await this.cache.delete(cacheKey);
        return undefined;
      }
      await this.cache.set(cacheKey, context.codec.serialize(data), options.expiryAge);
    } catch (error) {
      context.logger.error(`Error saving to cache (${this.cache.name})`, { logger: LOGGER, error });
      // The cache may still hold the previous data: drop it if we can, so reads go to the database.
      await this.cache.delete(cacheKey).catch(() => undefined);
      return undefined;
    }
    // A destroy that ran between our database write and our cache write has cleared the cache before we
    // wrote it: never let the cache hold a session the database no longer has (a logout coming back).
    await this.#dropIfGone(key, cacheKey, context);
    return undefined;
  }

  /** Deletes from the database, then the cache. A cache failure here is thrown: the cache would resurrect it. */
  async destroy(key: string): Promise<void> {
    if (!isValidSessionKey(key)) return;
    await this.db.destroy(key);
    await this.cache.delete(this.cacheKey(key));
  }

  /** Deletes expired database rows (in batches); cache entries expire by their TTL. */
  clearExpired(context: EngineContext): Promise<number> {
    return this.db.clearExpired(context);
  }

  async close(): Promise<void> {
    await Promise.all([this.db.close(), this.cache.close?.()]);
  }
}

export function cachedDbEngine(options: CachedDbEngineOptions): CachedDbEngine {
  return new CachedDbEngine(options);
}
