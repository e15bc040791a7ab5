/**
 * @sess/engine-db/dynamodb: sessions in a DynamoDB table over the user's `DynamoDBClient`
 * (`@aws-sdk/client-dynamodb`, low-level commands only).
 *
 * One item per session: `session_key` (S, partition key), `session_data` (S, Django's signed string) and
 * `expire_date` (N, epoch seconds, the table's TTL attribute). TTL deletion lags by hours to days, so reads
 * and `deleteExpired` compare `expire_date` with the engine's clock themselves.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateTimeToLiveCommand,
  type WriteRequest,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { ImproperlyConfigured, SessionStoreUnavailable } from '@sess/core';
import type { SessionDatabase, SessionRow, SessionTable } from './database.js';
import { errorName, translate } from './dynamodb-errors.js';
import {
  DATA_ATTRIBUTE,
  type DynamoItem,
  EXPIRY_ATTRIBUTE,
  expiryOf,
  isLive,
  KEY_ATTRIBUTE,
  keyOf,
  toItem,
} from './dynamodb-item.js';

export {
  DATA_ATTRIBUTE,
  DYNAMODB_ITEM_LIMIT,
  EXPIRY_ATTRIBUTE,
  itemSize,
  KEY_ATTRIBUTE,
} from './dynamodb-item.js';

export interface DynamoDbOptions {
  /** The DynamoDB table. Defaults to the table name `dbEngine` asks for (`django_session`). */
  table?: string;
  /**
   * Milliseconds one request may take, SDK retries included, before it is abandoned and the call throws
   * `SessionStoreUnavailable`. Default 5000. (The SDK's own default is to wait forever on a silent server.)
   */
  timeoutMs?: number;
  /** How many times `deleteExpired` re-sends a batch's `UnprocessedItems` (with backoff) before giving up. Default 8. */
  batchRetries?: number;
  /** How long `createTable()` waits for a new table to become ACTIVE, in seconds. Default 300. */
  createTableWaitSeconds?: number;
}

/** BatchWriteItem takes at most 25 requests. */
const BATCH_SIZE = 25;
const BACKOFF_BASE_MS = 50;
const BACKOFF_CAP_MS = 5_000;

/** Table names: 3–255 characters of [a-zA-Z0-9_.-]. */
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/** `now` as a DynamoDB number of epoch seconds, with its milliseconds, for comparisons with `expire_date`. */
const epochSeconds = (now: Date) => ({ N: String(now.getTime() / 1000) });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Anything with the `send` of a `DynamoDBClient`. */
type Client = Pick<DynamoDBClient, 'send'>;

class DynamoDbTable implements SessionTable {
  /** Where the scan of an unfinished `clearExpired` run (identified by its `now`) goes on. */
  private resume: { now: number; start: DynamoItem } | undefined;

  constructor(
    private readonly client: Client,
    readonly name: string,
    private readonly options: Required<Omit<DynamoDbOptions, 'table'>>,
  ) {}

