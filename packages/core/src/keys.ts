/** Session keys: 32 characters of [a-z0-9] from a CSPRNG, as Django's `get_random_string(32, VALID_KEY_CHARS)`. */
import { randomBytes } from './platform.js';

export const VALID_KEY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const SESSION_KEY_LENGTH = 32;
/** Django keeps a key only when it has at least 8 characters. */
export const MIN_KEY_LENGTH = 8;
/** The width of Django's `session_key` column. */
export const MAX_KEY_LENGTH = 40;

const KEY_PATTERN = /^[a-z0-9]{8,40}$/;

/** A fresh key, ~165 bits of entropy, unbiased (rejection sampling over random bytes). */
export function generateSessionKey(length: number = SESSION_KEY_LENGTH): string {
  let out = '';
  // 252 is the largest multiple of 36 below 256: bytes above it are dropped to keep every char equally likely.
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 252) {
        out += VALID_KEY_CHARS[byte % 36];
        if (out.length === length) break;
      }
    }
  }
  return out;
}

/** Whether `key` is a session key a store engine could have generated. Anything else is treated as no key. */
export function isValidSessionKey(key: unknown): key is string {
  return typeof key === 'string' && KEY_PATTERN.test(key);
}
