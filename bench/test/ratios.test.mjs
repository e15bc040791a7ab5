// Smoke test of the harness's arithmetic on fake timings (no server, no benchmark): percentiles, medians,
// per-repetition paired ratios, interleaving, and the targets table. Runs in well under a second.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { targets, w1Rows, w3Rows } from '../src/lib/report.mjs';
import { interleave, median, pairedRatio, quantile, spread, summarizePhase } from '../src/lib/stats.mjs';

test('quantile and median', () => {
  const xs = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
  assert.equal(quantile(xs, 0.5), 5);
  assert.equal(quantile(xs, 0.99), 10);
  assert.equal(quantile(xs, 0), 1);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.equal(median([Number.NaN, 2, 4]), 3);
  assert.equal(spread([90, 100, 110]), 0.2);
});

test('a phase: ops/s from the count and the elapsed time, percentiles from the samples', () => {
  const lat = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100 µs
  const s = summarizePhase(lat, 50); // 100 ops in 50 ms
  assert.equal(s.ops, 100);
  assert.equal(s.opsPerSec, 2000);
  assert.equal(s.p50us, 50);
  assert.equal(s.p99us, 99);
});

test('ratios are paired by repetition, then the median is taken', () => {
  // The machine slows down over the run; paired ratios stay 0.5 while a ratio of medians would not.
  assert.equal(pairedRatio([50, 40, 30], [100, 80, 60]), 0.5);
  assert.equal(pairedRatio([50, 90, 30], [100, 100, 100]), 0.5);
  assert.equal(pairedRatio([50, Number.NaN, 30], [100, 100, 60]), 0.5);
  assert.ok(Number.isNaN(pairedRatio([1], [0])));
});

test('interleaving alternates the order: A B C, C B A, A B C', () => {
  assert.deepEqual(interleave(['A', 'B', 'C'], 0), ['A', 'B', 'C']);
  assert.deepEqual(interleave(['A', 'B', 'C'], 1), ['C', 'B', 'A']);
  assert.deepEqual(interleave(['A', 'B', 'C'], 2), ['A', 'B', 'C']);
});

const phase = (opsPerSec) => ({ ops: 1, seconds: 1, opsPerSec, p50us: 1, p99us: 2, capped: false });
const w1Run = (c1, c64) => ({
  ok: true,
  create: phase(1),
  c1: phase(c1),
  c64: phase(c64),
  rssMB: 1,
  valid: true,
});

test('W1 rows and targets from fake runs', () => {
  const section = {
    candidates: [
      { id: 'redis/sess', backend: 'redis', label: 'sess', role: 'sess', ref: 'redis/raw-ioredis' },
      { id: 'redis/raw-ioredis', backend: 'redis', label: 'raw', role: 'limit' },
    ],
    runs: {
      'redis/sess': [w1Run(900, 1800), w1Run(850, 1500), w1Run(950, 1900)],
      'redis/raw-ioredis': [w1Run(1000, 2000), w1Run(1000, 2000), w1Run(1000, 2000)],
    },
    errors: {},
  };
  const [sess] = w1Rows(section);
  assert.equal(sess.c1, 900);
  assert.equal(sess.ratioC1, 0.9);
  assert.equal(sess.ratioC64, 0.9);
  const [t] = targets({ w1: section });
  assert.equal(t.met, true);
  section.runs['redis/sess'][0].c64.opsPerSec = 1000;
  section.runs['redis/sess'][2].c64.opsPerSec = 1000;
  const [t2] = targets({ w1: section });
  assert.equal(t2.value, 0.5);
  assert.equal(t2.met, false);
});

test('W3: a lazy route that called the store misses its target whatever its speed', () => {
  const run = (reqPerSec, storeCalls = 0) => ({
    ok: true,
    reqPerSec,
    meanMs: 1,
    p50ms: 1,
    p99ms: 2,
    non2xx: 0,
    errors: 0,
    cookieBytes: 10,
    check: 'n/a→n/a',
    storeCalls,
  });
  const section = {
    settings: { connections: 50, poolSize: 10 },
    candidates: [
      { id: 'express/none', framework: 'express', label: 'none', role: 'limit', path: '/' },
      {
        id: 'express/sess-lazy-memory',
        framework: 'express',
        label: 'lazy',
        role: 'sess',
        ref: 'express/none',
        lazy: true,
        path: '/untouched',
      },
    ],
    runs: {
      'express/none': [run(100), run(100), run(100)],
      'express/sess-lazy-memory': [run(99), run(98), run(97, 1)],
    },
    errors: {},
  };
  const lazy = w3Rows(section).find((r) => r.lazy);
  assert.equal(lazy.ratio, 0.98);
  assert.equal(lazy.storeCalls, 1);
  const [t] = targets({ w3: section });
  assert.equal(t.met, false);
});
