/**
 * PostgreSQL over a `pg` Pool you create: `postgres(new pg.Pool({ connectionString }))`. Statements are
 * parameterised and prepared (named) per connection; an idle pooled connection that dies is logged and
 * dropped instead of crashing the process; failures to reach the server become `SessionStoreUnavailable`.
 */
import type { Logger } from '@sess/core';
import { consoleLogger, ImproperlyConfigured, SessionStoreUnavailable } from '@sess/core';
import type { SessionDatabase, SessionRow, SessionTable } from './database.js';
import { withDeadline } from './deadline.js';
import { createTableStatements, quote } from './schema.js';
import { errorCode, fromDjangoUtcText, messageOf, NETWORK_CODES } from './sql.js';

/** What the adapter uses of a `pg` `Pool` (a `Client` works too, without the idle-error handling). */
export interface PgPoolLike {
  query(config: {
    text: string;
    values?: unknown[];
    name?: string;
  }): Promise<{ rowCount: number | null; rows: unknown[] }>;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  /** pg's Pool: the connections it holds, idle or busy. */
  readonly totalCount?: number;
}

export interface PostgresOptions {
  /** A statement (including waiting for a pooled connection) that takes longer fails with `SessionStoreUnavailable`; default 10 000 ms. */
  timeoutMs?: number;
  /** Use named prepared statements; turn off behind a transaction-mode pooler (PgBouncer < 1.21). Default true. */
  prepare?: boolean;
  /** Told when an idle pooled connection fails (the pool drops it and opens another on demand). Default: a warning on the console. */
  logger?: Logger;
}

const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|Client was closed|Query read timeout|Cannot use a pool after calling end/i;

/** Failures that mean "the server cannot be reached or dropped us", not "the statement is wrong". */
function isConnectionError(error: unknown): boolean {
  const code = errorCode(error);
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    // 08: connection exception; 57P01-03: shutdown / cannot connect now; 53300: too many connections.
    if (code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300') return true;
  }
  return CONNECTION_MESSAGES.test(messageOf(error));
}

const hooked = new WeakSet<object>();

export class PostgresDatabase implements SessionDatabase {
  readonly kind = 'postgres';
  readonly pool: PgPoolLike;
  readonly timeoutMs: number;
  readonly prepare: boolean;

  constructor(pool: PgPoolLike, options: PostgresOptions = {}) {
    if (!pool || typeof pool.query !== 'function') {
      throw new ImproperlyConfigured(
        'postgres: pass a pg Pool, e.g. postgres(new pg.Pool({ connectionString }))',
      );
    }
    const { timeoutMs = 10_000, prepare = true, logger = consoleLogger } = options;
    if (!(timeoutMs > 0))
      throw new ImproperlyConfigured('postgres: `timeoutMs` must be a positive number of milliseconds');
    this.pool = pool;
    this.timeoutMs = timeoutMs;
    this.prepare = prepare;
    // Without a listener, an idle client's error (server restart, pg_terminate_backend, network cut)
    // is an unhandled 'error' event and kills the process (brianc/node-postgres#1611).
    if (typeof pool.on === 'function' && !hooked.has(pool)) {
      hooked.add(pool);
      pool.on('error', (error) => {
        logger.warn('postgres: an idle pooled connection failed and was dropped', {
          logger: 'sess.db',
          error,
        });
      });
    }
  }

  /**
   * Runs one statement. Connection failures become `SessionStoreUnavailable`; `retry` (idempotent
   * statements only) tries again while the pool may still hand out a dead connection: every failed one is
   * dropped from the pool, so after as many attempts as it held connections the next one is fresh.
   */
  async query(
    text: string,
    values: unknown[],
    name: string | undefined,
    retry: boolean,
  ): Promise<{ rowCount: number | null; rows: unknown[] }> {
    const config = this.prepare && name ? { text, values, name } : { text, values };
    // Counted before the first attempt: the pool's count drops as it discards the dead connections.
    const budget = Math.max(1, this.pool.totalCount ?? 1);
    for (let attempt = 0; ; attempt++) {
      try {
        return await withDeadline(this.pool.query(config), this.timeoutMs, 'postgres');
      } catch (error) {
        if (error instanceof SessionStoreUnavailable) throw error;
        if (errorCode(error) === '42P01') {
          throw new ImproperlyConfigured(
            `postgres: the session table does not exist: run 'sess migrate' or 'await engine.createTable()'`,
            { cause: error },
          );
        }
        if (!isConnectionError(error)) throw error;
        if (retry && attempt < budget) continue;
        throw new SessionStoreUnavailable(`postgres: ${messageOf(error)}`, { cause: error });
      }
    }
  }

