/**
 * UTF-8 as pickle uses it: Python encodes `str` with the `surrogatepass` error handler, so a lone surrogate
 * (legal in both Python and JS strings) travels as its 3-byte form instead of being replaced by U+FFFD.
 */

// ignoreBOM: a leading U+FEFF is data, not a byte-order mark.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();
const CHUNK = 8192;

/** Thrown for bytes that are not UTF-8 (surrogates allowed); the reader turns it into an UnpicklingError. */
export class Utf8Error extends Error {}

// Recently decoded short ASCII strings, by a hash of their bytes. Session data repeats its keys
// (`_auth_user_id`…): reusing the string saves the allocation, and V8 has it interned already when it is
// used as a property name again.
const CACHE_SIZE = 2048;
const cache: (string | undefined)[] = new Array(CACHE_SIZE);

export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  const len = end - start;
  if (len <= 24) {
    let h = len;
    let i = start;
    for (; i < end; i++) {
      const c = bytes[i] as number;
      if (c >= 0x80) break;
      h = (Math.imul(h, 31) + c) | 0;
    }
    if (i === end) {
      const slot = (h ^ (h >>> 11)) & (CACHE_SIZE - 1);
      const hit = cache[slot];
      if (hit !== undefined && hit.length === len) {
        let same = true;
        for (let k = 0; k < len; k++) {
          if (hit.charCodeAt(k) !== bytes[start + k]) {
            same = false;
            break;
          }
        }
        if (same) return hit;
      }
      const codes = new Array<number>(len);
      for (let k = 0; k < len; k++) codes[k] = bytes[start + k] as number;
      const s = String.fromCharCode.apply(null, codes);
      cache[slot] = s;
      return s;
    }
  }
  try {
    return decoder.decode(bytes.subarray(start, end));
  } catch {
    return decodeSurrogatePass(bytes, start, end);
  }
}

function decodeSurrogatePass(b: Uint8Array, start: number, end: number): string {
  const units: number[] = [];
  let out = '';
  let i = start;
  const cont = (k: number): number => {
    const c = b[k];
    if (k >= end || c === undefined || (c & 0xc0) !== 0x80)
      throw new Utf8Error(`invalid UTF-8 at byte ${k - start}`);
    return c & 0x3f;
  };
  while (i < end) {
    const c = b[i] as number;
    if (c < 0x80) {
      units.push(c);
      i += 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
      units.push(((c & 0x1f) << 6) | cont(i + 1));
      i += 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      const c1 = b[i + 1] ?? 0;
      if (c === 0xe0 && c1 < 0xa0) throw new Utf8Error(`overlong UTF-8 at byte ${i - start}`);
      units.push(((c & 0x0f) << 12) | (cont(i + 1) << 6) | cont(i + 2));
      i += 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      const c1 = b[i + 1] ?? 0;
      if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f))
        throw new Utf8Error(`invalid UTF-8 at byte ${i - start}`);
      const cp = ((c & 0x07) << 18) | (cont(i + 1) << 12) | (cont(i + 2) << 6) | cont(i + 3);
      units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
      i += 4;
    } else {
      throw new Utf8Error(`invalid UTF-8 start byte 0x${c.toString(16)} at byte ${i - start}`);
    }
    if (units.length >= CHUNK) {
      out += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  return out + String.fromCharCode.apply(null, units);
}

const hasIsWellFormed = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function';
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isWellFormed(s: string): boolean {
  return hasIsWellFormed
    ? (s as string & { isWellFormed(): boolean }).isWellFormed()
    : !LONE_SURROGATE.test(s);
}

/**
 * Writes `s` as UTF-8 (surrogatepass) into `out` at `pos`; `out` must have `3 * s.length` bytes free.
 * Returns the new position.
 */
export function encodeUtf8Into(s: string, out: Uint8Array, pos: number): number {
  const n = s.length;
  if (n > 64 && isWellFormed(s)) {
    return pos + (encoder.encodeInto(s, out.subarray(pos)).written as number);
  }
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[pos++] = c;
    } else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[pos++] = 0xf0 | (c >> 18);
          out[pos++] = 0x80 | ((c >> 12) & 0x3f);
          out[pos++] = 0x80 | ((c >> 6) & 0x3f);
          out[pos++] = 0x80 | (c & 0x3f);
          continue;
        }
      }
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
}
