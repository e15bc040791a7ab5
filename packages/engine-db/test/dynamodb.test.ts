// DynamoDB-specific behaviour, against real DynamoDB Local: the stored item, TTL lag, the 400 KB limit,
// clearExpired at scale, and failures (server stopped, server silent, table missing).
import { randomBytes } from 'node:crypto';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateTimeToLiveCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  ImproperlyConfigured,
  InvalidSessionKey,
  SessionStoreUnavailable,
  Sessions,
  SessionTooLarge,
} from '@sess/core';
import { type DbEngine, dbEngine } from '@sess/engine-db';
import { DYNAMODB_ITEM_LIMIT, dynamodb, itemSize } from '@sess/engine-db/dynamodb';
import { type DynamoDbServer, startDynamoDb } from '@sess/test-servers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { numberSize, toItem } from '../src/dynamodb-item.js';
import { dropTable, dynamoClient, uniqueTable } from './dynamodb-helpers.js';
import {
  expectCreateOverExistingKeyRefused,
  expectDeleteExpiredLimit,
  expectExpiredNotRevived,
  expectOnlyLiveLeft,
  expectStoreUnavailable,
  expectTooLarge,
  savedSession,
  silentServer,
} from './helpers.ts';

const SECRET = 'dynamodb-test-secret-key-0123456789-abcdefghijklmnop';
const HOUR = 3600_000;

const sessionsOver = (engine: DbEngine, now?: () => number) =>
  new Sessions({ engine, secretKey: SECRET, ...(now ? { clock: { now } } : {}) });

/** A table exactly as createTable() makes it, but without TTL: expired items stay, as they do on AWS for days. */
async function createTableWithoutTtl(client: DynamoDBClient, table: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'session_key', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'session_key', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

const rawItem = (key: string, data: string, expiresAtMs: number) => ({
  session_key: { S: key },
  session_data: { S: data },
  expire_date: { N: String(Math.floor(expiresAtMs / 1000)) },
});

async function rawGet(client: DynamoDBClient, table: string, key: string) {
  const out = await client.send(
    new GetItemCommand({ TableName: table, Key: { session_key: { S: key } }, ConsistentRead: true }),
  );
  return out.Item;
}

async function countItems(client: DynamoDBClient, table: string): Promise<number> {
  let count = 0;
  let start: Record<string, { S: string }> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, Select: 'COUNT', ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return count;
}

async function batchPut(
  client: DynamoDBClient,
  table: string,
  items: Record<string, { S: string } | { N: string }>[],
) {
  for (let i = 0; i < items.length; i += 25) {
    let pending: WriteRequest[] = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = out.UnprocessedItems?.[table] ?? [];
    }
  }
}

describe('DynamoDB item rules (no server)', () => {
  it('counts item size as DynamoDB does: UTF-8 bytes of names and strings, numbers by significant digits', () => {
    expect(itemSize({ ab: { S: 'héllo' } })).toBe(2 + 6);
    expect(numberSize('1700000000')).toBe(2); // "17": one byte per two digits, plus one
    expect(numberSize('1700000001')).toBe(6);
    expect(numberSize('-0.00125')).toBe(3);
    const item = toItem({
      sessionKey: 'a'.repeat(32),
      sessionData: '😀',
      expireDate: new Date(1_700_000_001_000),
    });
    expect(itemSize(item)).toBe(
      'session_key'.length + 32 + 'session_data'.length + 4 + 'expire_date'.length + 6,
    );
  });

  it('refuses an item over 400 KB with SessionTooLarge carrying the sizes', () => {
    const overhead = itemSize(
      toItem({ sessionKey: 'a'.repeat(32), sessionData: '', expireDate: new Date(1e12) }),
    );
    const fits = {
      sessionKey: 'a'.repeat(32),
      sessionData: 'x'.repeat(DYNAMODB_ITEM_LIMIT - overhead),
      expireDate: new Date(1e12),
    };
    expect(itemSize(toItem(fits))).toBe(DYNAMODB_ITEM_LIMIT);
    expectTooLarge(
      () => toItem({ ...fits, sessionData: `${fits.sessionData}é` }),
      DYNAMODB_ITEM_LIMIT + 2,
      DYNAMODB_ITEM_LIMIT,
      /400 KB/,
    );
  });

  it('validates its options at construction', () => {
    const client = dynamoClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    expect(() => dynamodb(client, { table: 'a b' })).toThrow(ImproperlyConfigured);
    expect(() => dynamodb(client, { timeoutMs: 0 })).toThrow(ImproperlyConfigured);
    expect(() => dynamodb({} as DynamoDBClient)).toThrow(ImproperlyConfigured);
    client.destroy();
  });
});

