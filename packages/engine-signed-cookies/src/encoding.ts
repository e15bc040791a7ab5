/**
 * URL-safe base64 without padding and base62 timestamps, as Django's signing writes them. Core has the
 * same helpers but keeps them private; these use only `btoa`/`atob`, which every runtime has.
 */
const B64URL = /^[A-Za-z0-9_-]*$/;

export function b64urlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Strict: anything outside the URL-safe alphabet, or an impossible length, is a TypeError. */
export function b64urlDecode(text: string): Uint8Array {
  if (!B64URL.test(text) || text.length % 4 === 1) throw new TypeError('invalid base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function b62Encode(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError('b62Encode needs a non-negative safe integer');
  let n = value;
  let out = '';
  do {
    out = B62[n % 62]! + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out;
}

export function b62Decode(text: string): number {
  if (text.length === 0 || text.length > 9) throw new TypeError('invalid base62 value');
  let n = 0;
  for (const ch of text) {
    const digit = B62.indexOf(ch);
    if (digit < 0) throw new TypeError('invalid base62 character');
    n = n * 62 + digit;
  }
  return n;
}
