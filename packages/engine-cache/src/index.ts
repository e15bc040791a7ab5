/**
 * Cache-backed sessions (Django's `django.contrib.sessions.backends.cache`) over any `CacheBackend`.
 * Keys follow Django's cache key function, `<keyPrefix>:<version>:django.contrib.sessions.cache<key>`, and
 * the value is the serializer's bytes (JSON by default; the pickle serializer makes entries Django reads).
 */
import type { CacheBackend, EngineContext, SaveOptions, SessionData, SessionEngine } from '@sess/core';
import {
  CreateError,
  ImproperlyConfigured,
  InvalidSessionKey,
  isSessError,
  isValidSessionKey,
  SessionStoreUnavailable,
  UpdateError,
} from '@sess/core';

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
      throw new ImproperlyConfigured(
        'cacheEngine: `backend` must be a CacheBackend, e.g. memoryCache() from @sess/engine-cache/memory',
      );
    }
    if (typeof keyPrefix !== 'string' || /[\s\x00-\x1f\x7f]/.test(keyPrefix)) {
      throw new ImproperlyConfigured(
        'cacheEngine: `keyPrefix` must be a string without whitespace or control characters',
      );
    }
    if (!Number.isSafeInteger(version))
      throw new ImproperlyConfigured('cacheEngine: `version` must be an integer');
    this.backend = backend;
    this.#prefix = `${keyPrefix}:${version}:${sessionPrefix}`;
    this.name = `cache:${backend.name}`;
  }

  /** The cache key holding a session, exactly as Django's default `KEY_FUNCTION` builds it. */
  cacheKey(sessionKey: string): string {
    if (!isValidSessionKey(sessionKey))
      throw new InvalidSessionKey('session keys are 8-40 characters of [a-z0-9]');
    return this.#prefix + sessionKey;
  }

  async load(key: string, context: EngineContext): Promise<SessionData | null> {
    const bytes = await this.backend.get(this.cacheKey(key));
    return bytes === null ? null : context.codec.deserialize(bytes);
  }

  exists(key: string): Promise<boolean> {
    return this.backend.has(this.cacheKey(key));
  }

  async save(
    key: string,
    data: SessionData,
    options: SaveOptions,
    context: EngineContext,
  ): Promise<undefined> {
    const cacheKey = this.cacheKey(key);
    const ttl = options.expiryAge;
    if (ttl <= 0) {
      // Already expired: nothing to keep. An update must still find its record, as any other update.
      if (!options.mustCreate) {
        if (!(await this.backend.has(cacheKey)))
          throw new UpdateError('the session no longer exists in the cache');
        await this.backend.delete(cacheKey);
      }
      return undefined;
    }
    const bytes = context.codec.serialize(data);
    if (options.mustCreate) {
      if (!(await this.backend.add(cacheKey, bytes, ttl)))
        throw new CreateError('the session key is already taken in the cache');
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

/** How long a network cache backend waits for one call before giving up, by default. */
export const DEFAULT_TIMEOUT_MS = 1000;

/** Checks a backend's `timeoutMs` option at construction. */
export function checkTimeout(backend: string, timeoutMs: unknown): number {
  if (timeoutMs === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ImproperlyConfigured(`${backend}: \`timeoutMs\` must be a positive number of milliseconds`);
  }
  return timeoutMs;
}

/**
 * Runs one call to a network cache with a deadline, for `CacheBackend`s over network clients: a call that
 * fails, or does not settle within `timeoutMs`, rejects with `SessionStoreUnavailable` (a late outcome is
 * ignored), so no request waits on a dead cache or on a client's offline queue, and a cache error is never
 * mistaken for a missing session. Errors that are already sess errors (e.g. `SessionTooLarge`) pass through.
 */
export function boundedCall<T>(what: string, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (isSessError(error)) return reject(error);
      const message = error instanceof Error ? error.message : String(error);
      reject(new SessionStoreUnavailable(`${what} failed: ${message}`, { cause: error }));
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      reject(new SessionStoreUnavailable(`${what} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let pending: Promise<T>;
    try {
      pending = call();
    } catch (error) {
      fail(error);
      return;
    }
    pending.then((value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    }, fail);
  });
}