describe('DynamoDB adapter against DynamoDB Local', () => {
  let client: DynamoDBClient;
  const tables: string[] = [];
  const newTable = (prefix: string) => {
    const name = uniqueTable(prefix);
    tables.push(name);
    return name;
  };

  beforeAll(() => {
    client = dynamoClient(inject('dynamodb'));
  });

  afterAll(async () => {
    await Promise.all(tables.map((t) => dropTable(client, t).catch(() => undefined)));
    client.destroy();
  });

  describe('createTable', () => {
    it('creates an on-demand table with TTL on expire_date, and is idempotent', async () => {
      const table = newTable('create');
      const engine = dbEngine({ database: dynamodb(client, { table }) });
      await engine.createTable();
      await engine.createTable();
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
      expect(ttl.TimeToLiveDescription).toMatchObject({
        TimeToLiveStatus: 'ENABLED',
        AttributeName: 'expire_date',
      });
    });

    it('refuses a table whose TTL is on another attribute', async () => {
      const table = newTable('otherttl');
      await createTableWithoutTtl(client, table);
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: table,
          TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' },
        }),
      );
      const engine = dbEngine({ database: dynamodb(client, { table }) });
      await expect(engine.createTable()).rejects.toThrow(ImproperlyConfigured);
    });

    it('uses the name dbEngine asks for when no table option is given', async () => {
      const table = newTable('fromengine');
      const engine = dbEngine({ database: dynamodb(client), table });
      await engine.createTable();
      const s = sessionsOver(engine).open();
      s.set('k', 1);
      await s.save();
      expect(await rawGet(client, table, s.sessionKey!)).toBeDefined();
    });
  });

  describe('sessions', () => {
    const table = newTable('sessions');
    let engine: DbEngine;
    let sessions: Sessions;

    beforeAll(async () => {
      engine = dbEngine({ database: dynamodb(client, { table }) });
      await engine.createTable();
      sessions = sessionsOver(engine);
    });

    it("stores Django's row as an item: key, signed data, expiry in epoch seconds", async () => {
      const s = sessions.open();
      s.set('user_id', 42);
      await s.save();
      const item = await rawGet(client, table, s.sessionKey!);
      expect(Object.keys(item ?? {}).sort()).toEqual(['expire_date', 'session_data', 'session_key']);
      expect(item?.session_key?.S).toBe(s.sessionKey);
      expect(await s.decode(item!.session_data!.S!)).toEqual({ user_id: 42 });
      const expiry = s.getExpiryDate().getTime();
      expect(Number(item?.expire_date?.N)).toBe(Math.floor(expiry / 1000));
    });

    it('an insert over an existing key raises CreateError and keeps the stored data', async () => {
      await expectCreateOverExistingKeyRefused(engine, sessions);
    });

    it('keys that are not session keys are refused before any request', async () => {
      const t = dynamodb(client, { table }).table(table);
      for (const key of ['short', 'A'.repeat(32), `${'a'.repeat(32)}\u0000`, 'a'.repeat(41)]) {
        await expect(t.select(key, new Date())).rejects.toThrow(InvalidSessionKey);
        await expect(t.delete(key)).rejects.toThrow(InvalidSessionKey);
        await expect(t.insert({ sessionKey: key, sessionData: 'x', expireDate: new Date() })).rejects.toThrow(
          InvalidSessionKey,
        );
      }
    });
  });

  describe('TTL lag: expired items still in the table', () => {
    // No TTL on this table, so DynamoDB Local cannot delete the items: this is AWS during its TTL lag.
    const table = newTable('ttllag');
    let engine: DbEngine;
    let sessions: Sessions;

    beforeAll(async () => {
      await createTableWithoutTtl(client, table);
      engine = dbEngine({ database: dynamodb(client, { table }) });
      sessions = sessionsOver(engine);
    });

    it('deleteExpired honours its limit', async () => {
      const keys = await expectDeleteExpiredLimit(dynamodb(client, { table }).table(table));
      for (const key of keys) expect(await rawGet(client, table, key)).toBeUndefined();
    });

    it('an item whose expiry attribute is in the past loads as missing', async () => {
      const key = 'ttllag'.padEnd(32, '0');
      const data = await sessions.open().encode({ user_id: 7 });
      await client.send(
        new PutItemCommand({ TableName: table, Item: rawItem(key, data, Date.now() - 60_000) }),
      );
      expect(await rawGet(client, table, key)).toBeDefined(); // physically there
      const s = await sessions.open(key).load();
      expect(s.items()).toEqual([]);
      expect(await s.exists(key)).toBe(false);
      // The same item is live for a clock before its expiry: the filter is the expiry, nothing else.
      const earlier = sessionsOver(engine, () => Date.now() - 120_000);
      expect((await earlier.open(key).load()).get('user_id')).toBe(7);
    });

    it('saving over an expired item raises UpdateError instead of reviving it', async () => {
      const key = 'revive'.padEnd(32, '0');
      const data = await sessions.open().encode({ user_id: 8 });
      await client.send(
        new PutItemCommand({ TableName: table, Item: rawItem(key, data, Date.now() - 60_000) }),
      );
      expect(await engine.loadRecord(key, sessions.context)).toBeNull();
      await expectExpiredNotRevived(engine, sessions, key);
      const stored = await rawGet(client, table, key);
      expect(await sessions.open().decode(stored!.session_data!.S!)).toEqual({ user_id: 8 });
    });

    it('clearExpired deletes thousands of expired items and leaves live ones untouched', async () => {
      const now = Date.now();
      const expiredData = await sessions.open().encode({ gone: true });
      const liveData = await sessions.open().encode({ live: true });
      const expired = Array.from({ length: 3000 }, (_, i) =>
        rawItem(`exp${String(i).padStart(29, '0')}`, expiredData, now - HOUR - i * 1000),
      );
      const live = Array.from({ length: 200 }, (_, i) =>
        rawItem(`live${String(i).padStart(28, '0')}`, liveData, now + HOUR + i * 1000),
      );
      await batchPut(client, table, [...expired, ...live]);
      const before = await countItems(client, table);

      // Besides these, the table holds the expired items of the tests above: all of them must go.
      await expectOnlyLiveLeft(
        sessions,
        before,
        () => countItems(client, table),
        live.map((item) => item.session_key.S),
      );
      expect(await rawGet(client, table, expired[0]!.session_key.S)).toBeUndefined();
      expect(await rawGet(client, table, expired[2999]!.session_key.S)).toBeUndefined();
    });

    it('clearExpired in small batches over many scan pages misses nothing (the scan resumes between batches)', async () => {
      const paged = newTable('paged');
      await createTableWithoutTtl(client, paged);
      const now = Date.now();
      const bulky = 'x'.repeat(90_000); // ~11 items per 1 MB scan page
      const expired = Array.from({ length: 40 }, (_, i) =>
        rawItem(`pexp${String(i).padStart(28, '0')}`, bulky, now - HOUR),
      );
      const live = Array.from({ length: 6 }, (_, i) =>
        rawItem(`plive${String(i).padStart(27, '0')}`, bulky, now + HOUR),
      );
      // Interleaved, so live items sit on the pages between expired ones.
      await batchPut(
        client,
        paged,
        expired.flatMap((item, i) => (i % 7 === 0 && live[i / 7] ? [item, live[i / 7]!] : [item])),
      );
      const engine = dbEngine({ database: dynamodb(client, { table: paged }), clearBatchSize: 7 });
      expect(await sessionsOver(engine).clearExpired()).toBe(40);
      expect(await countItems(client, paged)).toBe(6);
      for (const item of live) expect(await rawGet(client, paged, item.session_key.S)).toBeDefined();
    });
  });

  describe('the 400 KB item limit', () => {
    const table = newTable('big');
    let engine: DbEngine;

    beforeAll(async () => {
      engine = dbEngine({ database: dynamodb(client, { table }) });
      await engine.createTable();
    });

    it('an item of exactly 400 KB is stored; one byte more is refused before sending', async () => {
      const t = dynamodb(client, { table }).table(table);
      const expireDate = new Date(Date.now() + HOUR);
      const overhead = itemSize(toItem({ sessionKey: 'b'.repeat(32), sessionData: '', expireDate }));
      const row = {
        sessionKey: 'b'.repeat(32),
        sessionData: 'x'.repeat(DYNAMODB_ITEM_LIMIT - overhead),
        expireDate,
      };
      expect(await t.insert(row)).toBe(true);
      expect((await t.select(row.sessionKey, new Date()))?.sessionData.length).toBe(row.sessionData.length);

      const over = { ...row, sessionKey: 'c'.repeat(32), sessionData: `${row.sessionData}x` };
      await expect(t.insert(over)).rejects.toThrow(SessionTooLarge);
      // DynamoDB itself agrees: the same item sent raw is refused.
      await expect(
        client.send(
          new PutItemCommand({
            TableName: table,
            Item: rawItem(over.sessionKey, over.sessionData, expireDate.getTime()),
          }),
        ),
      ).rejects.toThrow(/size/i);
      expect(await rawGet(client, table, over.sessionKey)).toBeUndefined();
    });

    it('a session too big for DynamoDB raises SessionTooLarge on save and stores nothing', async () => {
      const sessions = sessionsOver(engine);
      const s = sessions.open();
      s.set('blob', randomBytes(400 * 1024).toString('base64')); // incompressible
      await expect(s.save()).rejects.toThrow(SessionTooLarge);
      const small = await sessions.open().load();
      small.set('ok', true);
      await small.save();
      expect((await sessions.open(small.sessionKey).load()).get('ok')).toBe(true);
    });
  });

  it('a missing table is ImproperlyConfigured, saying to create it', async () => {
    const engine = dbEngine({ database: dynamodb(client, { table: uniqueTable('missing') }) });
    const sessions = sessionsOver(engine);
    await expect(sessions.open('a'.repeat(32)).load()).rejects.toThrow(ImproperlyConfigured);
    await expect(sessions.open('a'.repeat(32)).load()).rejects.toThrow(/createTable/);
  });
});

