// W2 orchestration: every codec once per repetition, interleaved, each in a fresh process.
import { runNodeChild } from '../lib/proc.mjs';
import { interleave } from '../lib/stats.mjs';
import { isMissingModule } from '../w1/run.mjs';
import { W2_CANDIDATES } from './candidates.mjs';

const CHILD = new URL('./child.mjs', import.meta.url);

export async function runW2({ settings, reps, filter, log }) {
  const selected = W2_CANDIDATES.filter(
    (c) => (!settings.ids || settings.ids.includes(c.id)) && (!filter || c.id.includes(filter)),
  );
  const runs = Object.fromEntries(selected.map((c) => [c.id, []]));
  const errors = {};
  for (let rep = 0; rep < reps; rep++) {
    for (const c of interleave(selected, rep)) {
      if (errors[c.id] && isMissingModule(errors[c.id])) {
        runs[c.id].push(null);
        continue;
      }
      const result = await runNodeChild(CHILD, {
        id: c.id,
        durationMs: settings.durationMs,
        warmupMs: settings.warmupMs,
      });
      if (result.ok) {
        runs[c.id].push(result);
        log(
          `W2 ${c.id.padEnd(38)} rep ${rep + 1}: ${Math.round(result.opsPerSec)} ops/s${result.valid ? '' : ' INVALID'}`,
        );
      } else {
        runs[c.id].push(null);
        errors[c.id] = result.error;
        log(`W2 ${c.id} rep ${rep + 1}: FAILED ${result.error.split('\n')[0]}`);
      }
    }
  }
  return { settings, candidates: selected.map(({ make, ...c }) => c), runs, errors };
}
