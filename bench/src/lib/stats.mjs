// Pure number crunching: percentiles of latency samples, medians over repetitions, ratios to raw limits.
// Kept free of I/O so the smoke test can prove it on fake timings.

/** The q-quantile (0..1) of `values` by nearest rank; `values` need not be sorted. */
export function quantile(values, q) {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
  return sorted[rank];
}

export function median(values) {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = xs.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? xs[(n - 1) / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

/** (max − min) / median: how much the repetitions disagree. */
export function spread(values) {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length < 2) return Number.NaN;
  const m = median(xs);
  return m === 0 ? Number.NaN : (Math.max(...xs) - Math.min(...xs)) / m;
}

/** Summary of one timed phase: `latenciesUs` holds one sample per operation (microseconds). */
export function summarizePhase(latenciesUs, elapsedMs) {
  const ops = latenciesUs.length;
  return {
    ops,
    seconds: elapsedMs / 1e3,
    opsPerSec: elapsedMs > 0 ? (ops * 1e3) / elapsedMs : Number.NaN,
    p50us: quantile(latenciesUs, 0.5),
    p99us: quantile(latenciesUs, 0.99),
  };
}

/**
 * Ratio of a candidate to its reference, paired by repetition: rep i of the candidate is divided by rep i
 * of the reference (they ran next to each other, so drift of the machine cancels), and the median of those
 * per-repetition ratios is reported. Repetitions where either side is missing are left out.
 */
export function pairedRatio(candidateReps, referenceReps) {
  const ratios = [];
  const n = Math.min(candidateReps.length, referenceReps.length);
  for (let i = 0; i < n; i++) {
    const c = candidateReps[i];
    const r = referenceReps[i];
    if (Number.isFinite(c) && Number.isFinite(r) && r > 0) ratios.push(c / r);
  }
  return median(ratios);
}

/**
 * The order candidates run in for repetition `rep`: forward on even reps, reversed on odd ones
 * (A B C, C B A, A B C …), so no candidate always runs first or last.
 */
export function interleave(candidates, rep) {
  return rep % 2 === 0 ? [...candidates] : [...candidates].reverse();
}

/**
 * Medians and ratios for a set of candidates measured over several repetitions.
 * `runs`: { [candidateId]: [{ metric: number, ... } per rep] }; `refs`: { [candidateId]: refId }.
 * Returns { [candidateId]: { median, spread, ratio } } for `metric`.
 */
export function rollup(runs, refs, metric) {
  const out = {};
  for (const [id, reps] of Object.entries(runs)) {
    const values = reps.map((r) => (r ? r[metric] : Number.NaN));
    const refId = refs[id];
    const refValues = refId && runs[refId] ? runs[refId].map((r) => (r ? r[metric] : Number.NaN)) : [];
    out[id] = {
      median: median(values),
      spread: spread(values),
      ratio: refId ? pairedRatio(values, refValues) : Number.NaN,
    };
  }
  return out;
}
