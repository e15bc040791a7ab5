/**
 * Fuzzing: random bytes and mutations of real pickles (CPython's, protocols 0-5, and ours). Reading must
 * either return a value or throw an UnpicklingError (or one of its kinds), never anything else; whatever
 * it returns must write back and read again.
 */
import { SessError } from '@sess/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPickleSerializer, pickleSerializer, UnpicklingError } from '../src/index.js';
import { HARNESS, python, unb64 } from './support/python.js';
import { fromTagged, valueArb } from './support/tagged.js';

const CASES = Number(process.env.PICKLE_FUZZ_CASES ?? 20_000);
const reader = createPickleSerializer({ limits: { maxNodes: 200_000, maxContainerLength: 100_000 } });
const outcome = { values: 0, errors: 0 };

function check(data: Uint8Array): void {
  let value: unknown;
  try {
    value = reader.loads(data);
  } catch (e) {
    if (!(e instanceof UnpicklingError) || !(e instanceof SessError)) {
      throw new Error(`loads threw ${String(e)} for ${Buffer.from(data).toString('hex')}`, { cause: e });
    }
    outcome.errors++;
    return;
  }
  outcome.values++;
  const again = pickleSerializer.dumps(value);
  reader.loads(again);
}

let corpus: Uint8Array[] = [];

beforeAll(() => {
  const values = fc.sample(valueArb, { numRuns: 80, seed: 20240611 });
  const { pickles } = python<{ pickles: string[][] }>(HARNESS, {
    cmd: 'dump',
    values,
    protocols: [0, 1, 2, 3, 4, 5],
  });
  corpus = pickles.flat().map(unb64);
  for (const v of values) {
    for (const protocol of [2, 3, 4, 5] as const)
      corpus.push(createPickleSerializer({ protocol }).dumps(fromTagged(v, true)));
  }
});

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: fc.nat(),
    from: fc.nat(),
    start: fc.nat(),
    count: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('opcode' as const),
    at: fc.nat(),
    byte: fc.constantFrom(
      0x28,
      0x2e,
      0x30,
      0x31,
      0x32,
      0x52,
      0x61,
      0x62,
      0x65,
      0x68,
      0x73,
      0x74,
      0x75,
      0x81,
      0x85,
      0x90,
      0x91,
      0x92,
      0x93,
      0x94,
      0x95,
    ),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(base: Uint8Array, muts: Mutation[]): Uint8Array {
  let b = Array.from(base);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    switch (m.kind) {
      case 'flip':
      case 'opcode':
        if (b.length > 0) b[at % b.length] = m.byte;
        break;
      case 'insert':
        b.splice(at, 0, ...m.bytes);
        break;
      case 'delete':
        b.splice(at, m.count);
        break;
      case 'splice': {
        const src = corpus[m.from % corpus.length]!;
        const start = src.length === 0 ? 0 : m.start % src.length;
        b.splice(at, 0, ...src.subarray(start, start + m.count));
        break;
      }
      case 'truncate':
        b = b.slice(0, at);
        break;
    }
  }
  return Uint8Array.from(b);
}

describe('fuzz', () => {
  it(`${CASES} random and mutated inputs: a value or a typed error, nothing else`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
          {
            weight: 1,
            arbitrary: fc
              .tuple(fc.constantFrom(2, 3, 4, 5), fc.uint8Array({ maxLength: 48 }))
              .map(([p, rest]) => Uint8Array.of(0x80, p, ...rest)),
          },
          {
            weight: 6,
            arbitrary: fc
              .tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }))
              .map(([i, muts]) => mutate(corpus[i % corpus.length]!, muts)),
          },
        ),
        check,
      ),
      { numRuns: CASES },
    );
    for (const data of corpus) check(data);
    expect(outcome.values + outcome.errors).toBeGreaterThanOrEqual(CASES);
    console.info(`fuzz: ${outcome.values} inputs read, ${outcome.errors} rejected with a typed error`);
  }, 120_000);
});
