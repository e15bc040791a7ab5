/** The text encodings Django's signing uses: URL-safe base64 without padding, and base62 timestamps. */

interface NodeText {
  toString(encoding: 'latin1' | 'base64url'): string;
}
interface BufferLike {
  isBuffer(value: unknown): boolean;
  byteLength(text: string): number;
  from(
    buffer: ArrayBufferLike,
    offset: number,
    length: number,
  ): { toString(encoding: 'latin1' | 'base64url'): string };
  from(text: string, encoding: 'base64url' | 'latin1'): Uint8Array;
}
// Node's Buffer does base64url and latin-1 natively, several times faster than the loops below, which
// remain for runtimes without it (TextDecoder('latin1') is really windows-1252, so no substitute).
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;
const B64URL_TEXT = /^[A-Za-z0-9_-]*$/;

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) B64_LOOKUP[B64URL.charCodeAt(i)] = i;

export function b64urlEncode(bytes: Uint8Array): string {
  if (NodeBuffer) {
    if (NodeBuffer.isBuffer(bytes)) return (bytes as unknown as NodeText).toString('base64url');
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  }
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!;
  }
  return out;
}

/** Strict decoder: any character outside the URL-safe alphabet (or '=' padding at the end) is an error. */
export function b64urlDecode(text: string): Uint8Array {
  const s = text.endsWith('=') ? text.replace(/=+$/, '') : text;
  if (s.length % 4 === 1) throw new TypeError('invalid base64 length');
  if (NodeBuffer) {
    // Buffer's decoder skips characters outside the alphabet; check them first to stay strict.
    if (!B64URL_TEXT.test(s)) throw new TypeError('invalid base64 character');
    return NodeBuffer.from(s, 'base64url');
  }
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    const v = code < 128 ? B64_LOOKUP[code]! : -1;
    if (v < 0) throw new TypeError('invalid base64 character');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function b62Encode(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError('b62Encode needs a safe integer');
  if (value === 0) return '0';
  const sign = value < 0 ? '-' : '';
  let n = Math.abs(value);
  let out = '';
  while (n > 0) {
    out = B62[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return sign + out;
}

export function b62Decode(text: string): number {
  let s = text;
  let sign = 1;
  if (s.startsWith('-')) {
    sign = -1;
    s = s.slice(1);
  }
  if (s.length === 0 || s.length > 9) throw new TypeError('invalid base62 value');
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const v = B62.indexOf(s[i]!);
    if (v < 0) throw new TypeError('invalid base62 character');
    n = n * 62 + v;
  }
  return sign * n;
}

/** Whether `text` is entirely 7-bit ASCII (a native scan on Node). */
export function isAscii(text: string): boolean {
  if (NodeBuffer) return NodeBuffer.byteLength(text) === text.length;
  return !/[^\x00-\x7f]/.test(text);
}

/** ISO-8859-1 text (every character below U+0100) as its bytes, one byte per character. */
export function latin1Encode(text: string): Uint8Array {
  if (NodeBuffer) return NodeBuffer.from(text, 'latin1');
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Bytes as ISO-8859-1 text, one character per byte (Django decodes session JSON this way). */
export function latin1Decode(bytes: Uint8Array): string {
  if (NodeBuffer) {
    // A Buffer (what Node's drivers hand over) decodes as is; a plain Uint8Array needs a Buffer view.
    if (NodeBuffer.isBuffer(bytes)) return (bytes as unknown as NodeText).toString('latin1');
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return out;
}
