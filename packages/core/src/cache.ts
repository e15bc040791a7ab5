/** The interface cache-backed engines talk to. Values are opaque bytes; TTLs are whole seconds (> 0). */
export interface CacheBackend {
  readonly name: string;
  get(key: string): Promise<Uint8Array | null>;
  /** Stores only when the key is absent. Resolves false when it exists (must-create). */
  add(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean>;
  /** Stores only when the key exists, atomically (set-if-exists). Resolves false when it is absent. */
  replace(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean>;
  /** Stores unconditionally. */
  set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  has(key: string): Promise<boolean>;
  close?(): Promise<void>;
}
