/**
 * SQLite, the embedded default: `sqlite('./sessions.sqlite3')` opens a file (with better-sqlite3 when it is
 * installed, else Node's built-in `node:sqlite`), or `sqlite(db)` uses a connection you opened with either.
 * The file is put in WAL mode with a busy timeout, and every write is one statement whose transaction takes
 * the write lock at its start (as `BEGIN IMMEDIATE` does), so many processes can share one file without
 * `SQLITE_BUSY` reaching a request.
 */
import { ImproperlyConfigured, SessionStoreUnavailable } from '@sess/core';
import type { SessionDatabase, SessionRow, SessionTable } from './database.js';
import { createTableStatements, quote } from './schema.js';
import { fromDjangoUtcText, messageOf, sleep, toDjangoUtcText } from './sql.js';

/** A prepared statement, as both better-sqlite3 and `node:sqlite` shape it. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number | bigint };
  get(...params: unknown[]): unknown;
}

/** A connection: a better-sqlite3 `Database` or a `node:sqlite` `DatabaseSync`. */
export interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  close(): unknown;
}

export interface SqliteOptions {
  /**
   * How long an operation waits in total for another connection's write lock before failing with
   * `SessionStoreUnavailable`; default 5000 ms.
   */
  busyTimeoutMs?: number;
  /** Switch the file to write-ahead logging (readers never block writers); default true. */
  wal?: boolean;
}

/**
 * SQLite's own busy handler waits synchronously, blocking the event loop; it gets at most this long per
 * attempt, and the rest of `busyTimeoutMs` is spent in asynchronous backoff between attempts.
 */
const SYNC_BUSY_WAIT_MS = 50;

export const DEFAULT_SQLITE_PATH = './sessions.sqlite3';

const BUSY = 5;
const LOCKED = 6;
const CONSTRAINT = 19;

/** The primary SQLite result code of a driver error (better-sqlite3: `code` string; node:sqlite: `errcode`). */
function sqliteCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  if (typeof errcode === 'number') return errcode & 0xff;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  if (code.startsWith('SQLITE_BUSY')) return BUSY;
  if (code.startsWith('SQLITE_LOCKED')) return LOCKED;
  if (code.startsWith('SQLITE_CONSTRAINT')) return CONSTRAINT;
  return 1;
}

const isBusy = (error: unknown) => {
  const code = sqliteCode(error);
  return code === BUSY || code === LOCKED;
};

function isConnection(value: unknown): value is SqliteConnection {
  const v = value as Partial<SqliteConnection> | null;
  return (
    typeof v === 'object' && v !== null && typeof v.prepare === 'function' && typeof v.exec === 'function'
  );
}

/**
 * Opens `path` with better-sqlite3 if it is installed and loads, else `node:sqlite` (Node >= 22.5). A
 * better-sqlite3 that cannot load its native addon (built for another Node version) falls back too.
 */
async function openFile(path: string): Promise<SqliteConnection> {
  let reason: unknown;
  try {
    const mod = (await import('better-sqlite3')) as unknown as {
      default: new (file: string) => SqliteConnection;
    };
    return new mod.default(path);
  } catch (error) {
    // SQLITE_CANTOPEN and friends: the driver works, the file does not. Say so rather than try another.
    if (String((error as { code?: unknown }).code).startsWith('SQLITE_')) throw error;
    reason = error;
  }
  try {
    // A variable specifier: Node 20's type definitions have no `node:sqlite`, and bundlers leave it alone.
    const builtin = 'node:sqlite';
    const mod = (await import(builtin)) as { DatabaseSync: new (file: string) => SqliteConnection };
    return new mod.DatabaseSync(path);
  } catch (error) {
    if (typeof (error as { errcode?: unknown }).errcode === 'number') throw error;
    throw new ImproperlyConfigured(
      `sqlite: install better-sqlite3 ('npm install better-sqlite3'), or run on Node >= 22.5 for the built-in node:sqlite (better-sqlite3: ${messageOf(reason)})`,
      { cause: error },
    );
  }
}

export class SqliteDatabase implements SessionDatabase {
  readonly kind = 'sqlite';
  readonly path: string | undefined;
  readonly #owned: boolean;
  readonly #options: Required<SqliteOptions>;
  #connection: Promise<SqliteConnection> | undefined;
  /** The connection once it is open (the synchronous fast path of `run`). */
  #open: SqliteConnection | undefined;
  #closed = false;