  /** Sends one command with the request timeout, translating store failures. */
  private async send<T>(operation: string, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await run(AbortSignal.timeout(this.options.timeoutMs));
    } catch (error) {
      throw translate(error, this.name, operation);
    }
  }

  private async put(row: SessionRow, condition: string, now?: Date): Promise<boolean> {
    const item = toItem(row);
    try {
      await this.send('PutItem', (abortSignal) =>
        this.client.send(
          new PutItemCommand({
            TableName: this.name,
            Item: item,
            ConditionExpression: condition,
            ExpressionAttributeNames: now
              ? { '#k': KEY_ATTRIBUTE, '#e': EXPIRY_ATTRIBUTE }
              : { '#k': KEY_ATTRIBUTE },
            ...(now ? { ExpressionAttributeValues: { ':now': epochSeconds(now) } } : {}),
          }),
          { abortSignal },
        ),
      );
      return true;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  insert(row: SessionRow): Promise<boolean> {
    return this.put(row, 'attribute_not_exists(#k)');
  }

  /**
   * A conditional put: replaces the item only while it is there (and, given `now`, still live, since TTL may
   * not have deleted an expired item yet); never re-creates it.
   */
  update(row: SessionRow, now?: Date): Promise<boolean> {
    return now
      ? this.put(row, 'attribute_exists(#k) AND #e > :now', now)
      : this.put(row, 'attribute_exists(#k)');
  }

  private async get(key: string, withData: boolean): Promise<DynamoItem | undefined> {
    const Key = keyOf(key);
    const out = await this.send('GetItem', (abortSignal) =>
      this.client.send(
        new GetItemCommand({
          TableName: this.name,
          Key,
          ConsistentRead: true,
          ProjectionExpression: withData ? '#d, #e' : '#e',
          ExpressionAttributeNames: withData
            ? { '#d': DATA_ATTRIBUTE, '#e': EXPIRY_ATTRIBUTE }
            : { '#e': EXPIRY_ATTRIBUTE },
        }),
        { abortSignal },
      ),
    );
    return out.Item;
  }

  async select(key: string, now: Date): Promise<Omit<SessionRow, 'sessionKey'> | null> {
    const item = await this.get(key, true);
    const sessionData = item?.[DATA_ATTRIBUTE]?.S;
    const expireDate = expiryOf(item);
    if (sessionData === undefined || expireDate === null || !isLive(item, now)) return null;
    return { sessionData, expireDate };
  }

  async exists(key: string, now: Date): Promise<boolean> {
    return isLive(await this.get(key, false), now);
  }

  async delete(key: string): Promise<void> {
    const Key = keyOf(key);
    await this.send('DeleteItem', (abortSignal) =>
      this.client.send(new DeleteItemCommand({ TableName: this.name, Key }), { abortSignal }),
    );
  }

  /**
   * Paged Scan for items whose `expire_date` is before `now`, deleted 25 at a time with BatchWriteItem.
   * BatchWriteItem cannot carry a condition, so an item refreshed between the scan and its delete is lost;
   * only a session that had already expired when scanned can be in that window.
   */
  async deleteExpired(now: Date, limit: number): Promise<number> {
    if (!(limit >= 1)) return 0;
    // `dbEngine.clearExpired` calls again with the same `now` while batches come back full: go on from where
    // the last call stopped instead of scanning the whole table again for every batch.
    let start = this.resume?.now === now.getTime() ? this.resume.start : undefined;
    this.resume = undefined;
    let deleted = 0;
    do {
      const pageStart = start;
      const page = await this.send('Scan', (abortSignal) =>
        this.client.send(
          new ScanCommand({
            TableName: this.name,
            ProjectionExpression: '#k',
            FilterExpression: '#e < :now',
            ExpressionAttributeNames: { '#k': KEY_ATTRIBUTE, '#e': EXPIRY_ATTRIBUTE },
            ExpressionAttributeValues: { ':now': epochSeconds(now) },
            ...(pageStart ? { ExclusiveStartKey: pageStart } : {}),
          }),
          { abortSignal },
        ),
      );
      const items = page.Items ?? [];
      const room = limit - deleted;
      const keys = items.slice(0, room);
      for (let i = 0; i < keys.length; i += BATCH_SIZE) {
        const chunk = keys.slice(i, i + BATCH_SIZE);
        await this.batchDelete(
          chunk.map((item) => ({ DeleteRequest: { Key: { [KEY_ATTRIBUTE]: item[KEY_ATTRIBUTE]! } } })),
        );
        deleted += chunk.length;
      }
      // A page only partly deleted is scanned again next time (its deleted items are gone by then).
      start = items.length > room ? pageStart : page.LastEvaluatedKey;
      if (items.length > room) break;
    } while (start !== undefined && deleted < limit);
    if (start !== undefined) this.resume = { now: now.getTime(), start };
    return deleted;
  }

  /** BatchWriteItem, re-sending `UnprocessedItems` with capped exponential backoff and full jitter. */
  private async batchDelete(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > this.options.batchRetries) {
        throw new SessionStoreUnavailable(
          `DynamoDB left ${pending.length} deletes on table '${this.name}' unprocessed after ${this.options.batchRetries} retries (throttled): run clearExpired again later`,
        );
      }
      if (attempt > 0) await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
      const batch = pending;
      const out = await this.send('BatchWriteItem', (abortSignal) =>
        this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.name]: batch } }), {
          abortSignal,
        }),
      );
      pending = out.UnprocessedItems?.[this.name] ?? [];
    }
  }

  /**
   * Creates the table (on-demand capacity, partition key `session_key`) if it does not exist, waits until it
   * is ACTIVE, and enables TTL on `expire_date` unless it already is.
   */
  async createTable(): Promise<void> {
    try {
      await this.send('CreateTable', (abortSignal) =>
        this.client.send(
          new CreateTableCommand({
            TableName: this.name,
            AttributeDefinitions: [{ AttributeName: KEY_ATTRIBUTE, AttributeType: 'S' }],
            KeySchema: [{ AttributeName: KEY_ATTRIBUTE, KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
          { abortSignal },
        ),
      );
    } catch (error) {
      if (errorName(error) !== 'ResourceInUseException') throw error;
    }
    await this.send('DescribeTable', () =>
      waitUntilTableExists(
        {
          client: this.client as DynamoDBClient,
          maxWaitTime: this.options.createTableWaitSeconds,
          minDelay: 1,
        },
        { TableName: this.name },
      ),
    );
    const ttl = await this.send('DescribeTimeToLive', (abortSignal) =>
      this.client.send(new DescribeTimeToLiveCommand({ TableName: this.name }), { abortSignal }),
    );
    const description = ttl.TimeToLiveDescription;
    const status = description?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') {
      if (description?.AttributeName === EXPIRY_ATTRIBUTE) return;
      throw new ImproperlyConfigured(
        `DynamoDB table '${this.name}' has TTL on '${description?.AttributeName}', not '${EXPIRY_ATTRIBUTE}': expired sessions would never be deleted by TTL; change the table's TTL attribute`,
      );
    }
    await this.send('UpdateTimeToLive', (abortSignal) =>
      this.client.send(
        new UpdateTimeToLiveCommand({
          TableName: this.name,
          TimeToLiveSpecification: { Enabled: true, AttributeName: EXPIRY_ATTRIBUTE },
        }),
        { abortSignal },
      ),
    );
  }
}

function positiveInteger(value: number | undefined, fallback: number, name: string, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new ImproperlyConfigured(`dynamodb(): ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

function checkTableName(name: string): string {
  if (!TABLE_NAME.test(name)) {
    throw new ImproperlyConfigured(
      `dynamodb(): table '${name}' is not a DynamoDB table name (3 to 255 characters of a-z, A-Z, 0-9, _ . -)`,
    );
  }
  return name;
}

/**
 * A `SessionDatabase` over DynamoDB for `dbEngine({ database })`:
 *
 * ```ts
 * const client = new DynamoDBClient({ region: 'eu-west-1' });
 * const database = dynamodb(client, { table: 'sessions' });
 * await database.table('sessions').createTable(); // once: on-demand table + TTL on expire_date
 * const engine = dbEngine({ database });
 * ```
 * The client stays yours: the engine never destroys it.
 */
export function dynamodb(client: DynamoDBClient | Client, options: DynamoDbOptions = {}): SessionDatabase {
  if (typeof client?.send !== 'function') {
    throw new ImproperlyConfigured('dynamodb(client): pass a DynamoDBClient from @aws-sdk/client-dynamodb');
  }
  const table = options.table === undefined ? undefined : checkTableName(options.table);
  const resolved = {
    timeoutMs: positiveInteger(options.timeoutMs, 5_000, 'timeoutMs'),
    batchRetries: positiveInteger(options.batchRetries, 8, 'batchRetries', 0),
    createTableWaitSeconds: positiveInteger(options.createTableWaitSeconds, 300, 'createTableWaitSeconds'),
  };
  return {
    kind: 'dynamodb',
    table: (name: string) => new DynamoDbTable(client, table ?? checkTableName(name), resolved),
  };
}
