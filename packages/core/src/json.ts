/**
 * Django's JSONSerializer (`django.core.signing.JSONSerializer`): `json.dumps(obj, separators=(",", ":"))`
 * encoded as latin-1, so every character outside printable ASCII is written as a `\uXXXX` escape
 * (Django decodes the bytes as latin-1: raw UTF-8 would come back garbled there).
 *
 * Values JSON cannot carry faithfully raise `SerializationError` naming the key path, instead of being
 * dropped or silently turned into something else.
 */
import { isAscii, latin1Decode, latin1Encode } from './encoding.js';
import { SerializationError } from './errors.js';
import type { Serializer } from './serializer.js';

const NON_PRINTABLE_ASCII = /[^\x20-\x7e]/g;

function escapeChar(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out || '(root)';
}

function fail(path: readonly (string | number)[], problem: string): never {
  const where = formatPath(path);
  throw new SerializationError(
    `cannot serialize ${problem} at ${where} as JSON: store plain data (strings, finite numbers, booleans, null, arrays, plain objects), convert it first (e.g. a Date to an ISO string), or use @sess/serializer-pickle for rich types`,
    { path: where },
  );
}

/** Walks the value once, failing on anything `JSON.stringify` would drop, coerce or choke on. */
function check(value: unknown, path: (string | number)[], seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(path, String(value));
      return;
    case 'object': {
      if (value === null) return;
      if (seen.has(value)) fail(path, 'a circular reference');
      seen.add(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          path.push(i);
          check(value[i], path, seen);
          path.pop();
        }
      } else {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) fail(path, `a ${describe(value)}`);
        for (const key of Object.keys(value)) {
          path.push(key);
          check((value as Record<string, unknown>)[key], path, seen);
          path.pop();
        }
      }
      seen.delete(value);
      return;
    }
    default:
      fail(path, `a value of type ${typeof value}`);
  }
}

/**
 * The common case, fast: true when the value is plain JSON data. No path bookkeeping and no cycle set;
 * past a depth no session reaches it gives up, and `check` (which finds cycles) says what is wrong.
 * Strings and numbers, most of a session, are decided inline without a call.
 */
function isPlain(value: unknown, depth: number): boolean {
  if (typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object') return false;
  if (value === null) return true;
  if (depth > 200) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string' && !isPlain(v, depth + 1))
        return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  // for-in rather than Object.keys: no array per object, twice as fast on a session. It would also visit
  // enumerable properties added to Object.prototype; a non-plain one only sends the value to `check`,
  // which looks at own keys and is what decides.
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string' && !isPlain(v, depth + 1))
      return false;
  }
  return true;
}

/** Django's JSON text: printable ASCII, every other character escaped (so its latin-1 bytes are its bytes). */
function dumpsText(value: unknown): string {
  if (!isPlain(value, 0)) check(value, [], new Set());
  const text = JSON.stringify(value);
  // Most sessions are ASCII already: then there is nothing to escape but DEL.
  if (!text.includes('\x7f') && isAscii(text)) return text;
  return text.replace(NON_PRINTABLE_ASCII, escapeChar);
}

// The text is ASCII, so its latin-1 bytes are the latin-1 encoding Django expects.
function dumps(value: unknown): Uint8Array {
  return latin1Encode(dumpsText(value));
}

function loads(data: Uint8Array): unknown {
  return JSON.parse(latin1Decode(data));
}

function loadsText(text: string): unknown {
  return JSON.parse(text);
}

/** The default serializer, identical in output to Django's `JSONSerializer`. */
export const jsonSerializer: Serializer = { dumps, loads, dumpsText, loadsText };