  table(name: string): SessionTable {
    return new PostgresTable(this, name);
  }
}

type Op = 'insert' | 'update' | 'select' | 'exists' | 'delete' | 'clear';

class PostgresTable implements SessionTable {
  readonly #db: PostgresDatabase;
  readonly #name: string;
  /** Text and statement name of each operation, built once (pg compares a named statement's text per call). */
  readonly #sql: Record<Op, { text: string; name: string }>;

  constructor(db: PostgresDatabase, name: string) {
    this.#db = db;
    this.#name = name;
    const t = quote('postgres', name);
    const statement = (op: Op, text: string) => ({ text, name: `sess_${name}_${op}` });
    this.#sql = {
      insert: statement(
        'insert',
        `INSERT INTO ${t} ("session_key", "session_data", "expire_date") VALUES ($1, $2, $3) ON CONFLICT ("session_key") DO NOTHING`,
      ),
      update: statement(
        'update',
        `UPDATE ${t} SET "session_data" = $1, "expire_date" = $2 WHERE "session_key" = $3 AND "expire_date" > $4`,
      ),
      select: statement(
        'select',
        `SELECT "session_data", "expire_date" FROM ${t} WHERE "session_key" = $1 AND "expire_date" > $2`,
      ),
      exists: statement(
        'exists',
        `SELECT 1 FROM ${t} WHERE "session_key" = $1 AND "expire_date" > $2 LIMIT 1`,
      ),
      delete: statement('delete', `DELETE FROM ${t} WHERE "session_key" = $1`),
      // SKIP LOCKED: two workers clearing at once split the rows instead of waiting on each other.
      clear: statement(
        'clear',
        `DELETE FROM ${t} WHERE "session_key" IN (SELECT "session_key" FROM ${t} WHERE "expire_date" < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      ),
    };
  }

  #run(op: Op, values: unknown[], retry: boolean) {
    const { text, name } = this.#sql[op];
    return this.#db.query(text, values, name, retry);
  }

  async insert(row: SessionRow): Promise<boolean> {
    const result = await this.#run('insert', [row.sessionKey, row.sessionData, row.expireDate], false);
    return result.rowCount === 1;
  }

  async update(row: SessionRow, now?: Date): Promise<boolean> {
    const result = await this.#run(
      'update',
      [row.sessionData, row.expireDate, row.sessionKey, now ?? new Date(0)],
      false,
    );
    return (result.rowCount ?? 0) > 0;
  }

  async select(key: string, now: Date): Promise<Omit<SessionRow, 'sessionKey'> | null> {
    const { rows } = await this.#run('select', [key, now], true);
    const row = rows[0] as { session_data: string; expire_date: Date | string } | undefined;
    return row ? { sessionData: row.session_data, expireDate: fromDjangoUtcText(row.expire_date) } : null;
  }

  async exists(key: string, now: Date): Promise<boolean> {
    const { rows } = await this.#run('exists', [key, now], true);
    return rows.length > 0;
  }

  async delete(key: string): Promise<void> {
    await this.#run('delete', [key], true);
  }

  async deleteExpired(now: Date, limit: number): Promise<number> {
    const result = await this.#run('clear', [now, limit], true);
    return result.rowCount ?? 0;
  }

  async createTable(): Promise<void> {
    for (const statement of createTableStatements('postgres', this.#name)) {
      try {
        await this.#db.query(statement, [], undefined, false);
      } catch (error) {
        // Two processes migrating at once: IF NOT EXISTS is not atomic in the catalog (23505/42P07).
        const code = errorCode(error);
        if (code !== '23505' && code !== '42P07') throw error;
      }
    }
  }
}

/** A PostgreSQL session database over your `pg` Pool (which stays yours to end). */
export function postgres(pool: PgPoolLike, options?: PostgresOptions): PostgresDatabase {
  return new PostgresDatabase(pool, options);
}
