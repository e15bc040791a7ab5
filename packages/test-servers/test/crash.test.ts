import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPortOpen, isProcessAlive, pidfileDir, reapOrphans, startRedis } from '../src/index.js';
import { expectGone, expectNoFile } from './helpers.js';

interface ChildReport {
  pid: number;
  port: number;
  owner: number;
}

let bundleDir: string;
let childScript: string;

beforeAll(async () => {
  bundleDir = mkdtempSync(join(tmpdir(), 'sess-crash-test-'));
  childScript = join(bundleDir, 'crash-child.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'fixtures', 'crash-child.ts')],
    outfile: childScript,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
  });
});

afterAll(() => {
  rmSync(bundleDir, { recursive: true, force: true });
});

/** Runs the child until it reports its redis (and, unless `keep`, until it has died). */
async function runChild(
  mode: string,
): Promise<{ report: ChildReport; kill: (sig: NodeJS.Signals) => void; done: Promise<string> }> {
  const child = spawn(process.execPath, [childScript, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<string>((resolve) =>
    child.once('exit', (code, sig) => resolve(sig ?? `code ${code}`)),
  );
  const report = await new Promise<ChildReport>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(JSON.parse(line) as ChildReport);
    });
    void done.then((how) => reject(new Error(`child ended (${how}) before reporting:\n${stderr}`)));
  });
  return { report, kill: (sig) => child.kill(sig), done };
}

function pidfileOf(pid: number): string {
  return join(pidfileDir(), `redis-${pid}.json`);
}

describe('crash safety', () => {
  it('a server left behind by a SIGKILLed owner is reaped by the next start', async () => {
    const { report, done } = await runChild('sigkill');
    expect(await done).toBe('SIGKILL');
    // the orphan is still running, recorded with its dead owner
    expect(isProcessAlive(report.pid)).toBe(true);
    expect(await isPortOpen(report.port)).toBe(true);
    const orphanDir = readlinkSync(`/proc/${report.pid}/cwd`);
    const record = JSON.parse(readFileSync(pidfileOf(report.pid), 'utf8')) as { owner: number; pid: number };
    expect(record).toMatchObject({ pid: report.pid, owner: report.owner });

    const next = await startRedis();
    try {
      await expectGone(report.pid, report.port);
      expectNoFile(pidfileOf(report.pid));
      expectNoFile(orphanDir);
    } finally {
      await next.stop();
    }
  });

  it('a server whose owner calls process.exit(1) is killed by the exit hook', async () => {
    const { report, done } = await runChild('exit');
    expect(await done).toBe('code 1');
    await expectGone(report.pid, report.port);
    expectNoFile(pidfileOf(report.pid));
  });

  it('a server whose owner dies of an uncaught exception is killed too', async () => {
    const { report, done } = await runChild('throw');
    expect(await done).toBe('code 1');
    await expectGone(report.pid, report.port);
  });

  it('SIGTERM / SIGINT to the owner kill its servers, and the owner still terminates by the signal', async () => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const { report, kill, done } = await runChild('wait');
      expect(isProcessAlive(report.pid)).toBe(true);
      kill(sig);
      expect(await done).toBe(sig);
      await expectGone(report.pid, report.port);
      expectNoFile(pidfileOf(report.pid));
    }
  });

  it('servers of live owners are left alone by the reaper', async () => {
    const { report, kill, done } = await runChild('wait');
    try {
      await sleep(10);
      expect(await reapOrphans()).not.toContain(report.pid);
      expect(isProcessAlive(report.pid)).toBe(true);
      expect(existsSync(pidfileOf(report.pid))).toBe(true);
    } finally {
      kill('SIGTERM');
      await done;
    }
    await expectGone(report.pid, report.port);
  });
});
