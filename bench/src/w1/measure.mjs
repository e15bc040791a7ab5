// Timed phases for W1: run `op(i)` over items one at a time (c1) or with `concurrency` in flight, stop at
// the cap, and keep one latency sample per operation.
import { performance } from 'node:perf_hooks';
import { summarizePhase } from '../lib/stats.mjs';

export async function timedPhase(count, concurrency, capMs, op) {
  const lat = new Float64Array(count);
  let next = 0;
  let done = 0;
  const start = performance.now();
  const deadline = start + capMs;
  let capped = false;
  async function worker() {
    for (;;) {
      if (next >= count) return;
      const t0 = performance.now();
      if (t0 > deadline) {
        capped = true;
        return;
      }
      const i = next++;
      await op(i);
      lat[done++] = performance.now() - t0;
    }
  }
  const workers = [];
  for (let w = 0; w < concurrency; w++) workers.push(worker());
  await Promise.all(workers);
  const elapsed = performance.now() - start;
  const samples = lat.subarray(0, done);
  for (let k = 0; k < samples.length; k++) samples[k] *= 1000; // ms → µs
  return { ...summarizePhase(samples, elapsed), capped };
}
