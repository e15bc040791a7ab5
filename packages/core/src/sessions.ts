/**
 * `Sessions`: settings plus an engine. It opens `Session` objects (no I/O until they are loaded) and
 * holds the framework-free middleware core the adapters share.
 */
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { createCodec } from './codec.js';
import type { EngineContext, SessionEngine } from './engine.js';
import { ImproperlyConfigured } from './errors.js';
import { generateSessionKey, isValidSessionKey } from './keys.js';
import type { Logger } from './logger.js';
import { consoleLogger } from './logger.js';
import { CookieRules } from './middleware.js';
import { Session, type SessionRuntime } from './session.js';
import { resolveSettings, type SessionSettings } from './settings.js';
import type { SessionData } from './types.js';

export interface SessionsOptions
  extends Partial<Omit<SessionSettings, 'secretKey' | 'cookieSameSite' | 'cookiePriority'>> {
  engine: SessionEngine;
  secretKey: string;
  cookieSameSite?: 'Lax' | 'Strict' | 'None' | 'lax' | 'strict' | 'none' | false;
  cookiePriority?: 'Low' | 'Medium' | 'High' | 'low' | 'medium' | 'high' | null;
  clock?: Clock;
  logger?: Logger;
  /** Key generator; the default draws 32 characters of [a-z0-9] from the CSPRNG. Tests inject collisions here. */
  keyGenerator?: () => string;
  /** How many fresh keys `create()` tries before giving up (each collision costs one). Default 100. */
  createAttempts?: number;
}

const ENGINE_METHODS = ['load', 'exists', 'save', 'destroy', 'clearExpired'] as const;

export class Sessions<T extends object = SessionData> {
  readonly settings: SessionSettings;
  readonly engine: SessionEngine;
  readonly context: EngineContext;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The middleware core: cookie in, Set-Cookie/Vary out, Django's SessionMiddleware rules. */
  readonly cookies: CookieRules<T>;
  readonly #runtime: SessionRuntime;

  constructor(options: SessionsOptions) {
    const {
      engine,
      clock = systemClock,
      logger = consoleLogger,
      keyGenerator,
      createAttempts = 100,
      ...rest
    } = options ?? {};
    if (
      !engine ||
      typeof engine !== 'object' ||
      ENGINE_METHODS.some((m) => typeof engine[m] !== 'function')
    ) {
      throw new ImproperlyConfigured(
        `engine: must be a session engine (an object with ${ENGINE_METHODS.join(', ')}), e.g. cacheEngine({ backend: memoryCache() }) from @sess/engine-cache`,
      );
    }
    if (!Number.isSafeInteger(createAttempts) || createAttempts < 1) {
      throw new ImproperlyConfigured('createAttempts: must be a positive whole number');
    }
    this.engine = engine;
    this.clock = clock;
    this.logger = logger;
    this.settings = resolveSettings(rest, logger);
    const { secretKey, secretKeyFallbacks, serializer, cookieName, cookieAge } = this.settings;
    this.context = Object.freeze({
      codec: createCodec({ secretKey, secretKeyFallbacks, serializer, clock, logger }),
      serializer,
      clock,
      logger,
      cookieName,
      cookieAge,
      secretKey,
      secretKeyFallbacks,
    });
    const isValidKey = engine.isValidKey ? (key: string) => engine.isValidKey!(key) : isValidSessionKey;
    this.#runtime = {
      engine,
      context: this.context,
      settings: this.settings,
      acceptKey: (key) => (typeof key === 'string' && key !== '' && isValidKey(key) ? key : null),
      newKey: keyGenerator ?? (() => generateSessionKey()),
      createAttempts,
    };
    this.cookies = new CookieRules(this);
  }

  /**
   * Whether `value` (a cookie's, say) would be taken as a session key: the engine's `isValidKey`, or 8–40
   * characters of `[a-z0-9]`. `open()` treats a value failing it as no key.
   */
  isValidKey(value: string): boolean {
    return this.#runtime.acceptKey(value) !== null;
  }

  /** A session for `key` (from a cookie, say). No I/O: call `load()` before using a keyed session's data. */
  open(key?: string | null): Session<T> {
    return new Session<T>(this.#runtime, key ?? null);
  }

  /** Deletes expired sessions where the engine supports it; returns how many were removed. */
  clearExpired(): Promise<number> {
    return this.engine.clearExpired(this.context);
  }

  close(): Promise<void> {
    return this.engine.close?.() ?? Promise.resolve();
  }
}
