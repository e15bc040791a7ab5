/**
 * `SESS_ENGINE` → a session engine. The default is the embedded one: SQLite in ./sessions.sqlite3.
 * Each engine reads only its own settings from the environment.
 */
import { ImproperlyConfigured, type SessionEngine } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { redisCache } from '@sess/engine-cache/redis';
import { dbEngine } from '@sess/engine-db';
import { postgres } from '@sess/engine-db/postgres';
import { sqlite } from '@sess/engine-db/sqlite';
import { fileEngine } from '@sess/engine-file';
import { signedCookiesEngine } from '@sess/engine-signed-cookies';

export const ENGINE_NAMES = ['sqlite', 'memory', 'file', 'signed-cookies', 'redis', 'postgres'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface DemoEngine {
  name: EngineName;
  engine: SessionEngine;
  /** What the engine keeps where, for the inspector page. */
  description: string;
  /** Closes what the demo opened for this engine (a Redis client, a Postgres pool). */
  close?: () => Promise<void>;
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string, engine: EngineName): string {
  const value = env[name];
  if (!value) throw new ImproperlyConfigured(`SESS_ENGINE=${engine} needs ${name} (e.g. ${example[name]})`);
  return value;
}

const example: Record<string, string> = {
  REDIS_URL: 'redis://127.0.0.1:6379/0',
  DATABASE_URL: 'postgres://user:password@127.0.0.1:5432/app',
};

export async function engineFromEnv(env: Env): Promise<DemoEngine> {
  const name = (env.SESS_ENGINE ?? 'sqlite') as EngineName;
  switch (name) {
    case 'sqlite': {
      const path = env.SESS_SQLITE_PATH ?? './sessions.sqlite3';
      const engine = dbEngine({ database: sqlite(path) });
      await engine.createTable();
      return { name, engine, description: `SQLite file ${path}, table django_session` };
    }
    case 'memory':
      return {
        name,
        engine: cacheEngine({ backend: memoryCache() }),
        description: 'in this process (an LRU cache): gone when the server restarts',
      };
    case 'file': {
      const path = env.SESS_FILE_PATH ?? './sessions';
      return {
        name,
        engine: fileEngine({ path, create: true }),
        description: `one file per session in ${path}`,
      };
    }
    case 'signed-cookies':
      return {
        name,
        engine: signedCookiesEngine(),
        description: 'nothing on the server: the data itself is in the signed cookie',
      };
    case 'redis': {
      const { Redis } = await import('ioredis');
      const client = new Redis(required(env, 'REDIS_URL', name), {
        lazyConnect: false,
        maxRetriesPerRequest: 1,
      });
      return {
        name,
        engine: cacheEngine({ backend: redisCache(client) }),
        description: 'Redis, one key per session with a TTL',
        close: async () => {
          client.disconnect();
        },
      };
    }
    case 'postgres': {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: required(env, 'DATABASE_URL', name) });
      const engine = dbEngine({ database: postgres(pool) });
      await engine.createTable();
      return {
        name,
        engine,
        description: 'PostgreSQL, table django_session',
        close: () => pool.end(),
      };
    }
    default:
      throw new ImproperlyConfigured(
        `SESS_ENGINE must be one of ${ENGINE_NAMES.join(', ')} (got ${String(name)})`,
      );
  }
}
