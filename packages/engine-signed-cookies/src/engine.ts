/**
 * Sessions kept in the cookie itself (Django's `django.contrib.sessions.backends.signed_cookies`): the
 * cookie value is `signing.dumps(data, salt=SIGNED_COOKIES_SALT, compress=True)`, so Django and this
 * engine read each other's cookies. Anything that does not verify, or is too old or too far in the
 * future, loads as a new empty session and is logged on the security logger, never thrown.
 *
 * With `encrypt: true` the value is AES-256-GCM under a key derived from the secret (HKDF-SHA256):
 * the visitor cannot read the data. That format is this package's own; Django cannot read it.
 */
import type { Clock, EngineContext, SaveOptions, SessionData, SessionEngine } from '@sess/core';
import {
  BadSignature,
  EXPIRY_KEY,
  ImproperlyConfigured,
  isSessionData,
  MIN_KEY_LENGTH,
  parseIsoDate,
  SECURITY_LOGGER,
  SessionTooLarge,
  SignatureExpired,
  signing,
} from '@sess/core';
import { b62Decode, b62Encode, b64urlDecode, deflate, inflate, loadsWithTimestamp } from '@sess/core/runtime';
import { aead, NONCE_BYTES, nextNonce, TAG_BYTES } from './runtime.js';

/** Django's salt for this engine (`django.contrib.sessions.backends.signed_cookies.SessionStore`). */
export const SIGNED_COOKIES_SALT = 'django.contrib.sessions.backends.signed_cookies';
/** The HKDF info string of the encryption key; changing it would make every encrypted cookie unreadable. */
export const ENCRYPTION_INFO = 'sess.signed_cookies.aes-256-gcm.v1';
/** Browsers drop a cookie whose name and value exceed 4096 bytes (RFC 6265bis §5.6). */
export const MAX_COOKIE_BYTES = 4096;
/** Cookie values this engine accepts: the characters its values are made of. */
const COOKIE_VALUE = /^[A-Za-z0-9_\-:.]+$/;

export interface SignedCookiesEngineOptions {
  /**
   * Encrypt the data (AES-256-GCM, key derived from `secretKey` with HKDF-SHA256) so the visitor cannot
   * read it. Not readable by Django. Default false: signed only, as Django (the visitor can decode the data).
   */
  encrypt?: boolean;
  /**
   * zlib-compress the data when that makes it smaller, as Django does. Default true. With `encrypt`,
   * consider false: the length of a compressed value tells whether parts of the data repeat, a known
   * side channel (CRIME) when an attacker can put chosen text into a session and see the cookie's size.
   */
  compress?: boolean;
  /** Seconds a cookie's timestamp may lie in the future (clock skew between servers). Default 60. */
  maxClockSkew?: number;
  /** The largest `name=value` this engine emits, in bytes. Default (and at most) 4096. */
  maxCookieBytes?: number;
}

type Rejection = 'malformed' | 'bad signature' | 'future-dated' | 'expired' | 'undecodable' | 'not a dict';

const encoder = new TextEncoder();
const SALT_BYTES = encoder.encode(SIGNED_COOKIES_SALT);
const INFO_BYTES = encoder.encode(ENCRYPTION_INFO);
const FLAG_RAW = 0;
const FLAG_ZLIB = 1;

/** The signers of one (secret, fallbacks, clock): made once, not per cookie. */
interface Signers {
  secretKey: string;
  fallbacks: readonly string[];
  clock: Clock;
  /** Verifies with the current key, then the fallbacks; signs with the current key. */
  all: signing.TimestampSigner;
  /** Verifies with the current key only. */
  current: signing.TimestampSigner;
}

function fail(option: string, problem: string): never {
  throw new ImproperlyConfigured(`signedCookiesEngine: \`${option}\` ${problem}`);
}

