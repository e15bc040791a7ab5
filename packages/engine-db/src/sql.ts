/** What the SQL adapters share: Django's text form of UTC datetimes, retry of idempotent reads. */
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * Python's `str(datetime)` of a naive UTC datetime, which is what Django stores in SQLite and binds on
 * MySQL: `2026-12-06 00:51:04.180000`, and no fraction at all when it is zero (`2026-12-06 00:51:04`).
 * Rows written here then compare as text exactly like rows Django writes (`expire_date > '…'`).
 */
export function toDjangoUtcText(date: Date): string {
  const ms = date.getUTCMilliseconds();
  const base = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return ms ? `${base}.${pad(ms, 3)}000` : base;
}

const TEXT_DATE =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Reads a stored datetime as UTC (naive text is UTC, as Django writes it with `USE_TZ = True`). */
export function fromDjangoUtcText(value: unknown): Date {
  if (value instanceof Date) return value;
  const m = TEXT_DATE.exec(String(value).trim());
  if (!m) return new Date(Number.NaN);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (frac) ms += Math.floor(Number(frac.slice(0, 3).padEnd(3, '0')));
  if (zone && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0);
    ms -= (zone[0] === '-' ? -1 : 1) * offset * 60_000;
  }
  return new Date(ms);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A driver error's `code`/`errno` fields, whatever the driver. */
export function errorCode(error: unknown): string | number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  if (typeof code === 'string' || typeof code === 'number') return code;
  if (typeof errno === 'number') return errno;
  return undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Socket-level failures every Node driver can surface. */
export const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'ENOENT', // a unix socket path that is gone
]);
