/**
 * Memcached item flags for sharing entries with Python. Django's memcached backends (pymemcache,
 * python-memcached) mark a pickled value with flag 1 and return a value stored with flag 0 as raw bytes, so
 * a pickled session Node stores with memjs's fixed flags (0) would reach Django as `bytes`, not a dict.
 * memjs has no per-call flags; its `serializer` hook sees the request extras (flags, then expiration), so
 * this is where they are set.
 */
import { ImproperlyConfigured } from '@sess/core';
import type { Serializer } from 'memjs';

/** pymemcache's `FLAG_PICKLE` and python-memcached's `_FLAG_PICKLE`: the item is a pickle. */
export const PYTHON_PICKLE_FLAG = 1;

// memjs opcodes whose extras start with the 4-byte flags: set, add, replace.
const STORE_OPCODES = new Set([0x01, 0x02, 0x03]);

/**
 * A memjs `serializer` that stamps every stored item with `flags` and reads values unchanged:
 * `memjs.Client.create(servers, { serializer: memjsItemFlags(PYTHON_PICKLE_FLAG) })`.
 */
export function memjsItemFlags(flags: number): Serializer<string | Buffer, Buffer | null> {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff) {
    throw new ImproperlyConfigured('memjsItemFlags: `flags` must be an unsigned 32-bit integer');
  }
  return {
    serialize(opcode, value, extras) {
      if (!STORE_OPCODES.has(opcode) || extras.length < 4) return { value, extras };
      const stamped = Buffer.from(extras);
      stamped.writeUInt32BE(flags, 0);
      return { value, extras: stamped };
    },
    deserialize(_opcode, value, extras) {
      return { value, extras };
    },
  };
}
