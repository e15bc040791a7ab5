// Profiles one W1 or W2 candidate: starts the servers it needs (via @sess/test-servers), runs its child
// under `node --cpu-prof`, stops the servers and prints the hot spots.
//   node --import tsx bench/src/tools/profile.mjs w1 redis/sess [n]
//   node --import tsx bench/src/tools/profile.mjs w2 signed/sess [ms]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNodeChild } from '../lib/proc.mjs';
import { startBenchServers } from '../lib/servers.mjs';
import { w1Candidate } from '../w1/candidates.mjs';
import { summarize } from './cpu-summary.mjs';

const [workload, id, size] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'sess-bench-prof-'));
const tmp = mkdtempSync(join(tmpdir(), 'sess-bench-'));
const servers = await startBenchServers(workload === 'w1' ? w1Candidate(id).needs : []);
try {
  const nodeArgs = ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${dir}`];
  const result =
    workload === 'w1'
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
