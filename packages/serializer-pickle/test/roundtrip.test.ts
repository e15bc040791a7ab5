/**
 * Property-based round trips against the machine's CPython (/usr/bin/python3), both directions, batched
 * (one Python process per batch and direction):
 *   Python pickles each value with protocols 0-5 → we read it (and compare with the JS value we expect)
 *   → we write it again (protocols 2-5) → Python loads that and compares with the original, types included.
 *   We also write the expected JS value directly and Python compares that too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPickleSerializer } from '../src/index.js';
import { b64, HARNESS, python, unb64 } from './support/python.js';
import { difference } from './support/same.js';
import { fromTagged, type Tagged, valueArb } from './support/tagged.js';

const READ_PROTOCOLS = [0, 1, 2, 3, 4, 5];
const WRITE_PROTOCOLS = [2, 3, 4, 5] as const;
const BATCH = 140;
const RUNS = 15;

const exact = WRITE_PROTOCOLS.map((protocol) =>
  createPickleSerializer({ protocol, integralFloats: 'PyFloat' }),
);
const loose = WRITE_PROTOCOLS.map((protocol) => createPickleSerializer({ protocol }));

interface CheckItem {
  value: Tagged;
  pickle: string;
  loose?: boolean;
}

interface CheckResult {
  failures: { i: number; got?: string; expected?: string; error?: string }[];
  checked: number;
}

const counts = { pythonToJs: 0, jsToPython: 0, values: 0 };

function roundTripBatch(values: Tagged[]): void {
  const { pickles } = python<{ pickles: string[][] }>(HARNESS, {
    cmd: 'dump',
    values,
    protocols: READ_PROTOCOLS,
  });
  const items: CheckItem[] = [];
  values.forEach((value, i) => {
    const row = pickles[i] as string[];
    READ_PROTOCOLS.forEach((p, j) => {
      const data = unb64(row[j] as string);
      const w = (i + j) % WRITE_PROTOCOLS.length;
      // Exact mode: integral floats come back as PyFloat, so every type survives.
      const got = (exact[w] ?? exact[0])!.loads(data);
      const diff = difference(got, fromTagged(value, true));
      if (diff) throw new Error(`protocol ${p} pickle of ${JSON.stringify(value)} read wrong: ${diff}`);
      items.push({ value, pickle: b64(exact[w]!.dumps(got)) });
      // Default mode: Python compares int/float by value (1 == 1.0), everything else by type.
      const plain = loose[w]!.loads(data);
      items.push({ value, pickle: b64(loose[w]!.dumps(plain)), loose: true });
      counts.pythonToJs++;
    });
    const direct = fromTagged(value, true);
    for (const s of exact) items.push({ value, pickle: b64(s.dumps(direct)) });
    items.push({ value, pickle: b64(loose[i % 4]!.dumps(fromTagged(value, false))), loose: true });
  });
  const result = python<CheckResult>(HARNESS, { cmd: 'check', items });
  counts.jsToPython += result.checked;
  counts.values += values.length;
  if (result.failures.length > 0) {
    const f = result.failures[0]!;
    const item = items[f.i]!;
    throw new Error(
      `${result.failures.length} of ${items.length} pickles did not load equal in Python; first: ${JSON.stringify(item.value)}\n` +
        `  ours: ${item.pickle}\n  ${f.error ?? `got ${f.got}\n  expected ${f.expected}`}`,
    );
  }
}

describe('round trips through CPython', () => {
  it(`${RUNS * BATCH} random values, Python → JS (protocols 0-5) → Python (protocols 2-5) and JS → Python`, () => {
    fc.assert(
      fc.property(fc.array(valueArb, { minLength: BATCH, maxLength: BATCH }), (values) => {
        roundTripBatch(values);
      }),
      { numRuns: RUNS },
    );
    expect(counts.values).toBeGreaterThanOrEqual(RUNS * BATCH);
    console.info(
      `round trips: ${counts.values} values, ${counts.pythonToJs} Python pickles read, ${counts.jsToPython} of ours loaded by Python`,
    );
  }, 120_000);
});
