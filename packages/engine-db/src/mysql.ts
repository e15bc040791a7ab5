/**
 * MySQL and MariaDB over a `mysql2/promise` Pool you create: `mysql(mysql2.createPool(url))`. Statements are
 * server-side prepared (`execute`); datetimes are exchanged as Django's naive UTC text, so the pool's
 * `timezone` setting cannot shift them; failures to reach the server become `SessionStoreUnavailable`.
 */
import type { Logger } from '@sess/core';
import { consoleLogger, ImproperlyConfigured, SessionStoreUnavailable } from '@sess/core';
import type { SessionDatabase, SessionRow, SessionTable } from './database.js';
import { withDeadline } from './deadline.js';
import { createTableStatements, quote } from './schema.js';
import { errorCode, fromDjangoUtcText, messageOf, NETWORK_CODES, toDjangoUtcText } from './sql.js';

/** What the adapter uses of a `mysql2/promise` Pool. */
export interface MysqlPoolLike {
  execute(sql: string, values?: string[]): Promise<[unknown, unknown]>;
  query(sql: string, values?: string[]): Promise<[unknown, unknown]>;
  on?(
    event: 'connection',
    listener: (connection: { on?(event: 'error', listener: (error: Error) => void): unknown }) => void,
  ): unknown;
}

export interface MysqlOptions {
  /** A statement (including waiting for a pooled connection) that takes longer fails with `SessionStoreUnavailable`; default 10 000 ms. */
  timeoutMs?: number;
  /** Told when a pooled connection fails while idle. Default: a warning on the console. */
  logger?: Logger;
}

const CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'POOL_CLOSED',
  'CR_SERVER_GONE_ERROR',
  'CR_SERVER_LOST',
]);

function isConnectionError(error: unknown): boolean {
  if ((error as { fatal?: unknown } | null)?.fatal === true) return true;
  const code = errorCode(error);
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || CONNECTION_CODES.has(code))) return true;
  return /closed state|Pool is closed|connect ETIMEDOUT|Connection lost/i.test(messageOf(error));
}

const hooked = new WeakSet<object>();

interface Header {
  affectedRows?: number;
}

export class MysqlDatabase implements SessionDatabase {
  readonly kind = 'mysql';
  readonly pool: MysqlPoolLike;
  readonly timeoutMs: number;

  constructor(pool: MysqlPoolLike, options: MysqlOptions = {}) {
    if (!pool || typeof pool.execute !== 'function' || typeof pool.query !== 'function') {
      throw new ImproperlyConfigured(
        "mysql: pass a mysql2/promise Pool, e.g. mysql(mysql2.createPool(url)) with mysql2 from 'mysql2/promise'",
      );
    }
    const { timeoutMs = 10_000, logger = consoleLogger } = options;
    if (!(timeoutMs > 0))
      throw new ImproperlyConfigured('mysql: `timeoutMs` must be a positive number of milliseconds');
    this.pool = pool;
    this.timeoutMs = timeoutMs;
    if (typeof pool.on === 'function' && !hooked.has(pool)) {
      hooked.add(pool);
      // mysql2 drops a pooled connection that fails; this listener makes sure a second error on the same
      // socket is never an unhandled 'error' event, and says what happened.
      pool.on('connection', (connection) => {
        connection.on?.('error', (error) => {
          logger.warn('mysql: a pooled connection failed and was dropped', { logger: 'sess.db', error });
        });
      });
    }
  }

  /** Runs one prepared statement (`retry`: idempotent, may run once more after a dead connection). */
  async execute(sql: string, values: string[], retry: boolean, prepared = true): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        const run = prepared ? this.pool.execute(sql, values) : this.pool.query(sql, values);
        const [result] = await withDeadline(run, this.timeoutMs, 'mysql');
        return result;
      } catch (error) {
        if (error instanceof SessionStoreUnavailable) throw error;
        const code = errorCode(error);
        if (code === 'ER_NO_SUCH_TABLE' || code === 1146) {
          throw new ImproperlyConfigured(
            `mysql: the session table does not exist: run 'sess migrate' or 'await engine.createTable()'`,
            { cause: error },
          );
        }
        if (!isConnectionError(error)) throw error;
        if (retry && attempt === 0) continue;
        throw new SessionStoreUnavailable(`mysql: ${messageOf(error)}`, { cause: error });
      }
    }
  }

  table(name: string): SessionTable {
    return new MysqlTable(this, name);
  }
}