export class SignedCookiesEngine implements SessionEngine {
  readonly name: string;
  readonly capabilities = { keyIsData: true, clearExpired: false } as const;
  readonly encrypt: boolean;
  readonly compress: boolean;
  readonly maxClockSkew: number;
  readonly maxCookieBytes: number;
  readonly #keys = new Map<string, Promise<Uint8Array>>();
  readonly #unsignOptions: signing.UnsignOptions;
  #signers: Signers | null = null;
  /** The last key that passed `isValidKey`: core validates a key when it opens a session, then `load` again. */
  #validKey: string | null = null;
  /** The sealing timestamp and its AAD, for the current second. */
  #sealSecond = Number.NaN;
  #sealTimestamp = '';
  #sealAad: Uint8Array = new Uint8Array(0);
  /** The AAD of the last timestamp opened. */
  #openTimestamp: string | null = null;
  #openAad: Uint8Array = new Uint8Array(0);

  constructor(options: SignedCookiesEngineOptions = {}) {
    const {
      encrypt = false,
      compress = true,
      maxClockSkew = 60,
      maxCookieBytes = MAX_COOKIE_BYTES,
    } = options ?? {};
    if (typeof encrypt !== 'boolean') fail('encrypt', 'must be true or false');
    if (typeof compress !== 'boolean') fail('compress', 'must be true or false');
    if (typeof maxClockSkew !== 'number' || !Number.isFinite(maxClockSkew) || maxClockSkew < 0) {
      fail('maxClockSkew', 'must be a number of seconds, 0 or more');
    }
    if (!Number.isSafeInteger(maxCookieBytes) || maxCookieBytes < 64 || maxCookieBytes > MAX_COOKIE_BYTES) {
      fail(
        'maxCookieBytes',
        `must be a whole number of bytes from 64 to ${MAX_COOKIE_BYTES} (browsers drop larger cookies)`,
      );
    }
    this.encrypt = encrypt;
    this.compress = compress;
    this.maxClockSkew = maxClockSkew;
    this.maxCookieBytes = maxCookieBytes;
    this.name = encrypt ? 'signed-cookies:encrypted' : 'signed-cookies';
    this.#unsignOptions = { maxAge: null, maxFutureSkew: maxClockSkew };
  }

