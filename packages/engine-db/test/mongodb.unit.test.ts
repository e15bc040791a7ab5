// The MongoDB adapter's logic that needs no server: documents and their size, filters, key checks, error
// classification (on the real driver's error classes), and a client with nothing listening.
// The behaviour against a real mongod is in mongodb.test.ts (runs when MONGODB_URL is set).
import { ImproperlyConfigured, InvalidSessionKey, SessionStoreUnavailable, Sessions } from '@sess/core';
import { dbEngine } from '@sess/engine-db';
import { MONGODB_DOCUMENT_LIMIT, mongodb } from '@sess/engine-db/mongodb';
import { getFreePort } from '@sess/test-servers';
import {
  MongoClient,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  MongoWriteConcernError,
} from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  documentSize,
  expiredFilter,
  isDuplicateKey,
  isUnavailable,
  keyFilter,
  liveFilter,
  toDocument,
  toUpdate,
  updateFilter,
} from '../src/mongodb-query.js';
import { expectTooLarge } from './helpers.ts';

const KEY = 'k'.repeat(32);
const NOW = new Date('2026-01-02T03:04:05.678Z');

describe('MongoDB documents and filters', () => {
  it('stores the key as _id, the signed data as a string and the expiry as a Date', () => {
    const expireDate = new Date(NOW.getTime() + 1000);
    expect(toDocument({ sessionKey: KEY, sessionData: 'abc:1x:sig', expireDate })).toEqual({
      _id: KEY,
      sessionData: 'abc:1x:sig',
      expireDate,
    });
    expect(toUpdate(toDocument({ sessionKey: KEY, sessionData: 'd', expireDate }))).toEqual({
      $set: { sessionData: 'd', expireDate },
    });
  });

  it('builds the filters: by key, live at now, update-only-while-live, expired before now', () => {
    expect(keyFilter(KEY)).toEqual({ _id: KEY });
    expect(liveFilter(KEY, NOW)).toEqual({ _id: KEY, expireDate: { $gt: NOW } });
    expect(updateFilter(KEY)).toEqual({ _id: KEY });
    expect(updateFilter(KEY, NOW)).toEqual({ _id: KEY, expireDate: { $gt: NOW } });
    expect(expiredFilter(NOW)).toEqual({ expireDate: { $lt: NOW } });
  });

  it('refuses anything but a session key before a filter is built (no operator injection)', () => {
    const hostile: unknown[] = [
      { $ne: null },
      { $gt: '' },
      ['a'.repeat(32)],
      42,
      null,
      undefined,
      'short',
      'A'.repeat(32),
      `${KEY}$`,
      'a'.repeat(41),
    ];
    for (const key of hostile) {
      expect(() => keyFilter(key)).toThrow(InvalidSessionKey);
      expect(() => liveFilter(key, NOW)).toThrow(InvalidSessionKey);
      expect(() => updateFilter(key, NOW)).toThrow(InvalidSessionKey);
      expect(() => toDocument({ sessionKey: key as string, sessionData: '', expireDate: NOW })).toThrow(
        InvalidSessionKey,
      );
    }
  });

  it('counts the BSON size exactly and refuses a document over 16 MB with SessionTooLarge', () => {
    // BSON: int32 length + per field (type byte, name, NUL, value) + final NUL; a string is int32 + bytes + NUL.
    const empty = toDocument({ sessionKey: KEY, sessionData: '', expireDate: NOW });
    const expected = 4 + (1 + 4 + 4 + 32 + 1) + (1 + 12 + 4 + 0 + 1) + (1 + 11 + 8) + 1;
    expect(documentSize(empty)).toBe(expected);
    expect(documentSize({ ...empty, sessionData: 'é' })).toBe(expected + 2);

    const fits = 'x'.repeat(MONGODB_DOCUMENT_LIMIT - expected);
    expect(documentSize(toDocument({ sessionKey: KEY, sessionData: fits, expireDate: NOW }))).toBe(
      MONGODB_DOCUMENT_LIMIT,
    );
    expectTooLarge(
      () => toDocument({ sessionKey: KEY, sessionData: `${fits}x`, expireDate: NOW }),
      MONGODB_DOCUMENT_LIMIT + 1,
      MONGODB_DOCUMENT_LIMIT,
      /16 MB/,
    );
  });
});