class MysqlTable implements SessionTable {
  readonly #db: MysqlDatabase;
  readonly #name: string;
  readonly #t: string;
  /** Built once: mysql2 finds its prepared statement by the SQL text, which a fresh string makes it hash. */
  readonly #sql: Record<'insert' | 'update' | 'select' | 'exists' | 'delete', string>;

  constructor(db: MysqlDatabase, name: string) {
    this.#db = db;
    this.#name = name;
    const t = quote('mysql', name);
    this.#t = t;
    this.#sql = {
      insert: `INSERT INTO ${t} (\`session_key\`, \`session_data\`, \`expire_date\`) VALUES (?, ?, ?)`,
      update: `UPDATE ${t} SET \`session_data\` = ?, \`expire_date\` = ? WHERE \`session_key\` = ? AND \`expire_date\` > ?`,
      // The datetime as text: no driver or session time zone can shift it.
      select: `SELECT \`session_data\`, CAST(\`expire_date\` AS CHAR) AS \`expire_date\` FROM ${t} WHERE \`session_key\` = ? AND \`expire_date\` > ?`,
      exists: `SELECT 1 AS \`found\` FROM ${t} WHERE \`session_key\` = ? AND \`expire_date\` > ? LIMIT 1`,
      delete: `DELETE FROM ${t} WHERE \`session_key\` = ?`,
    };
  }

  async insert(row: SessionRow): Promise<boolean> {
    try {
      await this.#db.execute(
        this.#sql.insert,
        [row.sessionKey, row.sessionData, toDjangoUtcText(row.expireDate)],
        false,
      );
      return true;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ER_DUP_ENTRY' || code === 1062) return false;
      throw error;
    }
  }

  async update(row: SessionRow, now?: Date): Promise<boolean> {
    // mysql2 connects with CLIENT_FOUND_ROWS, so affectedRows counts matched rows, even unchanged ones.
    const header = (await this.#db.execute(
      this.#sql.update,
      [row.sessionData, toDjangoUtcText(row.expireDate), row.sessionKey, toDjangoUtcText(now ?? new Date(0))],
      false,
    )) as Header;
    return (header.affectedRows ?? 0) > 0;
  }

  async select(key: string, now: Date): Promise<Omit<SessionRow, 'sessionKey'> | null> {
    const rows = (await this.#db.execute(this.#sql.select, [key, toDjangoUtcText(now)], true)) as {
      session_data: string;
      expire_date: string;
    }[];
    const row = rows[0];
    return row ? { sessionData: row.session_data, expireDate: fromDjangoUtcText(row.expire_date) } : null;
  }

  async exists(key: string, now: Date): Promise<boolean> {
    const rows = (await this.#db.execute(this.#sql.exists, [key, toDjangoUtcText(now)], true)) as unknown[];
    return rows.length > 0;
  }

  async delete(key: string): Promise<void> {
    await this.#db.execute(this.#sql.delete, [key], true);
  }

  async deleteExpired(now: Date, limit: number): Promise<number> {
    // MySQL has no LIMIT in an IN (subquery), but a single-table DELETE takes one. `limit` is a checked
    // integer (prepared LIMIT placeholders are refused by some MySQL versions).
    const header = (await this.#db.execute(
      `DELETE FROM ${this.#t} WHERE \`expire_date\` < ? ORDER BY \`expire_date\` LIMIT ${Math.trunc(limit)}`,
      [toDjangoUtcText(now)],
      true,
    )) as Header;
    return header.affectedRows ?? 0;
  }

  async createTable(): Promise<void> {
    for (const statement of createTableStatements('mysql', this.#name)) {
      await this.#db.execute(statement, [], false, false);
    }
  }
}

/** A MySQL / MariaDB session database over your `mysql2/promise` Pool (which stays yours to end). */
export function mysql(pool: MysqlPoolLike, options?: MysqlOptions): MysqlDatabase {
  return new MysqlDatabase(pool, options);
}