  constructor(target: string | SqliteConnection = DEFAULT_SQLITE_PATH, options: SqliteOptions = {}) {
    const { busyTimeoutMs = 5000, wal = true } = options;
    if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new ImproperlyConfigured('sqlite: `busyTimeoutMs` must be a whole number of milliseconds');
    }
    this.#options = { busyTimeoutMs, wal };
    if (typeof target === 'string') {
      if (target === '') throw new ImproperlyConfigured('sqlite: the database path is empty');
      this.path = target;
      this.#owned = true;
    } else if (isConnection(target)) {
      this.path = undefined;
      this.#owned = false;
      this.#open = this.#configure(target);
      this.#connection = Promise.resolve(this.#open);
    } else {
      throw new ImproperlyConfigured(
        "sqlite: pass a file path or an open database, e.g. sqlite('./sessions.sqlite3') or sqlite(new Database(path))",
      );
    }
  }

  #configure(db: SqliteConnection): SqliteConnection {
    // Long enough for the usual short write of another process; the rest is waited asynchronously.
    db.exec(`PRAGMA busy_timeout = ${Math.min(this.#options.busyTimeoutMs, SYNC_BUSY_WAIT_MS)}`);
    if (this.#options.wal) {
      this.#retrySync(() => db.exec('PRAGMA journal_mode = WAL'));
      // Safe with WAL (a power cut may lose the last commits, never corrupt the file), and much faster.
      if (this.#owned) db.exec('PRAGMA synchronous = NORMAL');
    }
    return db;
  }

  /** Switching to WAL needs a moment without other writers (once per file, at start-up). */
  #retrySync(fn: () => unknown): void {
    const deadline = Date.now() + this.#options.busyTimeoutMs;
    for (;;) {
      try {
        fn();
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
      }
    }
  }

  /** The open connection (opened on first use when constructed with a path). */
  connection(): Promise<SqliteConnection> {
    if (this.#closed) return Promise.reject(new SessionStoreUnavailable('sqlite: the database was closed'));
    this.#connection ??= openFile(this.path!).then((db) => {
      this.#open = this.#configure(db);
      return this.#open;
    });
    return this.#connection;
  }

  /**
   * Runs `fn` against the connection, retrying with backoff while SQLite reports the file busy (another
   * connection holds the write lock), until `busyTimeoutMs`. A single statement runs in autocommit: its
   * implicit transaction takes the write lock at its start and waits for it through the busy handler, as
   * `BEGIN IMMEDIATE` would, and is atomic on its own. `transaction` (several statements) wraps `fn` in
   * BEGIN IMMEDIATE: the write lock is taken up front, where waiting for it is safe, never upgraded in the
   * middle of a transaction (which fails at once with SQLITE_BUSY in WAL mode, whatever the timeout).
   */
  run<T>(fn: (db: SqliteConnection) => T, transaction = false): Promise<T> {
    const db = this.#open;
    // Hot path: the connection is open, so the statement runs now, without an async frame or an await.
    if (db === undefined || this.#closed) {
      return this.connection().then((open) => this.#runOn(open, fn, transaction));
    }
    return this.#runOn(db, fn, transaction);
  }

  #runOn<T>(db: SqliteConnection, fn: (db: SqliteConnection) => T, transaction: boolean): Promise<T> {
    const started = Date.now();
    try {
      return Promise.resolve(this.#attempt(db, fn, transaction));
    } catch (error) {
      if (!isBusy(error)) return Promise.reject(error);
      return this.#retry(db, fn, transaction, started, error);
    }
  }

  #attempt<T>(db: SqliteConnection, fn: (db: SqliteConnection) => T, transaction: boolean): T {
    return transaction ? this.#inTransaction(db, fn) : fn(db);
  }

  #inTransaction<T>(db: SqliteConnection, fn: (db: SqliteConnection) => T): T {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn(db);
      db.exec('COMMIT');
      return result;
    } catch (error) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // No transaction left to roll back (SQLite already ended it); the original error matters.
      }
      throw error;
    }
  }

  /** After a first attempt found the file busy: backoff and try again until `busyTimeoutMs` from `started`. */
  async #retry<T>(
    db: SqliteConnection,
    fn: (db: SqliteConnection) => T,
    transaction: boolean,
    started: number,
    first: unknown,
  ): Promise<T> {
    const deadline = started + this.#options.busyTimeoutMs;
    let error = first;
    for (let attempt = 1; ; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new SessionStoreUnavailable(
          `sqlite: the database stayed locked by other writers for ${this.#options.busyTimeoutMs} ms (busyTimeoutMs, ${attempt} attempts)`,
          { cause: error },
        );
      }
      await sleep(Math.min(left, Math.min(100, 2 * 2 ** (attempt - 1)) * (0.5 + Math.random())));
      try {
        return this.#attempt(db, fn, transaction);
      } catch (next) {
        if (!isBusy(next)) throw next;
        error = next;
      }
    }
  }

  table(name: string): SessionTable {
    return new SqliteTable(this, name);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned && this.#connection) (await this.#connection).close();
  }
}