describe('MongoDB driver errors', () => {
  it('a duplicate key (E11000) means the insert lost; other server errors do not', () => {
    expect(isDuplicateKey(new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key error' }))).toBe(
      true,
    );
    expect(isDuplicateKey({ writeErrors: [{ code: 11000 }] })).toBe(true);
    expect(isDuplicateKey(new MongoServerError({ code: 2, errmsg: 'BadValue' }))).toBe(false);
    expect(isDuplicateKey(new Error('E11000'))).toBe(false);
  });

  it('network, selection, failover and write-concern failures mean the store is unavailable', () => {
    expect(isUnavailable(new MongoNetworkError('connection reset'))).toBe(true);
    expect(
      isUnavailable(
        new MongoServerSelectionError('no server', { type: 'Unknown', servers: new Map() } as never),
      ),
    ).toBe(true);
    expect(isUnavailable(new MongoServerError({ code: 10107, errmsg: 'not primary' }))).toBe(true);
    expect(isUnavailable(new MongoServerError({ code: 91, errmsg: 'shutdown in progress' }))).toBe(true);
    expect(
      isUnavailable(
        new MongoWriteConcernError({
          writeConcernError: { code: 64, errmsg: 'waiting for replication timed out' },
        } as never),
      ),
    ).toBe(true);
    expect(isUnavailable(new MongoServerError({ code: 11000, errmsg: 'dup' }))).toBe(false);
    expect(isUnavailable(new MongoServerError({ code: 2, errmsg: 'BadValue' }))).toBe(false);
    expect(isUnavailable(new TypeError('bug'))).toBe(false);
  });
});

describe('MongoDB adapter without a server', () => {
  it('validates its arguments at construction', () => {
    expect(() => mongodb({} as never)).toThrow(ImproperlyConfigured);
    const client = new MongoClient('mongodb://127.0.0.1:9/?directConnection=true');
    expect(() => mongodb(client.db('x').collection('s'), { timeoutMs: 0 })).toThrow(ImproperlyConfigured);
  });

  it('nothing listening: bad keys fail before any query, good ones with SessionStoreUnavailable', async () => {
    // A real driver pointed at a loopback port where nothing listens: no server, no fake.
    const port = await getFreePort();
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, {
      serverSelectionTimeoutMS: 300,
      connectTimeoutMS: 300,
    });
    try {
      const database = mongodb(client.db('sess_test').collection('sessions'));
      const table = database.table('django_session');
      await expect(table.select('{"$ne":null}', NOW)).rejects.toThrow(InvalidSessionKey);
      await expect(table.delete({ $ne: null } as never)).rejects.toThrow(InvalidSessionKey);

      const sessions = new Sessions({
        engine: dbEngine({ database }),
        secretKey: 'mongodb-unit-test-secret-key-0123456789',
      });
      await expect(sessions.open(KEY).load()).rejects.toThrow(SessionStoreUnavailable);
      const s = sessions.open();
      s.set('a', 1);
      await expect(s.save()).rejects.toThrow(SessionStoreUnavailable);
      await expect(sessions.clearExpired()).rejects.toThrow(SessionStoreUnavailable);
      await expect(sessions.open(KEY).destroy()).rejects.toThrow(SessionStoreUnavailable);
    } finally {
      await client.close();
    }
  });

  it('an operation past timeoutMs is SessionStoreUnavailable, even when the client would wait longer', async () => {
    const port = await getFreePort();
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, {
      serverSelectionTimeoutMS: 30_000,
    });
    try {
      const engine = dbEngine({
        database: mongodb(client.db('sess_test').collection('sessions'), { timeoutMs: 200 }),
      });
      const sessions = new Sessions({ engine, secretKey: 'mongodb-unit-test-secret-key-0123456789' });
      await expect(sessions.open(KEY).load()).rejects.toThrow(/within 200 ms/);
    } finally {
      await client.close();
    }
  });
});
