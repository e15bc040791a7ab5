// Self time by function from a V8 .cpuprofile (what `node --cpu-prof` writes): the hot spots, with
// package-relative file names. `node bench/src/tools/cpu-summary.mjs <file-or-dir> [rows]`
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A .cpuprofile file, or the newest one in a directory. */
function profileFile(target) {
  if (!statSync(target).isDirectory()) return target;
  return readdirSync(target)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(target, f))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)
    .pop();
}

export function summarize(target, rows = 30) {
  const file = profileFile(target);
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const deltas = profile.timeDeltas;
  const total = deltas.reduce((a, b) => a + b, 0);
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const { callFrame: cf } = byId.get(id);
    const where = cf.url
      .replace(/^file:\/\//, '')
      .replace(/.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '')
      .replace(/.*\/(packages|bench)\//, '$1/');
    const key = `${cf.functionName || '(anonymous)'}  ${where}${where ? `:${cf.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (deltas[i] ?? 0));
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(
      ([key, t]) =>
        `${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${key}`,
    )
    .join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(summarize(process.argv[2], Number(process.argv[3] ?? 30)));
}