type StatementName = 'insert' | 'update' | 'select' | 'exists' | 'delete' | 'deleteExpired';

class SqliteTable implements SessionTable {
  readonly #db: SqliteDatabase;
  readonly #name: string;
  readonly #sql: Record<StatementName, string>;
  readonly #statements = new Map<string, SqliteStatement>();

  constructor(db: SqliteDatabase, name: string) {
    this.#db = db;
    this.#name = name;
    const t = quote('sqlite', name);
    this.#sql = {
      insert: `INSERT INTO ${t} ("session_key", "session_data", "expire_date") VALUES (?, ?, ?)`,
      update: `UPDATE ${t} SET "session_data" = ?, "expire_date" = ? WHERE "session_key" = ? AND "expire_date" > ?`,
      select: `SELECT "session_data", "expire_date" FROM ${t} WHERE "session_key" = ? AND "expire_date" > ?`,
      exists: `SELECT 1 FROM ${t} WHERE "session_key" = ? AND "expire_date" > ? LIMIT 1`,
      delete: `DELETE FROM ${t} WHERE "session_key" = ?`,
      // Django's text datetimes sort chronologically, so `<` on the indexed column finds expired rows.
      deleteExpired: `DELETE FROM ${t} WHERE "session_key" IN (SELECT "session_key" FROM ${t} WHERE "expire_date" < ? LIMIT ?)`,
    };
  }

  #statement(db: SqliteConnection, which: StatementName): SqliteStatement {
    let statement = this.#statements.get(which);
    if (!statement) {
      try {
        statement = db.prepare(this.#sql[which]);
      } catch (error) {
        if (/no such table/i.test(messageOf(error))) {
          throw new ImproperlyConfigured(
            `sqlite: the table '${this.#name}' does not exist: run 'sess migrate' or 'await engine.createTable()'`,
            { cause: error },
          );
        }
        throw error;
      }
      this.#statements.set(which, statement);
    }
    return statement;
  }

  insert(row: SessionRow): Promise<boolean> {
    return this.#db.run((db) => {
      try {
        this.#statement(db, 'insert').run(row.sessionKey, row.sessionData, toDjangoUtcText(row.expireDate));
        return true;
      } catch (error) {
        if (sqliteCode(error) === CONSTRAINT) return false;
        throw error;
      }
    });
  }

  update(row: SessionRow, now?: Date): Promise<boolean> {
    // Without `now`, every live or expired row counts: compare with the earliest representable date.
    const after = toDjangoUtcText(now ?? new Date(0));
    return this.#db.run(
      (db) =>
        Number(
          this.#statement(db, 'update').run(
            row.sessionData,
            toDjangoUtcText(row.expireDate),
            row.sessionKey,
            after,
          ).changes,
        ) > 0,
    );
  }

  select(key: string, now: Date): Promise<Omit<SessionRow, 'sessionKey'> | null> {
    return this.#db.run((db) => {
      const row = this.#statement(db, 'select').get(key, toDjangoUtcText(now)) as
        | { session_data: string; expire_date: string }
        | undefined;
      return row ? { sessionData: row.session_data, expireDate: fromDjangoUtcText(row.expire_date) } : null;
    });
  }

  exists(key: string, now: Date): Promise<boolean> {
    return this.#db.run((db) => this.#statement(db, 'exists').get(key, toDjangoUtcText(now)) !== undefined);
  }

  async delete(key: string): Promise<void> {
    await this.#db.run((db) => this.#statement(db, 'delete').run(key));
  }

  deleteExpired(now: Date, limit: number): Promise<number> {
    return this.#db.run((db) =>
      Number(this.#statement(db, 'deleteExpired').run(toDjangoUtcText(now), limit).changes),
    );
  }

  async createTable(): Promise<void> {
    await this.#db.run((db) => {
      for (const statement of createTableStatements('sqlite', this.#name)) db.exec(statement);
    }, true);
  }
}

/**
 * A SQLite session database: a file path (default `./sessions.sqlite3`), or an open better-sqlite3
 * `Database` / `node:sqlite` `DatabaseSync` (which stays yours to close).
 */
export function sqlite(target?: string | SqliteConnection, options?: SqliteOptions): SqliteDatabase {
  return new SqliteDatabase(target, options);
}
