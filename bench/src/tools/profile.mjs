// Profiles one W1 or W2 candidate: starts the servers it needs (via @sess/test-servers), runs its child
// under `node --cpu-prof`, stops the servers and prints the hot spots.
//   node --import tsx bench/src/tools/profile.mjs w1 redis/sess [n]
//   node --import tsx bench/src/tools/profile.mjs w2 signed/sess [ms]
//   node --import tsx bench/src/tools/profile.mjs w3 express/sess-memory [seconds]   (profiles the server)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNodeChild } from '../lib/proc.mjs';
import { startBenchServers } from '../lib/servers.mjs';
import { w1Candidate } from '../w1/candidates.mjs';
import { W3_CANDIDATES } from '../w3/candidates.mjs';
import { measureOnce } from '../w3/run.mjs';
import { summarize } from './cpu-summary.mjs';

const [workload, id, size] = process.argv.slice(2);

/** One W3 measurement with the server process under --cpu-prof (its profile is written when it exits). */
async function profileServer(candidate, seconds, profileDir) {
  const settings = { connections: 50, durationS: seconds, warmupS: 0.5, poolSize: 500 };
  return measureOnce(candidate, settings, servers, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
}
const dir = mkdtempSync(join(tmpdir(), 'sess-bench-prof-'));
const tmp = mkdtempSync(join(tmpdir(), 'sess-bench-'));
const w3 = workload === 'w3' ? W3_CANDIDATES.find((c) => c.id === id) : undefined;
const servers = await startBenchServers(workload === 'w1' ? w1Candidate(id).needs : (w3?.needs ?? []));
try {
  const nodeArgs = ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${dir}`];
  const result =
    workload === 'w3'
      ? await profileServer(w3, Number(size ?? 5), dir)
      : workload === 'w1'
        ? await runNodeChild(
            new URL('../w1/child.mjs', import.meta.url),
            {
              id,
              n: Number(size ?? 20_000),
              capMs: 10_000,
              concurrency: 64,
              env: { servers: servers.info, tmpDir: tmp },
            },
            { nodeArgs, timeoutMs: 300_000 },
          )
        : await runNodeChild(
            new URL('../w2/child.mjs', import.meta.url),
            { id, durationMs: Number(size ?? 3000), warmupMs: 300 },
            { nodeArgs },
          );
  console.log(JSON.stringify(result).slice(0, 400));
  console.log(summarize(dir, 40));
  console.log(`profile kept in ${dir}`);
} finally {
  await servers.stop();
  rmSync(tmp, { recursive: true, force: true });
}
