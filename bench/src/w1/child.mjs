// One W1 measurement of one candidate, in a fresh process: create N sessions (one at a time), then the
// round trip load → counter++ → save over them one at a time (c1) and with 64 in flight (c64).
// Prints one JSON line on stdout.
import { performance } from 'node:perf_hooks';
import { printResult } from '../lib/child-result.mjs';
import { makeSessionData } from '../lib/data.mjs';
import { w1Candidate } from './candidates.mjs';
import { timedPhase } from './measure.mjs';

const config = JSON.parse(process.argv[2]);
const { id, n, capMs, concurrency, env } = config;
const WARM_MS = 200;

function gc() {
  globalThis.gc?.();
}

async function main() {
  const candidate = w1Candidate(id);
  const runner = await candidate.make(env);
  try {
    // Warm-up (not timed): lets the JIT and the connections settle for every candidate alike. Round trips
    // over a few hundred sessions go on for WARM_MS (as W2 warms up for 200 ms and W3 for 0.5 s), so the timed
    // phases measure the steady state of a long-running server, not the optimizing compiler catching up.
    const warm = Math.max(50, Math.min(500, Math.floor(n / 10)));
    const warmKeys = [];
    for (let i = 0; i < warm; i++) warmKeys.push(await runner.create(makeSessionData(n + i)));
    const warmUntil = performance.now() + WARM_MS;
    do {
      for (const key of warmKeys) await runner.roundtrip(key);
    } while (performance.now() < warmUntil);

    const data = [];
    for (let i = 0; i < n; i++) data.push(makeSessionData(i));
    const keys = new Array(n);
    gc();
    const create = await timedPhase(n, 1, capMs, async (i) => {
      keys[i] = await runner.create(data[i]);
    });
    const rssMB = process.memoryUsage().rss / 1024 ** 2;
    data.length = 0;
    const made = keys.slice(0, create.ops);
    gc();
    const c1 = await timedPhase(made.length, 1, capMs, (i) => runner.roundtrip(made[i]));
    gc();
    const c64 = await timedPhase(made.length, concurrency, capMs, (i) => runner.roundtrip(made[i]));
    const counter = await runner.read(made[0]);
    const expected = (c1.ops > 0 ? 1 : 0) + (c64.ops > 0 ? 1 : 0);
    return { ok: true, id, n, create, c1, c64, rssMB, valid: counter === expected, counter, expected };
  } finally {
    await runner.close();
  }
}

printResult(main(), { id });
