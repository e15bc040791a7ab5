/**
 * The contract every storage engine implements. An engine moves session data by key; everything else
 * (dict operations, expiry arithmetic, key generation, cookies) lives in `Session` and `Sessions`.
 * Prove an engine with `runEngineContract` from `@sess/contract`.
 */
import type { Clock } from './clock.js';
import type { SessionCodec } from './codec.js';
import type { Logger } from './logger.js';
import type { Serializer } from './serializer.js';
import type { SessionData } from './types.js';

/** What `Sessions` hands an engine on every call: the codec, the time source, the logger, the settings it may read. */
export interface EngineContext {
  /** Django's session encoding (signed, compressed) and the bare serializer, both decoding failures to `{}`. */
  readonly codec: SessionCodec;
  readonly serializer: Serializer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly cookieName: string;
  /** `cookieAge` in seconds: the default expiry, Django's `SESSION_COOKIE_AGE`. */
  readonly cookieAge: number;
  readonly secretKey: string;
  readonly secretKeyFallbacks: readonly string[];
}

export interface EngineCapabilities {
  /**
   * The session key is the signed data itself (the signed-cookies engine): nothing is stored server-side,
   * `save` returns the new key, `exists` is always false and `destroy` only forgets.
   */
  readonly keyIsData?: boolean;
  /** `clearExpired()` removes expired sessions. False for stores that expire entries themselves (caches). */
  readonly clearExpired: boolean;
}

export interface SaveOptions {
  /**
   * True: insert only; a record already stored under the key must raise `CreateError`.
   * False: update only; a missing record (deleted meanwhile, or expired) must raise `UpdateError`,
   * never be re-created (that would resurrect a session a concurrent logout destroyed).
   */
  readonly mustCreate: boolean;
  /** Seconds from now until the session expires; zero or negative means it is already expired. */
  readonly expiryAge: number;
  /** The same moment as an absolute date (Django's `expire_date`). */
  readonly expiryDate: Date;
}

export interface SessionEngine {
  /** A short name for logs and the inspector, e.g. `db:sqlite`. */
  readonly name: string;
  readonly capabilities: EngineCapabilities;
  /**
   * Whether a cookie value may be used as a key for this engine. Defaults to 8–40 characters of `[a-z0-9]`.
   * Keys failing it are treated as no key and never reach the engine.
   */
  isValidKey?(key: string): boolean;
  /**
   * The session data stored under `key`, or null when there is none or it has expired. Data that is stored
   * but cannot be decoded loads as `{}` (the codec logs it). Store failures throw `SessionStoreUnavailable`.
   */
  load(key: string, context: EngineContext): Promise<SessionData | null>;
  /**
   * Optional. Called after a successful load: true asks for the session to be written again at the end of
   * the request even if unchanged (the signed-cookies engine answers true for a cookie that verified only
   * with a fallback key, so key rotation reaches read-only visitors too).
   */
  needsReissue?(key: string, context: EngineContext): Promise<boolean>;
  /** Whether a live (unexpired) record exists under `key`. */
  exists(key: string, context: EngineContext): Promise<boolean>;
  /**
   * Stores `data` under `key` with the must-create / must-update semantics of `options.mustCreate`.
   * Returns the key the data now lives under when the engine derives keys from data (`keyIsData`).
   */
  save(
    key: string,
    data: SessionData,
    options: SaveOptions,
    context: EngineContext,
  ): Promise<string | undefined>;
  /** Deletes the record under `key`; a missing record is not an error. */
  destroy(key: string, context: EngineContext): Promise<void>;
  /** Deletes expired records and returns how many; engines without `capabilities.clearExpired` return 0. */
  clearExpired(context: EngineContext): Promise<number>;
  /** Releases what the engine opened itself (not injected clients). */
  close?(): Promise<void>;
}
