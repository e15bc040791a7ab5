// W1 orchestration: per backend, every candidate once per repetition, interleaved (A B C / C B A), each in
// a fresh process after the servers were flushed; networked backends' clients run on CPU 0.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNodeChild } from '../lib/proc.mjs';
import { interleave } from '../lib/stats.mjs';
import { BACKENDS, NETWORKED, W1_CANDIDATES } from './candidates.mjs';

const CHILD = new URL('./child.mjs', import.meta.url);

/** A candidate whose package is not built (or not written yet) is reported as missing, not retried. */
export function isMissingModule(error) {
  return /ERR_MODULE_NOT_FOUND|does not provide an export|is not a function|Cannot find module/.test(
    error ?? '',
  );
}

export function w1Selection(settings, filter) {
  return W1_CANDIDATES.filter(
    (c) =>
      (!settings.backends || settings.backends.includes(c.backend)) &&
      (!settings.ids || settings.ids.includes(c.id)) &&
      (!filter || c.id.includes(filter)),
  );
}

export async function runW1({ settings, reps, filter, servers, log }) {
  const selected = w1Selection(settings, filter);
  const runs = {};
  const errors = {};
  for (const backend of BACKENDS) {
    const group = selected.filter((c) => c.backend === backend);
    if (group.length === 0) continue;
    for (const c of group) runs[c.id] = [];
    for (let rep = 0; rep < reps; rep++) {
      for (const c of interleave(group, rep)) {
        if (errors[c.id] && isMissingModule(errors[c.id])) {
          runs[c.id].push(null);
          continue;
        }
        await servers.flush();
        // The file candidates write and delete thousands of files: flush the page cache's dirty pages (the
        // previous run's included) first, so no candidate's fsyncs wait on another's writeback.
        if (backend === 'file') execFileSync('sync');
        const tmpDir = mkdtempSync(join(tmpdir(), 'sess-bench-'));
        const n = backend === 'file' ? settings.fileN : settings.n;
        const config = {
          id: c.id,
          n,
          capMs: settings.capMs,
          concurrency: settings.concurrency,
          env: { servers: servers.info, tmpDir },
        };
        const result = await runNodeChild(CHILD, config, {
          cpu: NETWORKED.has(backend) && servers.serverCpu > 0 ? 0 : undefined,
          timeoutMs: 60_000 + settings.capMs * 10,
        });
        rmSync(tmpDir, { recursive: true, force: true });
        if (result.ok) {
          runs[c.id].push(result);
          log(
            `W1 ${c.id.padEnd(38)} rep ${rep + 1}: c1 ${Math.round(result.c1.opsPerSec)} ops/s, c64 ${Math.round(result.c64.opsPerSec)} ops/s${result.valid ? '' : ' INVALID'}`,
          );
        } else {
          runs[c.id].push(null);
          errors[c.id] = result.error;
          log(`W1 ${c.id} rep ${rep + 1}: FAILED ${result.error.split('\n')[0]}`);
        }
      }
    }
  }
  return {
    settings,
    candidates: selected.map(({ make, ...c }) => c),
    runs,
    errors,
  };
}
