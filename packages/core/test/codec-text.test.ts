import type { Serializer } from '@sess/core';
import { jsonSerializer } from '@sess/core';
import { describe, expect, it } from 'vitest';
import { recordingCodec } from './codec-helpers.js';

function codecWith(serializer: Serializer) {
  return recordingCodec({ secretKey: 'codec-text-secret-key-0123456789abcdef', serializer });
}

// A serializer with bytes only, every byte value used: the codec's text form must carry them all.
const binary: Serializer = {
  dumps: (value) => Uint8Array.from([0x80, 0xff, 0x00, 0x7f, ...Buffer.from(JSON.stringify(value))]),
  loads: (bytes) => JSON.parse(Buffer.from(bytes.subarray(4)).toString()),
};

describe('the session codec’s text form (for stores that keep text)', () => {
  it('is the latin-1 text of the serialized bytes, with and without the serializer’s own text methods', () => {
    for (const serializer of [jsonSerializer, binary]) {
      const { codec, warnings } = codecWith(serializer);
      const data = { name: 'caf\u00e9', n: [1, 2, 3], nested: { ok: true } };
      const text = codec.serializeText!(data);
      expect(text).toBe(Buffer.from(codec.serialize(data)).toString('latin1'));
      expect(codec.deserializeText!(text)).toEqual(data);
      expect(warnings).toEqual([]);
    }
  });

  it('reads corrupt text or a non-dict as an empty session, with a warning', () => {
    for (const serializer of [jsonSerializer, binary]) {
      const { codec, warnings } = codecWith(serializer);
      expect(codec.deserializeText!('\u0080\u00ff\u0000\u007f{not json')).toEqual({});
      expect(codec.deserializeText!(serializer === binary ? '\u0080\u00ff\u0000\u007f[1]' : '[1]')).toEqual(
        {},
      );
      expect(warnings).toEqual(['Session data could not be decoded', 'Session data is not a dict']);
    }
  });
});
