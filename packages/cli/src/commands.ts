/** The commands: Django's `clearsessions`, a `migrate` that creates the session table, and `inspect`. */
import type { EngineContext, SessionData, Sessions } from '@sess/core';
import { isValidSessionKey } from '@sess/core';

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** What `sess migrate` and `sess inspect` look for on an engine (engine-db and engine-cached-db have both). */
interface TableEngine {
  readonly tableName?: string;
  createTable?(): Promise<void>;
  loadRecord?(key: string, context: EngineContext): Promise<{ data: SessionData; expireDate: Date } | null>;
}

export async function clearSessions(sessions: Sessions, io: Output): Promise<number> {
  const { engine } = sessions;
  if (!engine.capabilities.clearExpired) {
    io.err(`Session engine '${engine.name}' doesn't support clearing expired sessions.`);
    return 1;
  }
  const deleted = await sessions.clearExpired();
  io.out(`Deleted ${deleted} expired session${deleted === 1 ? '' : 's'}.`);
  return 0;
}

export async function migrate(sessions: Sessions, io: Output): Promise<number> {
  const engine = sessions.engine as Sessions['engine'] & TableEngine;
  if (typeof engine.createTable !== 'function') {
    io.out(`Session engine '${engine.name}' keeps no table: nothing to migrate.`);
    return 0;
  }
  await engine.createTable();
  const table = typeof engine.tableName === 'string' ? ` '${engine.tableName}'` : '';
  io.out(`Session table${table} is ready (${engine.name}).`);
  return 0;
}

export async function inspect(sessions: Sessions, key: string, json: boolean, io: Output): Promise<number> {
  if (!isValidSessionKey(key)) {
    io.err(`'${key}' is not a session key (8-40 characters of [a-z0-9]).`);
    return 2;
  }
  const engine = sessions.engine as Sessions['engine'] & TableEngine;
  let data: SessionData;
  let expires: Date;
  let stored: boolean;
  if (typeof engine.loadRecord === 'function') {
    const record = await engine.loadRecord(key, sessions.context);
    if (!record) return missing(key, io);
    ({ data, expireDate: expires } = record);
    stored = true;
  } else {
    const session = await sessions.open(key).load();
    if (session.sessionKey === null) return missing(key, io);
    data = Object.fromEntries(session.items());
    expires = session.getExpiryDate();
    stored = false;
  }
  if (json) {
    io.out(JSON.stringify({ key, expireDate: expires.toISOString(), data }, null, 2));
    return 0;
  }
  io.out(`Session:  ${key}`);
  io.out(`Engine:   ${engine.name}`);
  io.out(
    `Expires:  ${expires.toISOString()}${stored ? '' : ' (computed from the data)'} (${relative(expires, sessions)})`,
  );
  io.out('Data:');
  io.out(JSON.stringify(data, null, 2));
  return 0;
}

function missing(key: string, io: Output): number {
  io.err(`No session '${key}' (it does not exist or has expired).`);
  return 1;
}

function relative(when: Date, sessions: Sessions): string {
  const seconds = Math.round((when.getTime() - sessions.clock.now()) / 1000);
  const abs = Math.abs(seconds);
  const text =
    abs >= 86_400
      ? `${Math.floor(abs / 86_400)}d ${Math.floor((abs % 86_400) / 3600)}h`
      : abs >= 3600
        ? `${Math.floor(abs / 3600)}h ${Math.floor((abs % 3600) / 60)}m`
        : `${abs}s`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}
