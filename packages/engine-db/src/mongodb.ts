/**
 * @sess/engine-db/mongodb: sessions in a MongoDB collection over the user's driver (`mongodb` >= 6).
 *
 * One document per session: `{ _id: sessionKey, sessionData, expireDate }`. `createTable()` makes a TTL index
 * on `expireDate` (`expireAfterSeconds: 0`); the TTL monitor runs only every 60 s, so reads and
 * `deleteExpired` filter on `expireDate` themselves.
 */

import { ImproperlyConfigured, SessionStoreUnavailable } from '@sess/core';
import type { Collection, Document, WriteConcernSettings } from 'mongodb';
import type { SessionDatabase, SessionRow, SessionTable } from './database.js';
import { withDeadline } from './deadline.js';
import {
  expiredFilter,
  isDuplicateKey,
  isUnavailable,
  keyFilter,
  liveFilter,
  type SessionDocument,
  TTL_INDEX,
  toDocument,
  toUpdate,
  updateFilter,
} from './mongodb-query.js';

export { MONGODB_DOCUMENT_LIMIT, type SessionDocument } from './mongodb-query.js';

export interface MongoDbOptions {
  /**
   * Write concern for deletes: `destroy()`, `flush()` and the old key of `cycleKey()`. Default
   * `{ w: 'majority' }`: with `w: 1` a failover can roll a logout back and bring the session back.
   */
  writeConcern?: WriteConcernSettings;
  /**
   * Milliseconds an operation may take (server selection included) before it fails with
   * `SessionStoreUnavailable`. Default 10 000. The client's `serverSelectionTimeoutMS` (30 s by default)
   * bounds it too.
   */
  timeoutMs?: number;
}

/** IndexOptionsConflict, IndexKeySpecsConflict: an index on `expireDate` exists with other options. */
const INDEX_CONFLICT_CODES = new Set([85, 86]);

class MongoDbTable implements SessionTable {
  constructor(
    private readonly collection: Collection<SessionDocument>,
    private readonly writeConcern: WriteConcernSettings,
    private readonly timeoutMs: number,
  ) {}

  private get name(): string {
    return this.collection.collectionName;
  }

  /** Runs one operation under the deadline, translating unavailability. */
  private async run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(work(), this.timeoutMs, `MongoDB ${operation} on '${this.name}'`);
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new SessionStoreUnavailable(`MongoDB ${operation} on '${this.name}' failed: ${reason}`, {
        cause: error,
      });
    }
  }

  async insert(row: SessionRow): Promise<boolean> {
    const document = toDocument(row);
    try {
      await this.run('insertOne', () => this.collection.insertOne(document));
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async update(row: SessionRow, now?: Date): Promise<boolean> {
    const document = toDocument(row);
    const result = await this.run('updateOne', () =>
      this.collection.updateOne(updateFilter(document._id, now), toUpdate(document), { upsert: false }),
    );
    return result.matchedCount > 0;
  }

  async select(key: string, now: Date): Promise<Omit<SessionRow, 'sessionKey'> | null> {
    const filter = liveFilter(key, now);
    const found = await this.run('findOne', () =>
      this.collection.findOne(filter, { projection: { _id: 0, sessionData: 1, expireDate: 1 } }),
    );
    if (!found || !(found.expireDate instanceof Date)) return null;
    // Data that is not a string (written by something else) decodes as an empty session and is logged.
    return {
      sessionData: typeof found.sessionData === 'string' ? found.sessionData : '',
      expireDate: found.expireDate,
    };
  }

  async exists(key: string, now: Date): Promise<boolean> {
    const filter = liveFilter(key, now);
    const found = await this.run('findOne', () =>
      this.collection.findOne(filter, { projection: { _id: 1 } }),
    );
    return found !== null;
  }

  async delete(key: string): Promise<void> {
    const filter = keyFilter(key);
    await this.run('deleteOne', () => this.collection.deleteOne(filter, { writeConcern: this.writeConcern }));
  }

  /**
   * `deleteMany` cannot take a limit, so the batch's keys are found first (over the TTL index) and deleted with
   * the expiry condition repeated: a session refreshed in between stays.
   */
  async deleteExpired(now: Date, limit: number): Promise<number> {
    // find() reads a limit of 0 as "no limit".
    if (!(limit >= 1)) return 0;
    const expired = expiredFilter(now);
    const batch = await this.run('find', () =>
      this.collection.find(expired, { projection: { _id: 1 }, limit }).toArray(),
    );
    if (batch.length === 0) return 0;
    const ids = batch.map((d) => d._id);
    const result = await this.run('deleteMany', () =>
      this.collection.deleteMany({ ...expired, _id: { $in: ids } }),
    );
    return result.deletedCount;
  }

  /** The TTL index on `expireDate`; the collection itself is created by the first insert. */
  async createTable(): Promise<void> {
    try {
      await this.run('createIndex', () => this.collection.createIndex(TTL_INDEX.key, TTL_INDEX.options));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'number' && INDEX_CONFLICT_CODES.has(code)) {
        throw new ImproperlyConfigured(
          `MongoDB collection '${this.name}' already has an index on expireDate without expireAfterSeconds: 0; drop it so createTable() can make the TTL index`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}

/**
 * A `SessionDatabase` over one MongoDB collection for `dbEngine({ database })`:
 *
 * ```ts
 * const client = await MongoClient.connect(process.env.MONGODB_URL);
 * const engine = dbEngine({ database: mongodb(client.db('app').collection('sessions')) });
 * await engine.createTable(); // once: the TTL index on expireDate
 * ```
 * The collection is the one given, whatever table name `dbEngine` asks for. The client stays yours.
 */
export function mongodb(
  collection: Collection<SessionDocument> | Collection<Document>,
  options: MongoDbOptions = {},
): SessionDatabase {
  if (!collection || typeof collection !== 'object' || typeof collection.findOne !== 'function') {
    throw new ImproperlyConfigured(
      "mongodb(collection): pass a Collection from the mongodb driver, e.g. client.db('app').collection('sessions')",
    );
  }
  const { writeConcern = { w: 'majority' }, timeoutMs = 10_000 } = options;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    throw new ImproperlyConfigured('mongodb(): `timeoutMs` must be a positive number of milliseconds');
  }
  const table = new MongoDbTable(
    collection as unknown as Collection<SessionDocument>,
    writeConcern,
    timeoutMs,
  );
  return { kind: 'mongodb', table: () => table };
}
