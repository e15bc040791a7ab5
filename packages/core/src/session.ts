/**
 * `Session`: Django's `SessionBase` in camelCase. Application code holds it; it never does I/O itself
 * but asks its engine through `Sessions`. Dict operations are synchronous on loaded data.
 */
import type { EngineContext, SaveOptions, SessionEngine } from './engine.js';
import { CreateError, KeyError, SessionNotLoaded } from './errors.js';
import {
  EXPIRY_KEY,
  type ExpiryValue,
  expiryAge,
  expiryDate,
  expiryOf,
  toPythonIsoFormat,
} from './expiry.js';
import type { SessionSettings } from './settings.js';
import type { SessionData } from './types.js';

export const TEST_COOKIE_NAME = 'testcookie';
export const TEST_COOKIE_VALUE = 'worked';

/** What a `Session` needs from the `Sessions` that opened it. */
export interface SessionRuntime {
  readonly engine: SessionEngine;
  readonly context: EngineContext;
  readonly settings: SessionSettings;
  /** Accepts a key from a cookie (or the caller) or answers null: invalid keys are treated as no key. */
  acceptKey(key: string | null | undefined): string | null;
  newKey(): string;
  readonly createAttempts: number;
}

export interface ExpiryOptions {
  /** The moment of the last modification; defaults to now. */
  modification?: Date | number;
  /** An expiry to use instead of the session's own; passing it avoids needing loaded data. */
  expiry?: number | string | Date | null;
}

// Session data stays an ordinary object, as `JSON.parse` made it: V8 serializes those several times
// faster than null-prototype (dictionary-mode) objects. Reads go through `Object.hasOwn`, so nothing
// inherited is ever visible, and every write goes through `put`, so a key named `__proto__` is stored
// as data instead of replacing the object's prototype.
function emptyData(): SessionData {
  return {};
}

function put(data: SessionData, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(data, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    data[key] = value;
  }
}

/** The engine's data as the session's own: plain objects are kept, anything else is copied key by key. */
function adopt(data: SessionData): SessionData {
  if (Object.getPrototypeOf(data) === Object.prototype) return data;
  const own = emptyData();
  for (const key of Object.keys(data)) put(own, key, data[key]);
  return own;
}

type Key<T> = keyof T & string;

export class Session<out T extends object = SessionData> {
  readonly #runtime: SessionRuntime;
  #key: string | null;
  #data: SessionData | null;
  #loading: Promise<this> | null = null;
  /** Set by any dict operation (reads included): the response then varies on Cookie. */
  accessed = false;
  /** Set by writes; a modified non-empty session is saved and its cookie set. Set it yourself after mutating a nested value. */
  modified = false;

  constructor(runtime: SessionRuntime, key: string | null = null) {
    this.#runtime = runtime;
    this.#key = runtime.acceptKey(key);
    this.#data = this.#key === null ? emptyData() : null;
  }

  /** The key, or null. Read-only: the key changes only through `cycleKey`, `flush` or saving. */
  get sessionKey(): string | null {
    return this.#key;
  }

  get isLoaded(): boolean {
    return this.#data !== null;
  }

  /** The engine this session is stored with. */
  get engineName(): string {
    return this.#runtime.engine.name;
  }

  /** Loads the data from the store once; later calls resolve at once. A missing or expired record drops the key. */
  load(): Promise<this> {
    if (this.#data !== null) return Promise.resolve(this);
    const key = this.#key;
    if (key === null) {
      this.#data = emptyData();
      return Promise.resolve(this);
    }
    this.#loading ??= this.#load(key);
    return this.#loading;
  }

  // A promise chain rather than an async function: nearly every request loads a session, and this takes
  // one promise and one microtask turn where `async` with the bookkeeping around it took three.
  #load(key: string): Promise<this> {
    const { engine, context } = this.#runtime;
    let pending: Promise<SessionData | null>;
    try {
      pending = engine.load(key, context);
    } catch (error) {
      pending = Promise.reject(error);
    }
    const failed = (error: unknown): never => {
      this.#loading = null;
      throw error;
    };
    return pending.then((data) => {
      if (this.#data === null) {
        // (not cleared meanwhile: a newer state is kept)
        if (data === null) {
          this.#key = null;
          this.#data = emptyData();
        } else {
          this.#data = adopt(data);
          if (engine.needsReissue) {
            return engine.needsReissue(key, context).then((reissue) => {
              if (reissue) this.modified = true;
              this.#loading = null;
              return this;
            }, failed);
          }
        }
      }
      this.#loading = null;
      return this;
    }, failed);
  }

