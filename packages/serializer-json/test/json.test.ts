import { execFileSync } from 'node:child_process';
import { SerializationError, Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { jsonSerializer } from '@sess/serializer-json';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Python's `json.dumps(v, separators=(",", ":"))`, what Django writes, for a batch of values. */
function pythonDumps(values: unknown[]): string[] {
  const script =
    'import json, sys\nvals = json.loads(sys.stdin.read())\nprint(json.dumps([json.dumps(v, separators=(",", ":")) for v in vals]))';
  return JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(values), encoding: 'utf8' }),
  );
}

const plain = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary' }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('@sess/serializer-json', () => {
  it('is the default serializer of Sessions', () => {
    const sessions = new Sessions({
      engine: cacheEngine({ backend: memoryCache() }),
      secretKey: 'json-test-secret-key-0123456789abcd',
    });
    expect(sessions.settings.serializer).toBe(jsonSerializer);
  });

  it('writes the same bytes as Python for random data (property test, 300 values)', () => {
    const values = fc.sample(
      fc.dictionary(fc.string({ unit: 'binary', maxLength: 10 }), plain, { maxKeys: 6 }),
      300,
    );
    const ours = values.map((v) => new TextDecoder('latin1').decode(jsonSerializer.dumps(v)));
    const python = pythonDumps(values);
    expect(ours).toEqual(python);
    // The text form (for stores that keep text) is the same characters, one per byte.
    expect(values.map((v) => jsonSerializer.dumpsText!(v))).toEqual(python);
  });

  it('writes DEL and non-ASCII escaped in its text form too', () => {
    const value = { a: 'caf\u00e9 \u007f \u{1f600} \u2028', b: ['\u0000\n'] };
    const text = jsonSerializer.dumpsText!(value);
    expect(text).toBe(Buffer.from(jsonSerializer.dumps(value)).toString('latin1'));
    expect(text).toMatch(/^[\x20-\x7e]*$/);
    expect(jsonSerializer.loadsText!(text)).toEqual(value);
  });

  it('reads back what it writes', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary', maxLength: 10 }), plain), (value) => {
        expect(jsonSerializer.loads(jsonSerializer.dumps(value))).toEqual(value);
        expect(jsonSerializer.loadsText!(jsonSerializer.dumpsText!(value))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('raises SerializationError for what JSON cannot carry', () => {
    expect(() => jsonSerializer.dumps({ a: undefined })).toThrow(SerializationError);
    expect(() => jsonSerializer.dumpsText!({ a: Number.NaN })).toThrow(SerializationError);
  });
});
