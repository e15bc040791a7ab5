import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateError,
  type Session,
  SessionStoreUnavailable,
  Sessions,
  SessionTooLarge,
  UpdateError,
} from '@sess/core';
import { type DbEngine, dbEngine, type SessionDatabase, type SessionTable } from '@sess/engine-db';
import { afterAll, expect } from 'vitest';

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

/** A TCP server on 127.0.0.1 that accepts connections and never answers; `close()` drops them. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A SQL adapter connected to a server that never answers: a load fails with the adapter's own timeout
 * message. `connect` gets the silent server's port and the timeout to give the adapter.
 */
export async function expectSilentServerTimesOut(
  secretKey: string,
  connect: (port: number, timeoutMs: number) => { database: SessionDatabase; end(): Promise<unknown> },
): Promise<void> {
  const silent = await silentServer();
  const { database, end } = connect(silent.port, 300);
  try {
    const sessions = new Sessions({ engine: dbEngine({ database }), secretKey });
    await expect(sessions.open('abcdefghijklmnopqrstuvwxyz012345').load()).rejects.toThrow(
      /did not answer within 300 ms/,
    );
  } finally {
    await silent.close();
    await end().catch(() => {});
  }
}

/** A call that fails at the adapter's deadline: `SessionStoreUnavailable` with exactly `message`. */
export async function expectTimedOut(call: Promise<unknown>, message: string): Promise<void> {
  const error = await call.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SessionStoreUnavailable);
  expect((error as Error).message).toBe(message);
}

/** Creates the engine's table and saves one session holding `{ user: 1 }`. */
export async function savedSession(
  engine: DbEngine,
  secretKey: string,
): Promise<{ sessions: Sessions; session: Session }> {
  await engine.createTable();
  const sessions = new Sessions({ engine, secretKey });
  const session = sessions.open();
  session.set('user', 1);
  await session.save();
  return { sessions, session };
}

/**
 * With the server gone, a saved session fails to load (twice on the same object: a failed load is not
 * taken for an empty session), to save, to clear and to load from a cookie, each with
 * SessionStoreUnavailable (503).
 */
export async function expectStoreUnavailable(sessions: Sessions, session: Session): Promise<void> {
  const reopened = sessions.open(session.sessionKey);
  await expect(reopened.load()).rejects.toBeInstanceOf(SessionStoreUnavailable);
  await expect(reopened.load()).rejects.toMatchObject({ status: 503 });
  await expect(sessions.open(session.sessionKey).load()).rejects.toMatchObject({ status: 503 });
  session.set('user', 2);
  await expect(session.save()).rejects.toBeInstanceOf(SessionStoreUnavailable);
  await expect(sessions.clearExpired()).rejects.toBeInstanceOf(SessionStoreUnavailable);
  const incoming = sessions.cookies.begin(`sessionid=${session.sessionKey}`);
  await expect(incoming.session.load()).rejects.toBeInstanceOf(SessionStoreUnavailable);
}

/** Saving the same data again and again updates the row it matched (no "row missing" error). */
export async function expectRepeatedSavesUpdate(sessions: Sessions): Promise<void> {
  const s = sessions.open();
  s.set('x', 1);
  await s.save();
  await s.save();
  await s.save();
  expect((await sessions.open(s.sessionKey).load()).get('x')).toBe(1);
}

/**
 * clearExpired() over 25 000 expired rows that `fill` inserts into `batch_sessions`, in batches of at most
 * 1000: all go, the one live session stays. `count` reads the table's row count directly.
 */
export async function expectBatchedClear(
  database: SessionDatabase,
  secretKey: string,
  fill: () => Promise<unknown>,
  count: () => Promise<number>,
): Promise<void> {
  const raw = recordingBatches(database);
  const engine = dbEngine({ database: raw.database, table: 'batch_sessions', clearBatchSize: 1000 });
  await engine.createTable();
  const sessions = new Sessions({ engine, secretKey });
  const live = sessions.open();
  live.set('live', true);
  await live.save();
  await fill();
  expect(await sessions.clearExpired()).toBe(25_000);
  expect(Math.max(...raw.batches)).toBeLessThanOrEqual(1000);
  expect(raw.batches).toHaveLength(26);
  expect(await count()).toBe(1);
  expect((await sessions.open(live.sessionKey).load()).get('live')).toBe(true);
}

/** An insert over a saved session's key raises CreateError, and the stored data is kept. */
export async function expectCreateOverExistingKeyRefused(
  engine: DbEngine,
  sessions: Sessions,
): Promise<void> {
  const s = sessions.open();
  s.set('mine', true);
  await s.save();
  const expiryDate = new Date(Date.now() + 3600_000);
  await expect(
    engine.save(
      s.sessionKey!,
      { theirs: true },
      { mustCreate: true, expiryAge: 3600, expiryDate },
      sessions.context,
    ),
  ).rejects.toThrow(CreateError);
  expect((await sessions.open(s.sessionKey).load()).items()).toEqual([['mine', true]]);
}

/** An update of `key`, whose stored expiry has passed, raises UpdateError instead of reviving it. */
export async function expectExpiredNotRevived(
  engine: DbEngine,
  sessions: Sessions,
  key: string,
): Promise<void> {
  await expect(
    engine.save(
      key,
      { user_id: 9 },
      { mustCreate: false, expiryAge: 600, expiryDate: new Date(Date.now() + 600_000) },
      sessions.context,
    ),
  ).rejects.toThrow(UpdateError);
}

/** deleteExpired(now, limit) deletes at most `limit` of 5 expired rows; returns their keys. */
export async function expectDeleteExpiredLimit(table: SessionTable): Promise<string[]> {
  const expireDate = new Date(Date.now() - 3600_000);
  const keys = Array.from({ length: 5 }, (_, i) => `limit${i}`.padEnd(32, 'a'));
  for (const sessionKey of keys)
    expect(await table.insert({ sessionKey, sessionData: 'x', expireDate })).toBe(true);
  expect(await table.deleteExpired(new Date(), 2)).toBe(2);
  expect(await table.deleteExpired(new Date(), 1000)).toBe(3);
  return keys;
}

/**
 * After one clearExpired() over a table holding `before` items of which the 200 `liveKeys` are live: only
 * those are left (`count` reads the table directly), each still loads, and a second clear finds nothing.
 */
export async function expectOnlyLiveLeft(
  sessions: Sessions,
  before: number,
  count: () => Promise<number>,
  liveKeys: readonly string[],
): Promise<void> {
  const cleared = await sessions.clearExpired();
  expect(cleared).toBeGreaterThanOrEqual(3000);
  expect(cleared).toBe(before - 200);
  expect(await count()).toBe(200);
  for (const key of liveKeys.filter((_, i) => i % 20 === 0)) {
    expect((await sessions.open(key).load()).get('live')).toBe(true);
  }
  expect(await sessions.clearExpired()).toBe(0);
}

/** `build()` refuses a row with SessionTooLarge carrying its `size` and the `limit`, the message naming it. */
export function expectTooLarge(build: () => unknown, size: number, limit: number, message: RegExp): void {
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SessionTooLarge);
  expect(error).toMatchObject({ size, limit });
  expect((error as Error).message).toMatch(message);
}