describe('DynamoDB unavailable', () => {
  it('a stopped server gives SessionStoreUnavailable on every operation', async () => {
    const server: DynamoDbServer = await startDynamoDb();
    const client = dynamoClient(server.info);
    try {
      const engine = dbEngine({ database: dynamodb(client, { table: 'stopped', timeoutMs: 3000 }) });
      const { sessions, session: s } = await savedSession(engine, SECRET);
      await server.stop();

      await expectStoreUnavailable(sessions, s);
      await expect(s.exists(s.sessionKey!)).rejects.toThrow(SessionStoreUnavailable);
      await expect(s.destroy()).rejects.toThrow(SessionStoreUnavailable);
      const incoming = sessions.cookies.begin(`sessionid=${s.sessionKey}`);
      await expect(incoming.session.load()).rejects.toMatchObject({ status: 503 });
    } finally {
      client.destroy();
      await server.stop();
    }
  }, 120_000);

  describe('a server that accepts connections and never answers', () => {
    let silent: Awaited<ReturnType<typeof silentServer>>;

    beforeAll(async () => {
      silent = await silentServer();
    });

    afterAll(() => silent.close());

    it('times out after timeoutMs with SessionStoreUnavailable', async () => {
      const client = dynamoClient({
        endpoint: `http://127.0.0.1:${silent.port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      });
      const engine = dbEngine({ database: dynamodb(client, { table: 'silent', timeoutMs: 300 }) });
      const sessions = sessionsOver(engine);
      const error = await sessions
        .open('a'.repeat(32))
        .load()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SessionStoreUnavailable);
      expect((error as Error).message).toMatch(/abort/i);
      client.destroy();
    });
  });
});
