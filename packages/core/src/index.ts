export type { CacheBackend } from './cache.js';
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export type { CodecOptions, SessionCodec } from './codec.js';
export { createCodec, isSessionData, SESSION_KEY_SALT } from './codec.js';
export type { EngineCapabilities, EngineContext, SaveOptions, SessionEngine } from './engine.js';
export {
  BadSignature,
  CreateError,
  ImproperlyConfigured,
  InvalidSessionKey,
  isSessError,
  KeyError,
  SerializationError,
  type SerializationErrorOptions,
  SessError,
  type SessErrorOptions,
  SessionInterrupted,
  SessionNotLoaded,
  SessionStoreUnavailable,
  SessionTooLarge,
  SignatureExpired,
  SuspiciousSession,
  UpdateError,
} from './errors.js';
export { EXPIRY_KEY, expiryAge, expiryDate, expiryOf, parseIsoDate, toPythonIsoFormat } from './expiry.js';
export { jsonSerializer } from './json.js';
export {
  generateSessionKey,
  isValidSessionKey,
  MAX_KEY_LENGTH,
  MIN_KEY_LENGTH,
  SESSION_KEY_LENGTH,
  VALID_KEY_CHARS,
} from './keys.js';
export type { LogDetails, Logger } from './logger.js';
export { consoleLogger, SECURITY_LOGGER } from './logger.js';
export type { CommitOptions, IncomingSession, SessionResponse } from './middleware.js';
export { CookieRules, varyWithCookie } from './middleware.js';
export type { Serializer } from './serializer.js';
export type { ExpiryOptions, SessionRuntime } from './session.js';
export { Session, TEST_COOKIE_NAME, TEST_COOKIE_VALUE } from './session.js';
export type { SessionsOptions } from './sessions.js';
export { Sessions } from './sessions.js';
export type { CookiePriority, SameSite, SessionSettings } from './settings.js';
export { DEFAULT_SETTINGS } from './settings.js';
export * as signing from './signing.js';
export type { SessionData } from './types.js';
