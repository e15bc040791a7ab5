import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionEngine } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { dbEngine } from '@sess/engine-db';
import { sqlite } from '@sess/engine-db/sqlite';
import { fileEngine } from '@sess/engine-file';
import { signedCookiesEngine } from '@sess/engine-signed-cookies';
import Database from 'better-sqlite3';

/** Makes a real store unreachable, and reachable again with its data intact. */
export interface Outage {
  start(): void | Promise<void>;
  end(): void | Promise<void>;
}

export interface MadeEngine {
  engine: SessionEngine;
  cleanup?: () => Promise<void>;
  /**
   * A real outage of the store. Without one (the memory engine has no server to stop) the table
   * simulates it with `ProbedEngine.down`, which throws `SessionStoreUnavailable` as engines do.
   */
  outage?: Outage;
}

export interface EngineCase {
  name: string;
  /** The engine keeps the data in the cookie (signed cookies): no store to break, no key to kill. */
  keyIsData: boolean;
  make(): Promise<MadeEngine>;
}

const scratch = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** The real engines every adapter's scenario table runs on. */
export const ENGINES: readonly EngineCase[] = [
  {
    name: 'cache (memory)',
    keyIsData: false,
    make: async () => ({ engine: cacheEngine({ backend: memoryCache() }) }),
  },
  {
    name: 'db (sqlite)',
    keyIsData: false,
    make: async () => {
      const dir = scratch('sess-adapters-sqlite-');
      const path = join(dir, 'sessions.sqlite3');
      // Rollback journal (not WAL), so another connection's exclusive lock blocks reads too; a short busy
      // timeout so a locked file fails fast as SessionStoreUnavailable.
      const engine = dbEngine({ database: sqlite(path, { wal: false, busyTimeoutMs: 20 }) });
      await engine.createTable();
      const blocker = new Database(path);
      return {
        engine,
        outage: {
          start: () => {
            blocker.exec('BEGIN EXCLUSIVE');
          },
          end: () => {
            if (blocker.inTransaction) blocker.exec('ROLLBACK');
          },
        },
        cleanup: async () => {
          blocker.close();
          await engine.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'file',
    keyIsData: false,
    make: async () => {
      const dir = scratch('sess-adapters-file-');
      const path = join(dir, 'sessions');
      const engine = fileEngine({ path, create: true });
      // The storage directory moves away (its files with it) and comes back.
      return {
        engine,
        outage: {
          start: () => renameSync(path, `${path}.away`),
          end: () => renameSync(`${path}.away`, path),
        },
        cleanup: async () => {
          await engine.close?.();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'signed cookies',
    keyIsData: true,
    make: async () => ({ engine: signedCookiesEngine() }),
  },
];