  /** Cookie values made of the characters this engine writes, up to the browser limit. */
  isValidKey(key: string): boolean {
    if (key === this.#validKey) return true;
    if (key.length < MIN_KEY_LENGTH || key.length > MAX_COOKIE_BYTES || !COOKIE_VALUE.test(key)) return false;
    this.#validKey = key;
    return true;
  }

  async load(key: string, context: EngineContext): Promise<SessionData | null> {
    if (!this.isValidKey(key)) return this.#reject('malformed', context);
    const opened = this.encrypt ? await this.#unseal(key, context) : await this.#unsign(key, context);
    if (typeof opened === 'string') return this.#reject(opened, context);
    const { data, timestamp } = opened;
    if (context.clock.now() > this.expiresAt(data, timestamp, context))
      return this.#reject('expired', context);
    return data;
  }

  /** Nothing is stored on the server. */
  async exists(): Promise<boolean> {
    return false;
  }

  /** Signs (or seals) `data` with the current secret key and returns the new cookie value. */
  async save(
    _key: string,
    data: SessionData,
    _options: SaveOptions,
    context: EngineContext,
  ): Promise<string> {
    const value = this.encrypt
      ? await this.#seal(data, context)
      : await signing.dumpsWith(this.#signersFor(context).all, data, context.serializer, this.compress);
    const size = context.cookieName.length + 1 + value.length; // all ASCII: characters are bytes
    if (size > this.maxCookieBytes) {
      throw new SessionTooLarge(
        `the session cookie would be ${size} bytes (${context.cookieName}=<${value.length}-byte value>), over the ${this.maxCookieBytes}-byte limit: browsers drop such a cookie, and the session with it. Store less in the session (ids rather than whole objects), or use a server-side engine such as @sess/engine-db or @sess/engine-cache`,
        size,
        this.maxCookieBytes,
      );
    }
    return value;
  }

  /** Nothing to delete: the cookie is the session. Core drops the key and the middleware deletes the cookie. */
  async destroy(): Promise<void> {}

  /** Cookies expire by themselves (and are checked on load). */
  async clearExpired(): Promise<number> {
    return 0;
  }

  /**
   * When the session in `key` expires: at its `_session_expiry` date, `_session_expiry` seconds after it
   * was signed, or `cookieAge` seconds after it was signed (Django's `max_age`). Django ignores the
   * per-session expiry for this engine (ticket #27775); this engine honours it.
   */
  expiresAt(data: SessionData, signedAtSeconds: number, context: Pick<EngineContext, 'cookieAge'>): number {
    const expiry = data[EXPIRY_KEY];
    if (typeof expiry === 'string') {
      const date = parseIsoDate(expiry);
      if (date) return date.getTime();
    } else if (typeof expiry === 'number' && expiry !== 0 && Number.isFinite(expiry)) {
      return (signedAtSeconds + expiry) * 1000;
    }
    return (signedAtSeconds + context.cookieAge) * 1000;
  }

  /** True for a cookie that verified only with one of `secretKeyFallbacks`: the middleware then re-signs it. */
  async needsReissue(key: string, context: EngineContext): Promise<boolean> {
    if (context.secretKeyFallbacks.length === 0) return false;
    return !(await this.signedWithCurrentKey(key, context));
  }

  /**
   * Whether `key` verifies with the current secret key alone. False for a cookie verified only by one of
   * `secretKeyFallbacks`, which the next save re-signs with the current key (see `needsReissue`).
   */
  async signedWithCurrentKey(key: string, context: EngineContext): Promise<boolean> {
    if (!this.isValidKey(key)) return false;
    if (this.encrypt) {
      const parts = this.#split(key);
      return parts !== null && (await this.#open(parts, context.secretKey)) !== null;
    }
    try {
      await this.#signersFor(context).current.unsign(key);
      return true;
    } catch {
      return false;
    }
  }

  // Signed (Django's format)

  async #unsign(
    key: string,
    context: EngineContext,
  ): Promise<{ data: SessionData; timestamp: number } | Rejection> {
    let loaded: { value: unknown; timestamp: number };
    try {
      // Verifies the signature (current key, then fallbacks) and the timestamp's skew before anything
      // is decoded, decompressed or deserialized; the timestamp is the one that verification read.
      loaded = await loadsWithTimestamp(
        this.#signersFor(context).all,
        key,
        context.serializer,
        this.#unsignOptions,
      );
    } catch (error) {
      if (error instanceof SignatureExpired) return 'future-dated';
      if (error instanceof BadSignature) return 'bad signature';
      return 'undecodable';
    }
    const { value, timestamp } = loaded;
    return isSessionData(value) ? { data: value, timestamp } : 'not a dict';
  }

  // Encrypted: b64url(nonce ‖ ciphertext ‖ tag) ":" b62(timestamp), the timestamp authenticated as AAD.

  async #seal(data: SessionData, context: EngineContext): Promise<string> {
    const serialized = context.serializer.dumps(data);
    let flag = FLAG_RAW;
    let body = serialized;
    if (this.compress) {
      const packed = await deflate(serialized);
      if (packed.length < serialized.length - 1) {
        flag = FLAG_ZLIB;
        body = packed;
      }
    }
    const second = Math.floor(context.clock.now() / 1000);
    if (second !== this.#sealSecond) {
      const timestamp = b62Encode(second);
      this.#sealAad = aad(timestamp);
      this.#sealTimestamp = timestamp;
      this.#sealSecond = second;
    }
    const timestamp = this.#sealTimestamp; // before the await: another save may move the cache on
    const additional = this.#sealAad;
    const key = await this.#key(context.secretKey);
    return `${await aead.sealValue(key, nextNonce(), flag, body, additional)}:${timestamp}`;
  }

  /** Splits a value that passed `isValidKey`. */
  #split(value: string): { nonce: Uint8Array; sealed: Uint8Array; timestamp: string } | null {
    const at = value.lastIndexOf(':');
    if (at < 0) return null;
    let bytes: Uint8Array;
    try {
      bytes = b64urlDecode(value.slice(0, at));
    } catch {
      return null;
    }
    if (bytes.length < NONCE_BYTES + TAG_BYTES + 1) return null;
    return {
      nonce: bytes.subarray(0, NONCE_BYTES),
      sealed: bytes.subarray(NONCE_BYTES),
      timestamp: value.slice(at + 1),
    };
  }

