/**
 * Session encoding, as Django's `SessionBase.encode`/`decode`: `signing.dumps(data, salt=<key salt>,
 * compress=True)`, or on request `compress=False` (which Django's `signing.loads` reads too). Decoding
 * never throws: tampered or corrupt data becomes an empty session and a warning on the security logger,
 * so a bad record can never break a request or leak into another session.
 */
import type { Clock } from './clock.js';
import { latin1Decode, latin1Encode } from './encoding.js';
import { BadSignature } from './errors.js';
import type { Logger } from './logger.js';
import { SECURITY_LOGGER } from './logger.js';
import type { Serializer } from './serializer.js';
import { dumpsWith, loadsWith, timestampSigner } from './signing.js';
import type { SessionData } from './types.js';

/** Django's `SessionBase.key_salt` for its built-in engines (all classes are named `SessionStore`). */
export const SESSION_KEY_SALT = 'django.contrib.sessions.SessionStore';

export interface SessionCodec {
  /**
   * Signed, compressed text, exactly what Django stores in `django_session.session_data` and files.
   * `compress: false` (default true) skips zlib: faster, larger text, still read by Django's
   * `signing.loads` (it is `signing.dumps(..., compress=False)`).
   */
  encode(data: SessionData, options?: { compress?: boolean }): Promise<string>;
  /** The data in signed text, or `{}` (logged) when it is tampered, expired or corrupt. */
  decode(text: string): Promise<SessionData>;
  /** The serializer's bytes, unsigned (what Django's cache engine stores). */
  serialize(data: SessionData): Uint8Array;
  /** The data in serialized bytes, or `{}` (logged) when they do not decode to a dict. */
  deserialize(bytes: Uint8Array): SessionData;
  /**
   * `serialize` as latin-1 text, one character per byte, for stores that keep text (the memory cache):
   * without the byte copy when the serializer writes text (JSON). Optional for codecs made elsewhere.
   */
  serializeText?(data: SessionData): string;
  /** `deserialize` of the latin-1 text of the bytes. */
  deserializeText?(text: string): SessionData;
}

export interface CodecOptions {
  secretKey: string;
  secretKeyFallbacks: readonly string[];
  serializer: Serializer;
  clock: Clock;
  logger: Logger;
  salt?: string;
}

export function isSessionData(value: unknown): value is SessionData {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function createCodec(options: CodecOptions): SessionCodec {
  const salt = options.salt ?? SESSION_KEY_SALT;
  const { logger, serializer, clock } = options;
  const signer = timestampSigner(options.secretKey, options.secretKeyFallbacks, salt, clock);
  return {
    encode(data, encodeOptions) {
      return dumpsWith(signer, data, serializer, encodeOptions?.compress ?? true);
    },
    async decode(text) {
      try {
        const value = await loadsWith(signer, text, serializer);
        if (isSessionData(value)) return value;
        logger.warn('Session data is not a dict', { logger: 'sess.sessions' });
      } catch (error) {
        if (error instanceof BadSignature) logger.warn('Session data corrupted', { logger: SECURITY_LOGGER });
        else logger.warn('Session data could not be decoded', { logger: 'sess.sessions', error });
      }
      return {};
    },
    serialize(data) {
      return serializer.dumps(data);
    },
    deserialize(bytes) {
      let value: unknown;
      try {
        value = serializer.loads(bytes);
      } catch (error) {
        return undecodable(error, logger);
      }
      return asSessionData(value, logger);
    },
    serializeText(data) {
      return serializer.dumpsText ? serializer.dumpsText(data) : latin1Decode(serializer.dumps(data));
    },
    deserializeText(text) {
      let value: unknown;
      try {
        value = serializer.loadsText ? serializer.loadsText(text) : serializer.loads(latin1Encode(text));
      } catch (error) {
        return undecodable(error, logger);
      }
      return asSessionData(value, logger);
    },
  };
}

function asSessionData(value: unknown, logger: Logger): SessionData {
  if (isSessionData(value)) return value;
  logger.warn('Session data is not a dict', { logger: 'sess.sessions' });
  return {};
}

function undecodable(error: unknown, logger: Logger): SessionData {
  logger.warn('Session data could not be decoded', { logger: 'sess.sessions', error });
  return {};
}
