/**
 * The file engine against other processes and real write failures: a second Node process saving the
 * same and other sessions at once, a process killed in the middle of saves, a file-size limit (EFBIG),
 * and a directory the process may no longer write to (EACCES).
 */
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingLogger } from '@sess/contract';
import { Sessions } from '@sess/core';
import { fileEngine, TEMP_MARKER } from '@sess/engine-file';
import { describe, expect, it } from 'vitest';
import { blob, intact, SECRET_KEY, type Versioned } from './fixtures/shared.ts';
import { mixedWorkload } from './fixtures/workload.ts';
import { result, spawnWorker, tempDir } from './helpers.ts';

const NOBODY = 65534;

function open(dir: string, logger = new RecordingLogger()) {
  return new Sessions<Versioned>({ engine: fileEngine({ path: dir }), secretKey: SECRET_KEY, logger });
}

const tempFiles = (dir: string) => readdirSync(dir).filter((name) => name.includes(TEMP_MARKER));

describe('two processes', () => {
  it('concurrent saves of the same and of different sessions: no torn file, no lost acknowledged write', async () => {
    const dir = tempDir();
    const logger = new RecordingLogger();
    const sessions = open(dir, logger);
    const shared = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const s = sessions.open();
        s.update({ writer: 'setup', seq: 0, ...blob(`setup-${i}`, 1000) });
        await s.save();
        return s.sessionKey!;
      }),
    );

    const worker = spawnWorker({ mode: 'mixed', dir, writer: 'child', shared, rounds: 25, own: 20 });
    let childDone = false;
    void worker.exited.finally(() => {
      childDone = true;
    });

    // A reader racing both writers: every load must be a whole version of some writer.
    const reads = { total: 0, bad: [] as string[], writers: new Set<unknown>() };
    const reader = (async () => {
      while (!childDone) {
        for (const key of shared) {
          const s = await sessions.open(key).load();
          reads.total++;
          reads.writers.add(s.get('writer'));
          if (s.sessionKey !== key || !intact({ blob: s.get('blob'), digest: s.get('digest') })) {
            reads.bad.push(`${key}: ${JSON.stringify(s.items()).slice(0, 80)}`);
          }
        }
      }
    })();

    await worker.waitFor((line) => line.started === true);
    const parentAcks = await mixedWorkload(sessions, { writer: 'parent', shared, rounds: 25, own: 20 });
    const { acknowledged: childAcks } = (await result(worker)) as { acknowledged: Record<string, number> };
    await reader;

    expect(reads.bad).toEqual([]);
    // The reader saw versions of both writers: the two processes really overlapped.
    expect([...reads.writers]).toEqual(expect.arrayContaining(['parent', 'child']));
    for (const key of shared) {
      const s = await sessions.open(key).load();
      expect(['parent', 'child']).toContain(s.get('writer'));
      expect(s.get('seq')).toBe(25);
      expect(intact({ blob: s.get('blob'), digest: s.get('digest') })).toBe(true);
    }
    expect(Object.keys(parentAcks)).toHaveLength(20);
    expect(Object.keys(childAcks)).toHaveLength(20);
    for (const [writer, acks] of [
      ['parent', parentAcks],
      ['child', childAcks],
    ] as const) {
      for (const [key, seq] of Object.entries(acks)) {
        const s = await sessions.open(key).load();
        expect({ writer: s.get('writer'), seq: s.get('seq') }).toEqual({ writer, seq });
        expect(intact({ blob: s.get('blob'), digest: s.get('digest') })).toBe(true);
      }
    }
    expect(tempFiles(dir)).toEqual([]);
    expect(logger.records).toEqual([]);
  });

  it('a process killed in the middle of saves leaves the last complete version, never a torn file', async () => {
    const dir = tempDir();
    const logger = new RecordingLogger();
    const sessions = open(dir, logger);
    const s = sessions.open();
    s.update({ writer: 'setup', seq: 0, ...blob('setup', 10) });
    await s.save();
    const key = s.sessionKey!;

    for (let attempt = 0; attempt < 5; attempt++) {
      const worker = spawnWorker({ mode: 'loop', dir, key, size: 400_000 });
      await worker.waitFor((line) => Number(line.saved) >= 2);
      // Read while the writer runs, then kill it at a varying point of its save cycle.
      const until = performance.now() + 20 + attempt * 13;
      while (performance.now() < until) {
        const during = await sessions.open(key).load();
        expect(intact({ blob: during.get('blob'), digest: during.get('digest') })).toBe(true);
      }
      worker.child.kill('SIGKILL');
      const { signal } = await worker.exited;
      expect(signal).toBe('SIGKILL');

      const acknowledged = Math.max(...worker.lines.map((line) => Number(line.saved)));
      const after = await sessions.open(key).load();
      expect(after.get('writer')).toBe('loop');
      // The save in flight when the process died either landed whole or not at all.
      expect([acknowledged, acknowledged + 1]).toContain(after.get('seq'));
      expect(intact({ blob: after.get('blob'), digest: after.get('digest') })).toBe(true);
    }
    expect(logger.records).toEqual([]);
  });
});

describe('write failures are raised, and the previous version survives', () => {
  it('a file-size limit (RLIMIT_FSIZE → EFBIG) in the middle of a save', async () => {
    const dir = tempDir();
    // 64 KiB: the first small save fits, the second (a ~200 KB file) fails part-way through its write.
    const worker = spawnWorker({ mode: 'save-big', dir, size: 400_000 }, { fileSizeLimitKiB: 64 });
    const out = (await result(worker)) as {
      key: string;
      failure: Record<string, string> | null;
      after: string;
    };
    expect(out.failure).toMatchObject({ name: 'SessionStoreUnavailable', cause: 'EFBIG' });
    expect(out.failure?.message).toMatch(/full/);
    expect(out.after).toBe('small');
    const again = await open(dir).open(out.key).load();
    expect(again.get('writer')).toBe('small');
    expect(tempFiles(dir)).toEqual([]);
  });

  it('a directory made read-only after start-up (EACCES), and an unwritable directory at start-up', async () => {
    // chmod does not stop root, so as root the check runs in a worker process running as `nobody`.
    const root = process.getuid?.() === 0;
    const dir = mkdtempSync(join(tmpdir(), 'sess-file-ro-'));
    try {
      if (root) chownSync(dir, NOBODY, NOBODY);
      const worker = spawnWorker({ mode: 'read-only-dir', dir }, root ? { uid: NOBODY } : {});
      const out = (await result(worker)) as Record<string, Record<string, string> | string | number | null>;
      expect(out.uid).not.toBe(0);
      expect(out.update).toMatchObject({ name: 'SessionStoreUnavailable', cause: 'EACCES' });
      expect(out.create).toMatchObject({ name: 'SessionStoreUnavailable', cause: 'EACCES' });
      expect(out.startup).toMatchObject({ name: 'ImproperlyConfigured', cause: 'EACCES' });
      expect(out.after).toBe('before');
      expect(tempFiles(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