  get #session(): SessionData {
    this.accessed = true;
    if (this.#data === null) {
      throw new SessionNotLoaded(
        'the session has a key but was not loaded: `await session.load()` before using it (adapters in lazy mode leave loading to the handler)',
      );
    }
    return this.#data;
  }

  get<K extends Key<T>>(key: K): T[K] | undefined;
  get<K extends Key<T>, D>(key: K, defaultValue: D): T[K] | D;
  get(key: string, defaultValue?: unknown): unknown {
    const data = this.#session;
    return Object.hasOwn(data, key) ? data[key] : defaultValue;
  }

  set<K extends Key<T>>(key: K, value: T[K]): void {
    put(this.#session, key, value);
    this.modified = true;
  }

  /** Django's `del session[key]`: throws `KeyError` when the key is missing. */
  delete(key: Key<T>): void {
    const data = this.#session;
    if (!Object.hasOwn(data, key)) throw new KeyError(key);
    delete data[key];
    this.modified = true;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.#session, key);
  }

  // Untyped on purpose: a session also holds keys outside `T` (`_session_expiry`, the test cookie…).
  keys(): string[] {
    return Object.keys(this.#session);
  }

  values(): unknown[] {
    return Object.values(this.#session);
  }

  items(): [string, unknown][] {
    return Object.entries(this.#session);
  }

  setdefault<K extends Key<T>>(key: K, value: T[K]): T[K] {
    const data = this.#session;
    if (Object.hasOwn(data, key)) return data[key] as T[K];
    put(data, key, value);
    this.modified = true;
    return value;
  }

  /** Removes and returns the value; throws `KeyError` when missing and no default was given. */
  pop<K extends Key<T>>(key: K): T[K];
  pop<K extends Key<T>, D>(key: K, defaultValue: D): T[K] | D;
  pop(key: string, ...rest: [unknown?]): unknown {
    const data = this.#session;
    if (!Object.hasOwn(data, key)) {
      if (rest.length === 0) throw new KeyError(key);
      return rest[0];
    }
    const value = data[key];
    delete data[key];
    this.modified = true;
    return value;
  }

  update(values: Partial<T>): void {
    const data = this.#session;
    for (const key of Object.keys(values)) put(data, key, (values as Record<string, unknown>)[key]);
    this.modified = true;
  }

  /** Empties the data without loading it. */
  clear(): void {
    this.#data = emptyData();
    this.accessed = true;
    this.modified = true;
  }

  /** True when there is no key and no data (never loaded counts as no data). */
  isEmpty(): boolean {
    if (this.#key !== null) return false;
    return this.#data === null || Object.keys(this.#data).length === 0;
  }

  // Test cookie

  setTestCookie(): void {
    this.#session[TEST_COOKIE_NAME] = TEST_COOKIE_VALUE;
    this.modified = true;
  }

  testCookieWorked(): boolean {
    return this.#session[TEST_COOKIE_NAME] === TEST_COOKIE_VALUE;
  }

  deleteTestCookie(): void {
    this.delete(TEST_COOKIE_NAME as Key<T>);
  }

  // Expiry

  getSessionCookieAge(): number {
    return this.#runtime.settings.cookieAge;
  }

  #expiryArgs(options: ExpiryOptions): [ExpiryValue, number] {
    const m = options.modification;
    const modification =
      m === undefined ? this.#runtime.context.clock.now() : typeof m === 'number' ? m : m.getTime();
    let expiry: ExpiryValue;
    if ('expiry' in options) {
      const e = options.expiry;
      expiry = e instanceof Date ? toPythonIsoFormat(e) : e;
    } else {
      expiry = expiryOf(this.#session);
    }
    return [expiry, modification];
  }

  /** Seconds until expiry, counted from the last modification (Django's `get_expiry_age`). */
  getExpiryAge(options: ExpiryOptions = {}): number {
    return expiryAge(...this.#expiryArgs(options), this.getSessionCookieAge());
  }

  /** When the session expires (Django's `get_expiry_date`). */
  getExpiryDate(options: ExpiryOptions = {}): Date {
    return expiryDate(...this.#expiryArgs(options), this.getSessionCookieAge());
  }

  /**
   * Sets the expiry: seconds of inactivity, `0` for when the browser closes, a `Date`, or `null` to go
   * back to the global policy (`cookieAge` / `expireAtBrowserClose`).
   */
  setExpiry(value: number | Date | null): void {
    const data = this.#session;
    if (value === null) {
      if (Object.hasOwn(data, EXPIRY_KEY)) {
        delete data[EXPIRY_KEY];
        this.modified = true;
      }
      return;
    }
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw new TypeError('setExpiry: invalid Date');
      data[EXPIRY_KEY] = toPythonIsoFormat(value);
    } else {
      if (!Number.isFinite(value)) throw new TypeError('setExpiry: seconds must be a finite number');
      data[EXPIRY_KEY] = Math.trunc(value);
    }
    this.modified = true;
  }

  getExpireAtBrowserClose(): boolean {
    const expiry = this.#session[EXPIRY_KEY];
    if (expiry === undefined || expiry === null) return this.#runtime.settings.expireAtBrowserClose;
    return expiry === 0;
  }

  // Persistence

  exists(key: string): Promise<boolean> {
    if (this.#runtime.engine.capabilities.keyIsData) return Promise.resolve(false);
    const valid = this.#runtime.acceptKey(key);
    return valid === null
      ? Promise.resolve(false)
      : this.#runtime.engine.exists(valid, this.#runtime.context);
  }

  #saveOptions(mustCreate: boolean, data: SessionData): SaveOptions {
    const now = this.#runtime.context.clock.now();
    const expiry = expiryOf(data);
    const cookieAge = this.getSessionCookieAge();
    return {
      mustCreate,
      expiryAge: expiryAge(expiry, now, cookieAge),
      expiryDate: expiryDate(expiry, now, cookieAge),
    };
  }

  /** Stores the current data under a fresh key (retrying on collisions) and marks the session modified. */
  async create(): Promise<void> {
    const { engine, context, createAttempts } = this.#runtime;
    if (engine.capabilities.keyIsData) {
      this.modified = true;
      return;
    }
    this.#data ??= emptyData();
    for (let attempt = 0; attempt < createAttempts; attempt++) {
      const key = this.#runtime.newKey();
      try {
        await engine.save(key, this.#data, this.#saveOptions(true, this.#data), context);
      } catch (error) {
        if (error instanceof CreateError) continue;
        throw error;
      }
      this.#key = key;
      this.modified = true;
      return;
    }
    throw new CreateError(
      `unable to create a new session key after ${createAttempts} attempts: the ${engine.name} store reports every new key as taken, so it is likely misbehaving`,
    );
  }

  /**
   * Saves the data. `mustCreate` inserts only (`CreateError` if the key is taken); otherwise the stored
   * record is updated only if it still exists (`UpdateError` if it was deleted meanwhile).
   * A session without a key is created under a new one.
   */
  save(options: { mustCreate?: boolean } = {}): Promise<void> {
    const mustCreate = options.mustCreate ?? false;
    const { engine, context } = this.#runtime;
    const data = this.#data;
    const key = this.#key;
    if (data !== null && key !== null && !engine.capabilities.keyIsData) {
      // The common case, loaded and keyed, without an async frame of its own: the engine's promise is the answer.
      try {
        const saved: Promise<unknown> = engine.save(key, data, this.#saveOptions(mustCreate, data), context);
        return saved as Promise<void>;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#saveOther(mustCreate);
  }

  async #saveOther(mustCreate: boolean): Promise<void> {
    const { engine, context } = this.#runtime;
    if (engine.capabilities.keyIsData) {
      if (this.#data === null) await this.load();
      const data = this.#data ?? emptyData();
      const key = await engine.save(this.#key ?? '', data, this.#saveOptions(mustCreate, data), context);
      if (key !== undefined) this.#key = key;
      this.modified = true;
      return;
    }
    if (this.#data === null && !mustCreate) await this.load();
    if (this.#key === null) return this.create();
    this.#data ??= emptyData();
    const data = this.#data;
    await engine.save(this.#key, data, this.#saveOptions(mustCreate, data), context);
  }

  /** Deletes the stored record of this session, or of `key`. Django's store-level `delete(session_key)`. */
  async destroy(key?: string): Promise<void> {
    const { engine, context } = this.#runtime;
    const target = key === undefined ? this.#key : this.#runtime.acceptKey(key);
    if (engine.capabilities.keyIsData) {
      if (key === undefined || key === this.#key) {
        this.#key = null;
        this.#data = emptyData();
        this.modified = true;
      }
      return;
    }
    if (target === null) return;
    await engine.destroy(target, context);
  }

  /** Logout: empties the data, deletes the stored session and drops the key. */
  async flush(): Promise<void> {
    this.clear();
    await this.destroy();
    this.#key = null;
  }

  /** Login: keeps the data under a fresh key and deletes the old record (defeats session fixation). */
  async cycleKey(): Promise<void> {
    if (this.#runtime.engine.capabilities.keyIsData) return this.save();
    await this.load();
    const data = this.#session;
    const oldKey = this.#key;
    await this.create();
    this.#data = data;
    if (oldKey !== null) await this.#runtime.engine.destroy(oldKey, this.#runtime.context);
  }

  encode(data: SessionData): Promise<string> {
    return this.#runtime.context.codec.encode(data);
  }

  decode(text: string): Promise<SessionData> {
    return this.#runtime.context.codec.decode(text);
  }

  /** Removes every expired session of this engine (Django's classmethod `clear_expired`). */
  clearExpired(): Promise<number> {
    return this.#runtime.engine.clearExpired(this.#runtime.context);
  }
}
