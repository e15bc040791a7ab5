/**
 * Cache-backed sessions (Django's `django.contrib.sessions.backends.cache`) over any `CacheBackend`.
 * Keys follow Django's cache key function, `<keyPrefix>:<version>:django.contrib.sessions.cache<key>`, and
 * the value is the serializer's bytes (JSON by default; the pickle serializer makes entries Django reads).
 */
import type { CacheBackend, EngineContext, SaveOptions, SessionData, SessionEngine } from '@sess/core';
import { CreateError, ImproperlyConfigured, InvalidSessionKey, isValidSessionKey, UpdateError } from '@sess/core';

/** Django's `KEY_PREFIX` of the cache engine. */
export const CACHE_KEY_PREFIX = 'django.contrib.sessions.cache';

export interface CacheEngineOptions {
  backend: CacheBackend;
  /** Django's cache `KEY_PREFIX` setting; default ''. */
  keyPrefix?: string;
  /** Django's cache `VERSION` setting; default 1. */
  version?: number;
  /** The session part of the key; Django's cache engine uses `django.contrib.sessions.cache`. */
  sessionPrefix?: string;
}

export class CacheEngine implements SessionEngine {
  readonly name: string;
  readonly capabilities = { clearExpired: false } as const;
  readonly backend: CacheBackend;
  readonly #prefix: string;

  constructor(options: CacheEngineOptions) {
    const { backend, keyPrefix = '', version = 1, sessionPrefix = CACHE_KEY_PREFIX } = options ?? {};
    if (!backend || typeof backend.get !== 'function' || typeof backend.add !== 'function') {
      throw new ImproperlyConfigured('cacheEngine: `backend` must be a CacheBackend, e.g. memoryCache() from @sess/engine-cache/memory');
    }
    if (typeof keyPrefix !== 'string' || /[\s\x00-\x1f\x7f]/.test(keyPrefix)) {
      throw new ImproperlyConfigured('cacheEngine: `keyPrefix` must be a string without whitespace or control characters');
    }
    if (!Number.isSafeInteger(version)) throw new ImproperlyConfigured('cacheEngine: `version` must be an integer');
    this.backend = backend;
    this.#prefix = `${keyPrefix}:${version}:${sessionPrefix}`;
    this.name = `cache:${backend.name}`;
  }

  /** The cache key holding a session, exactly as Django's default `KEY_FUNCTION` builds it. */
  cacheKey(sessionKey: string): string {
    if (!isValidSessionKey(sessionKey)) throw new InvalidSessionKey('session keys are 8-40 characters of [a-z0-9]');
    return this.#prefix + sessionKey;
  }

  async load(key: string, context: EngineContext): Promise<SessionData | null> {
    const bytes = await this.backend.get(this.cacheKey(key));
    return bytes === null ? null : context.codec.deserialize(bytes);
  }

  exists(key: string): Promise<boolean> {
    return this.backend.has(this.cacheKey(key));
  }

  async save(key: string, data: SessionData, options: SaveOptions, context: EngineContext): Promise<undefined> {
    const cacheKey = this.cacheKey(key);
    const ttl = options.expiryAge;
    if (ttl <= 0) {
      // Already expired: nothing to keep. An update must still find its record, as any other update.
      if (!options.mustCreate) {
        if (!(await this.backend.has(cacheKey))) throw new UpdateError('the session no longer exists in the cache');
        await this.backend.delete(cacheKey);
      }
      return undefined;
    }
    const bytes = context.codec.serialize(data);
    if (options.mustCreate) {
      if (!(await this.backend.add(cacheKey, bytes, ttl))) throw new CreateError('the session key is already taken in the cache');
    } else if (!(await this.backend.replace(cacheKey, bytes, ttl))) {
      throw new UpdateError('the session no longer exists in the cache (deleted or expired meanwhile)');
    }
    return undefined;
  }

  destroy(key: string): Promise<void> {
    return this.backend.delete(this.cacheKey(key));
  }

  /** A no-op, as in Django: the cache expires entries itself. */
  async clearExpired(): Promise<number> {
    return 0;
  }

  close(): Promise<void> {
    return this.backend.close?.() ?? Promise.resolve();
  }
}

export function cacheEngine(options: CacheEngineOptions): CacheEngine {
  return new CacheEngine(options);
}
