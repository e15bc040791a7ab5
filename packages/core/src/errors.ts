/**
 * One error class per failure kind. Each carries a stable `code`, and `instanceof` checks compare codes
 * rather than class identity, so they hold even when two copies of `@sess/core` are installed (an engine
 * built against one copy, an app using another).
 */
const KINDS = Symbol.for('sess.error.kinds');

export interface SessErrorOptions {
  cause?: unknown;
}

export class SessError extends Error {
  static readonly code: string = 'SESS_ERROR';
  /** Stable identifier of the failure kind, e.g. `UPDATE_ERROR`. */
  readonly code: string;
  /** HTTP status an adapter answers with when this error escapes a request, if any. */
  readonly status: number | undefined;
  declare readonly [KINDS]: readonly string[];

  constructor(message: string, options: SessErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const kinds: string[] = [];
    for (
      let ctor = new.target as typeof SessError | null;
      ctor && 'code' in ctor;
      ctor = Object.getPrototypeOf(ctor)
    ) {
      if (Object.hasOwn(ctor, 'code')) kinds.push(ctor.code);
    }
    this.code = new.target.code;
    this.name = new.target.name;
    this.status = (new.target as { status?: number }).status;
    Object.defineProperty(this, KINDS, { value: kinds, enumerable: false });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const kinds = (value as { [KINDS]?: unknown })[KINDS];
    return Array.isArray(kinds) && kinds.includes(this.code);
  }
}

/** `save({ mustCreate: true })` found the key already taken. Session creation retries with a new key. */
export class CreateError extends SessError {
  static override readonly code: string = 'CREATE_ERROR';
}

/** A save was asked to update a session whose stored record no longer exists (deleted meanwhile). */
export class UpdateError extends SessError {
  static override readonly code: string = 'UPDATE_ERROR';
}

/** The request's session was deleted before the request completed. Adapters answer 400. */
export class SessionInterrupted extends SessError {
  static override readonly code: string = 'SESSION_INTERRUPTED';
  static readonly status = 400;
}

/** Something about the incoming session looked forged or tampered with. Logged, never thrown into a request. */
export class SuspiciousSession extends SessError {
  static override readonly code: string = 'SUSPICIOUS_SESSION';
}

/** A signature did not verify. */
export class BadSignature extends SessError {
  static override readonly code: string = 'BAD_SIGNATURE';
}

/** A signature verified but its timestamp is older than the allowed age (or too far in the future). */
export class SignatureExpired extends BadSignature {
  static override readonly code: string = 'SIGNATURE_EXPIRED';
}

/** A session key with characters or a length no engine ever generates reached a place that would use it. */
export class InvalidSessionKey extends SessError {
  static override readonly code: string = 'INVALID_SESSION_KEY';
}

/** A setting or an engine option is missing or wrong. Raised at start-up, never at the first request. */
export class ImproperlyConfigured extends SessError {
  static override readonly code: string = 'IMPROPERLY_CONFIGURED';
}

/** The store could not be reached or did not answer in time. Adapters answer 503 and set no cookie. */
export class SessionStoreUnavailable extends SessError {
  static override readonly code: string = 'SESSION_STORE_UNAVAILABLE';
  static readonly status = 503;
}

export interface SerializationErrorOptions extends SessErrorOptions {
  /** Where in the session data the offending value sits, e.g. `cart.items[2]`. */
  path?: string;
}

/** A value the serializer cannot represent faithfully. */
export class SerializationError extends SessError {
  static override readonly code: string = 'SERIALIZATION_ERROR';
  readonly path: string | undefined;

  constructor(message: string, options: SerializationErrorOptions = {}) {
    super(message, options);
    this.path = options.path;
  }
}

/** The encoded session is larger than the store (or the browser, for cookies) accepts. */
export class SessionTooLarge extends SessError {
  static override readonly code: string = 'SESSION_TOO_LARGE';
  readonly size: number;
  readonly limit: number;

  constructor(message: string, size: number, limit: number, options: SessErrorOptions = {}) {
    super(message, options);
    this.size = size;
    this.limit = limit;
  }
}

/** A dict operation was used on a keyed session before `await session.load()`. */
export class SessionNotLoaded extends SessError {
  static override readonly code: string = 'SESSION_NOT_LOADED';
}

/** Django's `KeyError`: `delete()` or `pop()` without a default on a key the session does not hold. */
export class KeyError extends SessError {
  static override readonly code: string = 'KEY_ERROR';
  readonly key: string;

  constructor(key: string) {
    super(`session has no key ${JSON.stringify(key)}`);
    this.key = key;
  }
}

/** Whether `error` is a sess error of the given kind, by code (works across package copies). */
export function isSessError(error: unknown, code?: string): error is SessError {
  if (typeof error !== 'object' || error === null) return false;
  const kinds = (error as { [KINDS]?: unknown })[KINDS];
  if (!Array.isArray(kinds)) return false;
  return code === undefined || kinds.includes(code);
}
