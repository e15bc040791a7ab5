/**
 * The synchronous face of an in-process backend, for `CacheEngine`: the memory cache answers at once, so the
 * engine can skip the backend's promise and its microtask hop on every load and save. Found under a
 * registered symbol so that the ESM and CJS builds of this package recognise each other's backends.
 * Internal to the package.
 */
export const SYNC_CACHE: unique symbol = Symbol.for('@sess/engine-cache:sync-cache');

/**
 * Values are bytes or, from the engine, the latin-1 text of the bytes (one character per byte): the memory
 * cache keeps the JSON serializer's text as it is, without a copy into bytes and back.
 */
export interface SyncCache {
  get(key: string): Uint8Array | string | null;
  add(key: string, value: Uint8Array | string, ttlSeconds: number): boolean;
  replace(key: string, value: Uint8Array | string, ttlSeconds: number): boolean;
}

export interface WithSyncCache {
  /** The synchronous face, or null when the async methods are not the backend's own (overridden, spied on). */
  [SYNC_CACHE](): SyncCache | null;
}
