/*
 * NOTE for the MongoDB / DynamoDB adapters (from the SQL/engine side): every change here is additive and
 * optional; nothing you code against breaks. `update(row, now)` now receives `now` as a second argument:
 * honour it if you can (a row whose `expireDate` is not after `now` counts as missing → resolve false),
 * ignoring it is still correct enough. `dbEngine` calls `select`/`exists`/`deleteExpired` with `ctx.clock`.
 * `SessionStoreUnavailable` / `ImproperlyConfigured` are the errors to throw (see the SQL adapters).
 */

/**
 * The contract between `dbEngine` and one database: a table (or collection) of Django-shaped session rows.
 * One implementation per subpath (`/sqlite`, `/postgres`, `/mysql`, `/mongodb`, `/dynamodb`), each over a
 * driver the user injects. Implementations translate driver failures: a duplicate key on insert resolves
 * `false`, connection or timeout failures throw `SessionStoreUnavailable` from `@sess/core`.
 */

/** A row of Django's `django_session` table. */
export interface SessionRow {
  /** varchar(40) primary key. */
  sessionKey: string;
  /** Django's signed, encoded session data (text). */
  sessionData: string;
  /** Indexed timestamp; the row is dead from this moment on. */
  expireDate: Date;
}

export interface SessionTable {
  /** Inserts a row; resolves false (never throws) when the key already exists. */
  insert(row: SessionRow): Promise<boolean>;
  /**
   * Updates an existing row; resolves false when there is no row under the key (never inserts). When `now`
   * is given, a row whose `expireDate` is not after it counts as missing too (an expired session is dead:
   * writing to it would bring it back).
   */
  update(row: SessionRow, now?: Date): Promise<boolean>;
  /** The row under `key` if its `expireDate` is after `now`, else null. */
  select(key: string, now: Date): Promise<Omit<SessionRow, 'sessionKey'> | null>;
  /** Whether a row under `key` exists with `expireDate` after `now`. */
  exists(key: string, now: Date): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Deletes at most `limit` rows whose `expireDate` is before `now`; resolves how many it deleted. */
  deleteExpired(now: Date, limit: number): Promise<number>;
  /** Creates the table and its index if they do not exist (Django's schema exactly). */
  createTable(): Promise<void>;
}

export interface SessionDatabase {
  /** e.g. `sqlite`, `postgres`. */
  readonly kind: string;
  /** The table of that name (validated by `dbEngine` as a plain identifier before it gets here). */
  table(name: string): SessionTable;
  /** Closes what this adapter opened itself; injected pools and clients stay the caller's. */
  close?(): Promise<void>;
}
