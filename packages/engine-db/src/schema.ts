/**
 * Django's `django_session` schema, per SQL dialect, with the index names Django's schema editor gives
 * them (`<table>_<column>_<md5 digest>`), so a table created here is the table `manage.py migrate` creates.
 */
import { createHash } from 'node:crypto';
import { ImproperlyConfigured } from '@sess/core';

export type SqlDialect = 'sqlite' | 'postgres' | 'mysql';

export const DEFAULT_TABLE = 'django_session';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Throws `ImproperlyConfigured` unless `name` is a plain SQL identifier (it is interpolated, quoted, into SQL). */
export function validateTableName(name: unknown): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new ImproperlyConfigured(
      `table: ${JSON.stringify(name)} is not a plain identifier: use 1-63 characters of [A-Za-z0-9_], not starting with a digit (default '${DEFAULT_TABLE}')`,
    );
  }
  return name;
}

/** Django's `names_digest`: md5 over the names, hex, truncated. */
function namesDigest(names: readonly string[], length: number): string {
  const hash = createHash('md5');
  for (const name of names) hash.update(name);
  return hash.digest('hex').slice(0, length);
}

const MAX_NAME_LENGTH: Record<SqlDialect, number> = { postgres: 63, mysql: 64, sqlite: 200 };

/** Django's `BaseDatabaseSchemaEditor._create_index_name`. */
export function djangoIndexName(
  dialect: SqlDialect,
  table: string,
  columns: readonly string[],
  suffix = '',
): string {
  const max = MAX_NAME_LENGTH[dialect];
  let hashPart = namesDigest([table, ...columns], 8) + suffix;
  const joined = columns.join('_');
  let name = `${table}_${joined}_${hashPart}`;
  if (name.length <= max) return name;
  if (hashPart.length > max / 3) hashPart = hashPart.slice(0, Math.floor(max / 3));
  const other = Math.floor((max - hashPart.length) / 2) - 1;
  name = `${table.slice(0, other)}_${joined.slice(0, other)}_${hashPart}`;
  if (name[0] === '_' || /^\d/.test(name)) name = `D${name.slice(0, -1)}`;
  return name;
}

export function quote(dialect: SqlDialect, identifier: string): string {
  return dialect === 'mysql' ? `\`${identifier}\`` : `"${identifier}"`;
}

/**
 * The statements that create the table and its indexes, as Django 5.x writes them, made idempotent with
 * `IF NOT EXISTS` (MySQL has no `CREATE INDEX IF NOT EXISTS`, so its index is declared inside the table).
 */
export function createTableStatements(dialect: SqlDialect, table: string): string[] {
  const q = (id: string) => quote(dialect, id);
  const t = q(table);
  const expireIndex = q(djangoIndexName(dialect, table, ['expire_date']));
  switch (dialect) {
    case 'sqlite':
      return [
        `CREATE TABLE IF NOT EXISTS ${t} ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL)`,
        `CREATE INDEX IF NOT EXISTS ${expireIndex} ON ${t} ("expire_date")`,
      ];
    case 'postgres':
      return [
        `CREATE TABLE IF NOT EXISTS ${t} ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL)`,
        `CREATE INDEX IF NOT EXISTS ${q(djangoIndexName(dialect, table, ['session_key'], '_like'))} ON ${t} ("session_key" varchar_pattern_ops)`,
        `CREATE INDEX IF NOT EXISTS ${expireIndex} ON ${t} ("expire_date")`,
      ];
    case 'mysql':
      return [
        `CREATE TABLE IF NOT EXISTS ${t} (\`session_key\` varchar(40) NOT NULL PRIMARY KEY, \`session_data\` longtext NOT NULL, \`expire_date\` datetime(6) NOT NULL, INDEX ${expireIndex} (\`expire_date\`))`,
      ];
  }
}
