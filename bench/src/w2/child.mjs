// One W2 measurement of one codec, in a fresh process: decode → counter++ → encode, one at a time, for a
// fixed time after a short warm-up. Prints one JSON line on stdout.
import { performance } from 'node:perf_hooks';
import { printResult } from '../lib/child-result.mjs';
import { makeSessionData } from '../lib/data.mjs';
import { summarizePhase } from '../lib/stats.mjs';
import { w2Candidate } from './candidates.mjs';

const { id, durationMs, warmupMs } = JSON.parse(process.argv[2]);

async function main() {
  const codec = await w2Candidate(id).make();
  let cookie = await codec.init(makeSessionData(1));
  const warmEnd = performance.now() + warmupMs;
  let warmOps = 0;
  while (performance.now() < warmEnd) {
    cookie = await codec.step(cookie);
    warmOps++;
  }
  globalThis.gc?.();
  const lat = [];
  const start = performance.now();
  const end = start + durationMs;
  let t0 = start;
  while (t0 < end) {
    cookie = await codec.step(cookie);
    const t1 = performance.now();
    lat.push((t1 - t0) * 1000);
    t0 = t1;
  }
  const phase = summarizePhase(lat, t0 - start);
  const counter = await codec.counter(cookie);
  const expected = warmOps + phase.ops;
  return {
    ok: true,
    id,
    ...phase,
    cookieBytes: Buffer.byteLength(cookie),
    valid: counter === expected,
    counter,
    expected,
  };
}

printResult(main(), { id });
