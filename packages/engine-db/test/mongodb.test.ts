// The MongoDB adapter against a real MongoDB server: the contract kit plus MongoDB specifics.
// No mongod can be installed on this project's machines (see the README's MongoDB section), so the suite
// runs against the server at MONGODB_URL when it is set. Without it, ONE test records plainly that the
// suite did not run (test-results/not-run.txt, printed by the root test summary): never a fake server.
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runEngineContract } from '@sess/contract';
import { ImproperlyConfigured, Sessions, SessionTooLarge } from '@sess/core';
import { type DbEngine, dbEngine } from '@sess/engine-db';
import { mongodb, type SessionDocument } from '@sess/engine-db/mongodb';
import { type CommandStartedEvent, type Db, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectCreateOverExistingKeyRefused,
  expectDeleteExpiredLimit,
  expectExpiredNotRevived,
  expectOnlyLiveLeft,
} from './helpers.ts';

const url = process.env.MONGODB_URL;
const NOT_RUN = 'MongoDB suite not run: MONGODB_URL is not set';
const SECRET = 'mongodb-test-secret-key-0123456789-abcdefghijklmnop';
const HOUR = 3600_000;

if (!url) {
  it('MongoDB suite: not run (MONGODB_URL is not set); recorded in test-results/not-run.txt', () => {
    const dir = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'test-results');
    const file = join(dir, 'not-run.txt');
    mkdirSync(dir, { recursive: true });
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
    if (!lines.includes(NOT_RUN)) appendFileSync(file, `${NOT_RUN}\n`);
    expect(readFileSync(file, 'utf8').split('\n')).toContain(NOT_RUN);
  });
} else {
  const mongoUrl = url;
  const dbName = `sess_test_${randomBytes(4).toString('hex')}`;
  let contractClient: MongoClient;

  runEngineContract({
    name: 'db (MongoDB at MONGODB_URL)',
    makeEngine: async () => {
      contractClient = await MongoClient.connect(mongoUrl, { serverSelectionTimeoutMS: 5000 });
      const engine = dbEngine({ database: mongodb(contractClient.db(dbName).collection('contract')) });
      await engine.createTable();
      return engine;
    },
    closeEngine: async (engine) => {
      await engine.close?.();
      await contractClient.db(dbName).dropDatabase();
      await contractClient.close();
    },
  });

  describe('MongoDB adapter at MONGODB_URL', () => {
    let client: MongoClient;
    let db: Db;
    const commands: CommandStartedEvent[] = [];
    const sessionsOver = (engine: DbEngine) => new Sessions({ engine, secretKey: SECRET });

    beforeAll(async () => {
      client = await MongoClient.connect(mongoUrl, { serverSelectionTimeoutMS: 5000, monitorCommands: true });
      client.on('commandStarted', (event) => commands.push(event));
      db = client.db(`${dbName}_specific`);
    });

    afterAll(async () => {
      await db?.dropDatabase();
      await client?.close();
    });

    it('createTable makes the TTL index on expireDate, and is idempotent', async () => {
      const collection = db.collection('ttl');
      const engine = dbEngine({ database: mongodb(collection) });
      await engine.createTable();
      await engine.createTable();
      const indexes = await collection.listIndexes().toArray();
      expect(indexes.find((i) => i.key?.expireDate === 1)).toMatchObject({ expireAfterSeconds: 0 });
    });

    it('createTable refuses a plain index on expireDate, which would never expire anything', async () => {
      const collection = db.collection('plainindex');
      await collection.createIndex({ expireDate: 1 });
      await expect(dbEngine({ database: mongodb(collection) }).createTable()).rejects.toThrow(
        ImproperlyConfigured,
      );
    });

    describe('sessions', () => {
      const collectionName = 'sessions';
      let engine: DbEngine;
      let sessions: Sessions;

      beforeAll(async () => {
        engine = dbEngine({ database: mongodb(db.collection(collectionName)) });
        await engine.createTable();
        sessions = sessionsOver(engine);
      });

      it('stores { _id: key, sessionData, expireDate: Date }', async () => {
        const s = sessions.open();
        s.set('user_id', 42);
        await s.save();
        const doc = await db.collection<SessionDocument>(collectionName).findOne({ _id: s.sessionKey! });
        expect(Object.keys(doc ?? {}).sort()).toEqual(['_id', 'expireDate', 'sessionData']);
        expect(doc?.expireDate).toBeInstanceOf(Date);
        expect(doc?.expireDate.getTime()).toBe(s.getExpiryDate().getTime());
        expect(await s.decode(doc!.sessionData)).toEqual({ user_id: 42 });
      });

      it('an insert over an existing key (E11000) raises CreateError and keeps the stored data', async () => {
        await expectCreateOverExistingKeyRefused(engine, sessions);
      });

      it('destroy deletes with writeConcern majority by default, and as configured', async () => {
        const s = sessions.open();
        s.set('a', 1);
        await s.save();
        commands.length = 0;
        await s.destroy();
        const deletes = commands.filter((c) => c.commandName === 'delete');
        expect(deletes.at(-1)?.command.writeConcern).toMatchObject({ w: 'majority' });

        const w1 = sessionsOver(
          dbEngine({ database: mongodb(db.collection(collectionName), { writeConcern: { w: 1 } }) }),
        );
        const t = w1.open();
        t.set('b', 2);
        await t.save();
        commands.length = 0;
        await t.cycleKey();
        expect(commands.filter((c) => c.commandName === 'delete').at(-1)?.command.writeConcern).toMatchObject(
          { w: 1 },
        );
      });

      it('a session too big for a BSON document raises SessionTooLarge and stores nothing', async () => {
        const before = await db.collection(collectionName).countDocuments();
        const s = sessions.open();
        s.set('blob', randomBytes(13 * 1024 * 1024).toString('base64')); // incompressible, ~17 MB encoded
        await expect(s.save()).rejects.toThrow(SessionTooLarge);
        expect(await db.collection(collectionName).countDocuments()).toBe(before);
      });
    });

    describe('TTL lag: expired documents still in the collection', () => {
      // No TTL index here, so nothing deletes them behind the test's back (the TTL monitor runs every 60 s).
      const collectionName = 'lag';
      let engine: DbEngine;
      let sessions: Sessions;

      beforeAll(() => {
        engine = dbEngine({ database: mongodb(db.collection(collectionName)) });
        sessions = sessionsOver(engine);
      });

      it('a document whose expireDate has passed loads as missing and cannot be revived by an update', async () => {
        const key = 'ttllag'.padEnd(32, '0');
        const sessionData = await sessions.open().encode({ user_id: 7 });
        const docs = db.collection<SessionDocument>(collectionName);
        await docs.insertOne({ _id: key, sessionData, expireDate: new Date(Date.now() - 60_000) });
        expect(await docs.findOne({ _id: key })).not.toBeNull();
        const s = await sessions.open(key).load();
        expect(s.items()).toEqual([]);
        expect(await s.exists(key)).toBe(false);
        await expectExpiredNotRevived(engine, sessions, key);
        expect(await sessions.open().decode((await docs.findOne({ _id: key }))!.sessionData)).toEqual({
          user_id: 7,
        });
      });

      it('clearExpired deletes thousands of expired documents in batches and leaves live ones untouched', async () => {
        const now = Date.now();
        const docs = db.collection<SessionDocument>(collectionName);
        const gone = await sessions.open().encode({ gone: true });
        const liveData = await sessions.open().encode({ live: true });
        await docs.insertMany(
          Array.from({ length: 3000 }, (_, i) => ({
            _id: `exp${String(i).padStart(29, '0')}`,
            sessionData: gone,
            expireDate: new Date(now - HOUR - i),
          })),
        );
        const live = Array.from({ length: 200 }, (_, i) => ({
          _id: `live${String(i).padStart(28, '0')}`,
          sessionData: liveData,
          expireDate: new Date(now + HOUR + i),
        }));
        await docs.insertMany(live);
        const before = await docs.countDocuments();
        await expectOnlyLiveLeft(
          sessions,
          before,
          () => docs.countDocuments(),
          live.map((doc) => doc._id),
        );
      });

      it('deleteExpired honours its limit', async () => {
        await expectDeleteExpiredLimit(mongodb(db.collection(collectionName)).table(collectionName));
      });
    });
  });
}
