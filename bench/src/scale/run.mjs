// Scale orchestration (full mode only): per database, a fill process then a clearExpired process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNodeChild } from '../lib/proc.mjs';

const CHILD = new URL('./child.mjs', import.meta.url);

export function scaleServers() {
  return ['postgres'];
}

export async function runScale({ settings, servers, log }) {
  const results = {};
  for (const db of ['sqlite', 'postgres']) {
    await servers.flush();
    const tmpDir = mkdtempSync(join(tmpdir(), 'sess-bench-scale-'));
    const env = { servers: servers.info, tmpDir };
    try {
      const fill = await runNodeChild(
        CHILD,
        { step: 'fill', db, rows: settings.rows, loads: settings.loads, env },
        { timeoutMs: 600_000 },
      );
      if (!fill.ok) {
        results[db] = fill;
        log(`scale ${db}: FAILED ${fill.error.split('\n')[0]}`);
        continue;
      }
      log(
        `scale ${db}: ${fill.rows} rows in ${fill.insertS.toFixed(1)} s; load p50 ${fill.load.p50us.toFixed(0)} µs, p99 ${fill.load.p99us.toFixed(0)} µs`,
      );
      const clear = await runNodeChild(CHILD, { step: 'clear', db, env }, { timeoutMs: 600_000 });
      if (!clear.ok) {
        results[db] = clear;
        log(`scale ${db} clearExpired: FAILED ${clear.error.split('\n')[0]}`);
        continue;
      }
      log(
        `scale ${db}: clearExpired removed ${clear.removed} in ${clear.seconds.toFixed(2)} s, peak RSS ${clear.peakRssMB.toFixed(0)} MB`,
      );
      results[db] = {
        ok: true,
        rows: fill.rows,
        insertS: fill.insertS,
        load: fill.load,
        found: fill.found,
        clear,
      };
    } finally {
      rmSync(tmpDir, { recursive: true, force: true });
    }
  }
  return { settings, results };
}