  async #open(
    parts: { nonce: Uint8Array; sealed: Uint8Array; timestamp: string },
    secret: string,
  ): Promise<Uint8Array | null> {
    try {
      return await aead.open(
        await this.#key(secret),
        parts.nonce,
        parts.sealed,
        this.#aadOf(parts.timestamp),
      );
    } catch {
      return null;
    }
  }

  async #unseal(
    value: string,
    context: EngineContext,
  ): Promise<{ data: SessionData; timestamp: number } | Rejection> {
    const parts = this.#split(value);
    if (!parts) return 'malformed';
    let plaintext: Uint8Array | null = null;
    for (const secret of [context.secretKey, ...context.secretKeyFallbacks]) {
      plaintext = await this.#open(parts, secret);
      if (plaintext) break;
    }
    if (!plaintext) return 'bad signature';
    // Authenticated from here on.
    let timestamp: number;
    try {
      timestamp = b62Decode(parts.timestamp);
    } catch {
      return 'malformed';
    }
    if (timestamp * 1000 - context.clock.now() > this.maxClockSkew * 1000) return 'future-dated';
    let body = plaintext.subarray(1);
    try {
      if (plaintext[0] === FLAG_ZLIB) body = await inflate(body, signing.DEFAULT_MAX_DECOMPRESSED_SIZE);
      else if (plaintext[0] !== FLAG_RAW) return 'undecodable';
      const data = context.serializer.loads(body);
      return isSessionData(data) ? { data, timestamp } : 'not a dict';
    } catch {
      return 'undecodable';
    }
  }

  #aadOf(timestamp: string): Uint8Array {
    if (timestamp !== this.#openTimestamp) {
      this.#openAad = aad(timestamp);
      this.#openTimestamp = timestamp;
    }
    return this.#openAad;
  }

  #signersFor(context: EngineContext): Signers {
    const { secretKey, secretKeyFallbacks, clock } = context;
    let signers = this.#signers;
    if (
      signers === null ||
      signers.secretKey !== secretKey ||
      signers.fallbacks !== secretKeyFallbacks ||
      signers.clock !== clock
    ) {
      signers = {
        secretKey,
        fallbacks: secretKeyFallbacks,
        clock,
        all: signing.timestampSigner(secretKey, secretKeyFallbacks, SIGNED_COOKIES_SALT, clock),
        current: signing.timestampSigner(secretKey, [], SIGNED_COOKIES_SALT, clock),
      };
      this.#signers = signers;
    }
    return signers;
  }

  #key(secret: string): Promise<Uint8Array> {
    let key = this.#keys.get(secret);
    if (!key) {
      key = aead.deriveKey(encoder.encode(secret), SALT_BYTES, INFO_BYTES);
      this.#keys.set(secret, key);
    }
    return key;
  }

  #reject(reason: Rejection, context: EngineContext): null {
    context.logger.warn(`Session cookie rejected (${reason}); starting a new session`, {
      logger: SECURITY_LOGGER,
      reason,
    });
    return null;
  }
}

function aad(timestamp: string): Uint8Array {
  return encoder.encode(`${ENCRYPTION_INFO}:${timestamp}`);
}

export function signedCookiesEngine(options?: SignedCookiesEngineOptions): SignedCookiesEngine {
  return new SignedCookiesEngine(options);
}
