import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionDatabase, SessionTable } from '@sess/engine-db';
import { afterAll } from 'vitest';

/** A temporary directory removed after the file's tests. */
export function tempDir(prefix = 'sess-engine-db-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The same database, with every `deleteExpired` statement's row count recorded: how the batch bound of
 * `clearExpired()` is observed (the rows are deleted by the real database; nothing is faked).
 */
export function recordingBatches(database: SessionDatabase): {
  database: SessionDatabase;
  batches: number[];
} {
  const batches: number[] = [];
  const wrapped: SessionDatabase = {
    kind: database.kind,
    table(name: string): SessionTable {
      const table = database.table(name);
      return {
        insert: (row) => table.insert(row),
        update: (row, now) => table.update(row, now),
        select: (key, now) => table.select(key, now),
        exists: (key, now) => table.exists(key, now),
        delete: (key) => table.delete(key),
        createTable: () => table.createTable(),
        async deleteExpired(now, limit) {
          const deleted = await table.deleteExpired(now, limit);
          batches.push(deleted);
          return deleted;
        },
      };
    },
    close: () => database.close?.() ?? Promise.resolve(),
  };
  return { database: wrapped, batches };
}

/** 32 characters of [a-z0-9] derived from `n` (distinct for distinct n). */
export function keyOf(prefix: string, n: number): string {
  return prefix + String(n).padStart(32 - prefix.length, '0');
}
