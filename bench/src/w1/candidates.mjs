// Every W1 candidate: sess engines (through `Session`), the peers, and the raw driver doing the same work.
// `make(env)` returns { create(data) → key, roundtrip(key), read(key) → counter, close() }.
// `ref` names the raw limit a candidate is divided by: the same client library and the same durability.
import { open as openFile, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { randomKey } from '../lib/data.mjs';
import { rawDjangoSigner } from '../lib/django.mjs';
import { expressSessionModule, storeRunner } from './peers.mjs';
import { sessRunner } from './sess.mjs';

const require = createRequire(import.meta.url);
const TTL_S = 1_209_600;
const SESSION_SALT = 'django.contrib.sessions.SessionStore';
/** The engine option of the `…/sess-nocompress` rows: Django's signed text without zlib. */
const NO_COMPRESS = { compress: false };

/** A sess runner that closes `client` too, after its sessions. */
function closingToo(runner, closeClient) {
  return {
    ...runner,
    close: async () => {
      await runner.close();
      await closeClient();
    },
  };
}

/**
 * sess over engine-db on `database` (an adapter over an open handle), its django_session table created.
 * `engineOptions` go to `dbEngine` (e.g. `{ compress: false }`).
 */
async function dbSessRunner(database, closeClient, engineOptions = {}) {
  const { dbEngine } = await import('@sess/engine-db');
  const engine = dbEngine({ database, ...engineOptions });
  await engine.createTable();
  const runner = sessRunner(engine);
  return closeClient ? closingToo(runner, closeClient) : runner;
}

/**
 * A raw limit: the session as JSON text under a random key, `get(key)` → text and `set(key, text, created)`.
 * The in-memory and SQLite limits stay written out: their calls are synchronous, and awaiting them would
 * add microtasks to what they measure.
 */
function jsonRunner({ get, set, close = async () => {} }) {
  return {
    async create(data) {
      const key = randomKey();
      await set(key, JSON.stringify(data), true);
      return key;
    },
    async roundtrip(key) {
      const data = JSON.parse(await get(key));
      data.counter++;
      await set(key, JSON.stringify(data), false);
    },
    async read(key) {
      return JSON.parse(await get(key)).counter;
    },
    close,
  };
}

// ---------------------------------------------------------------------------------------------- memory

const memory = [
  {
    id: 'memory/sess',
    label: 'sess engine-cache/memory',
    role: 'sess',
    ref: 'memory/raw-map-json',
    async make() {
      const { cacheEngine } = await import('@sess/engine-cache');
      const { memoryCache } = await import('@sess/engine-cache/memory');
      // Room for every session of the run (up to 100 000): the default bound (10 000) would evict and skew it.
      const backend = memoryCache({ max: 100_000, maxBytes: 1024 ** 3 });
      return sessRunner(cacheEngine({ backend }));
    },
  },
  {
    id: 'memory/express-session',
    label: 'express-session MemoryStore',
    role: 'peer',
    ref: 'memory/raw-map-json',
    async make() {
      const { MemoryStore } = expressSessionModule();
      return storeRunner(new MemoryStore(), randomKey);
    },
  },
  {
    id: 'memory/memorystore',
    label: 'memorystore (LRU)',
    role: 'peer',
    ref: 'memory/raw-map-json',
    async make() {
      const MemoryStore = require('memorystore')(expressSessionModule());
      const store = new MemoryStore({ checkPeriod: 24 * 3600 * 1000 });
      return storeRunner(store, randomKey, async () => store.stopInterval());
    },
  },
  {
    id: 'memory/raw-map-json',
    label: 'raw Map + JSON',
    role: 'limit',
    async make() {
      const map = new Map();
      return {
        async create(data) {
          const key = randomKey();
          map.set(key, JSON.stringify(data));
          return key;
        },
        async roundtrip(key) {
          const data = JSON.parse(map.get(key));
          data.counter++;
          map.set(key, JSON.stringify(data));
        },
        async read(key) {
          return JSON.parse(map.get(key)).counter;
        },
        async close() {},
      };
    },
  },
  {
    id: 'memory/raw-map-refs',
    label: 'raw Map (object refs, no copy)',
    role: 'limit',
    info: true,
    async make() {
      const map = new Map();
      return {
        async create(data) {
          const key = randomKey();
          map.set(key, data);
          return key;
        },
        async roundtrip(key) {
          map.get(key).counter++;
        },
        async read(key) {
          return map.get(key).counter;
        },
        async close() {},
      };
    },
  },
];

// ----------------------------------------------------------------------------------------------- redis

async function ioredisClient(env) {
  const { Redis } = await import('ioredis');
  const client = new Redis(env.servers.redis.url, { lazyConnect: true });
  await client.connect();
  return client;
}

const redis = [
  {
    id: 'redis/sess',
    label: 'sess engine-cache/redis (ioredis)',
    role: 'sess',
    ref: 'redis/raw-ioredis',
    needs: ['redis'],
    async make(env) {
      const { cacheEngine } = await import('@sess/engine-cache');
      const { redisCache } = await import('@sess/engine-cache/redis');
      const client = await ioredisClient(env);
      return closingToo(sessRunner(cacheEngine({ backend: redisCache(client) })), () => client.quit());
    },
  },
  {
    id: 'redis/connect-redis',
    label: 'connect-redis (node-redis)',
    role: 'peer',
    ref: 'redis/raw-node-redis',
    needs: ['redis'],
    async make(env) {
      const { createClient } = await import('redis');
      const { RedisStore } = await import('connect-redis');
      const client = createClient({ url: env.servers.redis.url });
      await client.connect();
      return storeRunner(new RedisStore({ client }), randomKey, () => client.quit());
    },
  },
  {
    id: 'redis/raw-ioredis',
    label: 'raw ioredis GET + SET EX',
    role: 'limit',
    needs: ['redis'],
    async make(env) {
      const client = await ioredisClient(env);
      return jsonRunner({
        get: (key) => client.get(key),
        set: (key, text) => client.set(key, text, 'EX', TTL_S),
        close: () => client.quit(),
      });
    },
  },
  {
    id: 'redis/raw-ioredis-buffer',
    label: 'raw ioredis getBuffer + SET EX XX, Buffer values',
    role: 'limit',
    info: true,
    needs: ['redis'],
    async make(env) {
      const client = await ioredisClient(env);
      return {
        ...jsonRunner({
          get: (key) => client.getBuffer(key),
          set: (key, text, created) => client.set(key, Buffer.from(text), 'EX', TTL_S, created ? 'NX' : 'XX'),
          close: () => client.quit(),
        }),
        // The check at the end reads a string, as it always has.
        async read(key) {
          return JSON.parse(await client.get(key)).counter;
        },
      };
    },
  },
  {
    id: 'redis/raw-node-redis',
    label: 'raw node-redis GET + SET EX',
    role: 'limit',
    needs: ['redis'],
    async make(env) {
      const { createClient } = await import('redis');
      const client = createClient({ url: env.servers.redis.url });
      await client.connect();
      const opts = { expiration: { type: 'EX', value: TTL_S } };
      return jsonRunner({
        get: (key) => client.get(key),
        set: (key, text) => client.set(key, text, opts),
        close: () => client.quit(),
      });
    },
  },
];

// ------------------------------------------------------------------------------------------- memcached

function memjsCall(client, method, ...args) {
  return new Promise((resolve, reject) => {
    client[method](...args, (error, value) => (error ? reject(error) : resolve(value)));
  });
}

async function memjsClient(env) {
  const memjs = require('memjs');
  return memjs.Client.create(env.servers.memcached.servers, { logger: { log() {} } });
}

const memcached = [
  {
    id: 'memcached/sess',
    label: 'sess engine-cache/memcached (memjs)',
    role: 'sess',
    ref: 'memcached/raw-memjs',
    needs: ['memcached'],
    async make(env) {
      const { cacheEngine } = await import('@sess/engine-cache');
      const { memcachedCache } = await import('@sess/engine-cache/memcached');
      const client = await memjsClient(env);
      return closingToo(sessRunner(cacheEngine({ backend: memcachedCache(client) })), () => client.close());
    },
  },
  {
    id: 'memcached/connect-memjs',
    label: 'connect-memjs (memjs)',
    role: 'peer',
    ref: 'memcached/raw-memjs',
    needs: ['memcached'],
    async make(env) {
      const MemcachedStore = require('connect-memjs')(expressSessionModule());
      const client = await memjsClient(env);
      return storeRunner(new MemcachedStore({ client }), randomKey, async () => client.close());
    },
  },
  {
    id: 'memcached/raw-memjs',
    label: 'raw memjs get + set',
    role: 'limit',
    needs: ['memcached'],
    async make(env) {
      const client = await memjsClient(env);
      const opts = { expires: TTL_S };
      return jsonRunner({
        get: (key) => memjsCall(client, 'get', key),
        set: (key, text) => memjsCall(client, 'set', key, text, opts),
        async close() {
          client.close();
        },
      });
    },
  },
];

// ------------------------------------------------------------------------------------------------ file

/** Raw file sessions: read the file; write a temp file and rename it over (atomic), optionally fsync'ed. */
function rawFiles(dir, fsync) {
  let seq = 0;
  async function put(key, text) {
    const tmp = join(dir, `.${key}.${seq++}.tmp`);
    if (fsync) {
      const handle = await openFile(tmp, 'w');
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } else {
      await writeFile(tmp, text);
    }
    await rename(tmp, join(dir, key));
  }
  return jsonRunner({ get: (key) => readFile(join(dir, key), 'utf8'), set: put });
}

const file = [
  {
    id: 'file/sess',
    label: 'sess engine-file (fsync: true, default)',
    role: 'sess',
    ref: 'file/raw-fs-fsync',
    async make(env) {
      const { fileEngine } = await import('@sess/engine-file');
      return sessRunner(fileEngine({ path: env.tmpDir }));
    },
  },
  {
    id: 'file/sess-nofsync',
    label: 'sess engine-file, fsync: false',
    role: 'sess',
    ref: 'file/raw-fs',
    async make(env) {
      const { fileEngine } = await import('@sess/engine-file');
      return sessRunner(fileEngine({ path: env.tmpDir, fsync: false }));
    },
  },
  {
    id: 'file/session-file-store',
    label: 'session-file-store',
    role: 'peer',
    ref: 'file/raw-fs-fsync',
    async make(env) {
      const FileStore = require('session-file-store')(expressSessionModule());
      const store = new FileStore({ path: env.tmpDir, retries: 0, reapInterval: -1, logFn() {} });
      return storeRunner(store, randomKey);
    },
  },
  {
    id: 'file/raw-fs',
    label: 'raw fs writeFile + rename / readFile',
    role: 'limit',
    async make(env) {
      return rawFiles(env.tmpDir, false);
    },
  },
  {
    id: 'file/raw-fs-fsync',
    label: 'raw fs write + fsync + rename / readFile',
    role: 'limit',
    async make(env) {
      return rawFiles(env.tmpDir, true);
    },
  },
];

// ---------------------------------------------------------------------------------------------- sqlite

/** The pragmas every SQLite candidate gets, so that they differ only in library cost. */
function openSqlite(env) {
  const Database = require('better-sqlite3');
  const db = new Database(join(env.tmpDir, 'sessions.sqlite3'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

/** Raw better-sqlite3: an upsert and a select on prepared statements, the data through `codec`. */
function rawSqlite(env, codec) {
  const db = openSqlite(env);
  db.exec(
    'CREATE TABLE raw_session (session_key varchar(40) PRIMARY KEY, session_data text NOT NULL, expire_date datetime NOT NULL)',
  );
  db.exec('CREATE INDEX raw_session_expire ON raw_session (expire_date)');
  const upsert = db.prepare(
    'INSERT INTO raw_session (session_key, session_data, expire_date) VALUES (?, ?, ?) ON CONFLICT (session_key) DO UPDATE SET session_data = excluded.session_data, expire_date = excluded.expire_date',
  );
  const select = db.prepare('SELECT session_data FROM raw_session WHERE session_key = ? AND expire_date > ?');
  const expiry = () => new Date(Date.now() + TTL_S * 1000).toISOString();
  return {
    async create(data) {
      const key = randomKey();
      upsert.run(key, codec.dumps(data), expiry());
      return key;
    },
    async roundtrip(key) {
      const row = select.get(key, new Date().toISOString());
      const data = codec.loads(row.session_data);
      data.counter++;
      upsert.run(key, codec.dumps(data), expiry());
    },
    async read(key) {
      return codec.loads(select.get(key, new Date().toISOString()).session_data).counter;
    },
    async close() {
      db.close();
    },
  };
}

const sqlite = [
  {
    id: 'sqlite/sess',
    label: 'sess engine-db/sqlite (better-sqlite3)',
    role: 'sess',
    ref: 'sqlite/raw',
    // Same work as sess, the format included: what the engine costs beyond Django's encoding.
    alsoRef: 'sqlite/raw-django',
    async make(env) {
      const { sqlite: sqliteDb } = await import('@sess/engine-db/sqlite');
      // The path form, as users write it: the engine opens the file with WAL and synchronous=NORMAL.
      return dbSessRunner(sqliteDb(join(env.tmpDir, 'sessions.sqlite3')));
    },
  },
  {
    id: 'sqlite/sess-nocompress',
    label: 'sess engine-db/sqlite, compress: false',
    role: 'sess',
    ref: 'sqlite/raw',
    info: true,
    async make(env) {
      const { sqlite: sqliteDb } = await import('@sess/engine-db/sqlite');
      return dbSessRunner(sqliteDb(join(env.tmpDir, 'sessions.sqlite3')), undefined, NO_COMPRESS);
    },
  },
  {
    id: 'sqlite/better-sqlite3-session-store',
    label: 'better-sqlite3-session-store',
    role: 'peer',
    ref: 'sqlite/raw',
    async make(env) {
      // Its clear-expired interval can be neither turned off (`clear: … || true`) nor stopped (the handle
      // is not kept): this child outlives its result until the harness ends it (RESULT_GRACE_MS).
      const SqliteStore = require('better-sqlite3-session-store')(expressSessionModule());
      const db = openSqlite(env);
      return storeRunner(new SqliteStore({ client: db }), randomKey, async () => db.close());
    },
  },
  {
    id: 'sqlite/raw',
    label: 'raw better-sqlite3 upsert + select',
    role: 'limit',
    async make(env) {
      return rawSqlite(env, { dumps: JSON.stringify, loads: JSON.parse });
    },
  },
  {
    id: 'sqlite/raw-django',
    label: 'raw better-sqlite3 + Django encoding by hand (HMAC + zlib)',
    role: 'limit',
    info: true,
    async make(env) {
      return rawSqlite(env, rawDjangoSigner({ salt: SESSION_SALT }));
    },
  },
];

// -------------------------------------------------------------------------------------------- postgres

const PG_POOL = 10;

async function pgPool(env) {
  const { default: pg } = await import('pg');
  const { host, port, user, database } = env.servers.postgres;
  return new pg.Pool({ host, port, user, database, max: PG_POOL });
}

const postgres = [
  {
    id: 'postgres/sess',
    label: 'sess engine-db/postgres (pg)',
    role: 'sess',
    ref: 'postgres/raw',
    needs: ['postgres'],
    async make(env) {
      const { postgres: pgDb } = await import('@sess/engine-db/postgres');
      const pool = await pgPool(env);
      await pool.query('DROP TABLE IF EXISTS django_session');
      return dbSessRunner(pgDb(pool), () => pool.end());
    },
  },
  {
    id: 'postgres/sess-nocompress',
    label: 'sess engine-db/postgres, compress: false',
    role: 'sess',
    ref: 'postgres/raw',
    info: true,
    needs: ['postgres'],
    async make(env) {
      const { postgres: pgDb } = await import('@sess/engine-db/postgres');
      const pool = await pgPool(env);
      await pool.query('DROP TABLE IF EXISTS django_session');
      return dbSessRunner(pgDb(pool), () => pool.end(), NO_COMPRESS);
    },
  },
  {
    id: 'postgres/connect-pg-simple',
    label: 'connect-pg-simple (pg)',
    role: 'peer',
    ref: 'postgres/raw',
    needs: ['postgres'],
    async make(env) {
      const PgStore = require('connect-pg-simple')(expressSessionModule());
      const pool = await pgPool(env);
      await pool.query('DROP TABLE IF EXISTS session');
      const store = new PgStore({ pool, createTableIfMissing: true, pruneSessionInterval: false });
      return storeRunner(store, randomKey, () => pool.end());
    },
  },
  {
    id: 'postgres/raw',
    label: 'raw pg select + upsert',
    role: 'limit',
    needs: ['postgres'],
    async make(env) {
      const pool = await pgPool(env);
      await pool.query('DROP TABLE IF EXISTS raw_session');
      await pool.query(
        'CREATE TABLE raw_session (session_key varchar(40) PRIMARY KEY, session_data text NOT NULL, expire_date timestamptz NOT NULL)',
      );
      await pool.query('CREATE INDEX raw_session_expire ON raw_session (expire_date)');
      const upsert = {
        name: 'raw-upsert',
        text: 'INSERT INTO raw_session (session_key, session_data, expire_date) VALUES ($1, $2, $3) ON CONFLICT (session_key) DO UPDATE SET session_data = excluded.session_data, expire_date = excluded.expire_date',
      };
      const select = {
        name: 'raw-select',
        text: 'SELECT session_data FROM raw_session WHERE session_key = $1 AND expire_date > $2',
      };
      const expiry = () => new Date(Date.now() + TTL_S * 1000);
      return jsonRunner({
        get: async (key) => {
          const { rows } = await pool.query({ ...select, values: [key, new Date()] });
          return rows[0].session_data;
        },
        set: (key, text) => pool.query({ ...upsert, values: [key, text, expiry()] }),
        close: () => pool.end(),
      });
    },
  },
];

// --------------------------------------------------------------------------------------------- mariadb

async function mysqlPool(env) {
  const mysql = await import('mysql2/promise');
  const { host, port, user, password, database } = env.servers.mariadb;
  return mysql.createPool({ host, port, user, password, database, connectionLimit: PG_POOL });
}

const mariadb = [
  {
    id: 'mariadb/sess',
    label: 'sess engine-db/mysql (mysql2)',
    role: 'sess',
    ref: 'mariadb/raw',
    needs: ['mariadb'],
    async make(env) {
      const { mysql: mysqlDb } = await import('@sess/engine-db/mysql');
      const pool = await mysqlPool(env);
      await pool.query('DROP TABLE IF EXISTS django_session');
      return dbSessRunner(mysqlDb(pool), () => pool.end());
    },
  },
  {
    id: 'mariadb/raw',
    label: 'raw mysql2 select + upsert',
    role: 'limit',
    needs: ['mariadb'],
    async make(env) {
      const pool = await mysqlPool(env);
      await pool.query('DROP TABLE IF EXISTS raw_session');
      await pool.query(
        'CREATE TABLE raw_session (session_key varchar(40) PRIMARY KEY, session_data longtext NOT NULL, expire_date datetime(6) NOT NULL, KEY raw_session_expire (expire_date))',
      );
      const upsert =
        'INSERT INTO raw_session (session_key, session_data, expire_date) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE session_data = VALUES(session_data), expire_date = VALUES(expire_date)';
      const select = 'SELECT session_data FROM raw_session WHERE session_key = ? AND expire_date > ?';
      const expiry = () => new Date(Date.now() + TTL_S * 1000);
      return jsonRunner({
        get: async (key) => {
          const [rows] = await pool.execute(select, [key, new Date()]);
          return rows[0].session_data;
        },
        set: (key, text) => pool.execute(upsert, [key, text, expiry()]),
        close: () => pool.end(),
      });
    },
  },
];

// -------------------------------------------------------------------------------------------- dynamodb

async function dynamoClient(env) {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { endpoint, region, credentials } = env.servers.dynamodb;
  return new DynamoDBClient({ endpoint, region, credentials, maxAttempts: 1 });
}

async function freshTable(client, name, hashKey) {
  const { CreateTableCommand, DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
  try {
    await client.send(new DeleteTableCommand({ TableName: name }));
  } catch {
    // not there yet
  }
  await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: hashKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: hashKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

const dynamodb = [
  {
    id: 'dynamodb/sess',
    label: 'sess engine-db/dynamodb (AWS SDK v3)',
    role: 'sess',
    ref: 'dynamodb/raw',
    needs: ['dynamodb'],
    async make(env) {
      const { dynamodb: dynamoDb } = await import('@sess/engine-db/dynamodb');
      const { DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
      const client = await dynamoClient(env);
      await client.send(new DeleteTableCommand({ TableName: 'django_session' })).catch(() => {});
      return dbSessRunner(dynamoDb(client), () => client.destroy());
    },
  },
  {
    id: 'dynamodb/raw',
    label: 'raw AWS SDK GetItem + PutItem',
    role: 'limit',
    needs: ['dynamodb'],
    async make(env) {
      const { GetItemCommand, PutItemCommand } = await import('@aws-sdk/client-dynamodb');
      const client = await dynamoClient(env);
      await freshTable(client, 'raw_sessions', 'session_key');
      return jsonRunner({
        get: async (key) => {
          const { Item } = await client.send(
            new GetItemCommand({
              TableName: 'raw_sessions',
              Key: { session_key: { S: key } },
              ConsistentRead: true,
            }),
          );
          return Item.session_data.S;
        },
        set: (key, text) =>
          client.send(
            new PutItemCommand({
              TableName: 'raw_sessions',
              Item: {
                session_key: { S: key },
                session_data: { S: text },
                expires: { N: String(Math.floor(Date.now() / 1000) + TTL_S) },
              },
            }),
          ),
        async close() {
          client.destroy();
        },
      });
    },
  },
];

export const BACKENDS = ['memory', 'redis', 'memcached', 'file', 'sqlite', 'postgres', 'mariadb', 'dynamodb'];

/** Networked backends: their server is pinned to the last CPU and the client process to CPU 0. */
export const NETWORKED = new Set(['redis', 'memcached', 'postgres', 'mariadb', 'dynamodb']);

export const W1_CANDIDATES = [
  ...memory,
  ...redis,
  ...memcached,
  ...file,
  ...sqlite,
  ...postgres,
  ...mariadb,
  ...dynamodb,
].map((c) => ({ ...c, backend: c.id.split('/')[0], needs: c.needs ?? [] }));

export function w1Candidate(id) {
  const found = W1_CANDIDATES.find((c) => c.id === id);
  if (!found) throw new Error(`unknown W1 candidate ${id}`);
  return found;
}
