/**
 * Database-backed sessions (Django's `django.contrib.sessions.backends.db`) over one `SessionDatabase`:
 * `sqlite()`, `postgres()`, `mysql()` (and the document stores) from this package's subpaths. Rows are
 * Django's `django_session` rows, so a Django site sharing the table and `SECRET_KEY` reads them as its own.
 */
import type { EngineContext, SaveOptions, SessionData, SessionEngine } from '@sess/core';
import {
  CreateError,
  ImproperlyConfigured,
  InvalidSessionKey,
  isValidSessionKey,
  UpdateError,
} from '@sess/core';
import type { SessionDatabase, SessionTable } from './database.js';
import { DEFAULT_TABLE, validateTableName } from './schema.js';

export type { SessionDatabase, SessionRow, SessionTable } from './database.js';
export {
  createTableStatements,
  DEFAULT_TABLE,
  djangoIndexName,
  type SqlDialect,
  validateTableName,
} from './schema.js';

export interface DbEngineOptions {
  /** The database adapter, e.g. `sqlite('./sessions.sqlite3')` from `@sess/engine-db/sqlite`. */
  database: SessionDatabase;
  /** The table (or collection) name; default `django_session`, Django's. */
  table?: string;
  /** Rows `clearExpired()` deletes per statement, bounding lock time and memory; default 1000. */
  clearBatchSize?: number;
  /**
   * zlib-compress `session_data` when that makes it smaller, as Django does. Default true (Django's exact
   * bytes). False skips zlib: faster saves, larger rows, and Django still reads (and rewrites) them.
   */
  compress?: boolean;
}

/** A stored session with its row's expiry (what `@sess/engine-cached-db` needs to set a cache TTL). */
export interface SessionRecord {
  data: SessionData;
  expireDate: Date;
}

export class DbEngine implements SessionEngine {
  readonly name: string;
  readonly capabilities = { clearExpired: true } as const;
  readonly database: SessionDatabase;
  readonly tableName: string;
  readonly clearBatchSize: number;
  readonly compress: boolean;
  readonly #table: SessionTable;
  /** What `save` passes to `codec.encode`: made once, not per save. */
  readonly #encodeOptions: { compress: boolean };

  constructor(options: DbEngineOptions) {
    const {
      database,
      table = DEFAULT_TABLE,
      clearBatchSize = 1000,
      compress = true,
    } = options ?? ({} as DbEngineOptions);
    if (!database || typeof database !== 'object' || typeof database.table !== 'function') {
      throw new ImproperlyConfigured(
        "dbEngine: `database` must be a database adapter, e.g. sqlite('./sessions.sqlite3') from @sess/engine-db/sqlite",
      );
    }
    if (!Number.isSafeInteger(clearBatchSize) || clearBatchSize < 1) {
      throw new ImproperlyConfigured('dbEngine: `clearBatchSize` must be a positive whole number');
    }
    if (typeof compress !== 'boolean')
      throw new ImproperlyConfigured('dbEngine: `compress` must be true or false');
    this.database = database;
    this.tableName = validateTableName(table);
    this.clearBatchSize = clearBatchSize;
    this.compress = compress;
    this.#encodeOptions = { compress };
    this.#table = database.table(this.tableName);
    this.name = `db:${database.kind}`;
  }

  /** Creates the table and its indexes if missing, exactly as Django's migration does (`sess migrate`). */
  createTable(): Promise<void> {
    return this.#table.createTable();
  }

  /** The data stored under `key` and the row's expiry, or null when there is no live row. */
  async loadRecord(key: string, context: EngineContext): Promise<SessionRecord | null> {
    if (!isValidSessionKey(key)) return null;
    const row = await this.#table.select(key, new Date(context.clock.now()));
    if (!row) return null;
    // A row that does not decode (tampered, another SECRET_KEY) is an empty session under the same key,
    // as in Django: the codec logs it on the security logger, and the next save overwrites the row.
    return { data: await context.codec.decode(row.sessionData), expireDate: row.expireDate };
  }

  async load(key: string, context: EngineContext): Promise<SessionData | null> {
    return (await this.loadRecord(key, context))?.data ?? null;
  }

  async exists(key: string, context: EngineContext): Promise<boolean> {
    if (!isValidSessionKey(key)) return false;
    return this.#table.exists(key, new Date(context.clock.now()));
  }

  async save(
    key: string,
    data: SessionData,
    options: SaveOptions,
    context: EngineContext,
  ): Promise<undefined> {
    if (!isValidSessionKey(key)) throw new InvalidSessionKey('session keys are 8-40 characters of [a-z0-9]');
    const row = {
      sessionKey: key,
      sessionData: await context.codec.encode(data, this.#encodeOptions),
      expireDate: options.expiryDate,
    };
    if (options.mustCreate) {
      if (!(await this.#table.insert(row)))
        throw new CreateError('the session key is already taken in the database');
    } else if (!(await this.#table.update(row, new Date(context.clock.now())))) {
      throw new UpdateError('the session no longer exists in the database (deleted or expired meanwhile)');
    }
    return undefined;
  }

  async destroy(key: string): Promise<void> {
    if (isValidSessionKey(key)) await this.#table.delete(key);
  }

  /** Deletes expired rows in batches of `clearBatchSize` (each its own short statement) and returns how many. */
  async clearExpired(context: EngineContext): Promise<number> {
    const now = new Date(context.clock.now());
    let total = 0;
    for (;;) {
      const deleted = await this.#table.deleteExpired(now, this.clearBatchSize);
      total += deleted;
      if (deleted < this.clearBatchSize) return total;
      // Let other work run between batches (SQLite's statements are synchronous).
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  close(): Promise<void> {
    return this.database.close?.() ?? Promise.resolve();
  }
}

export function dbEngine(options: DbEngineOptions): DbEngine {
  return new DbEngine(options);
}
