/**
 * Django's expiry arithmetic. `_session_expiry` lives inside the session data: a number of seconds of
 * inactivity, `0` for "until the browser closes", or an ISO-8601 date string (Python's `isoformat()`).
 */
import type { SessionData } from './types.js';

export const EXPIRY_KEY = '_session_expiry';

export type ExpiryValue = number | string | null | undefined;

/** Python's `datetime.isoformat()` of an aware UTC datetime: `2030-01-02T03:04:05.123000+00:00`. */
export function toPythonIsoFormat(date: Date): string {
  const iso = date.toISOString(); // 2030-01-02T03:04:05.123Z
  const ms = date.getUTCMilliseconds();
  return `${iso.slice(0, 19)}${ms ? `.${String(ms).padStart(3, '0')}000` : ''}+00:00`;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?$/;

/**
 * Parses what Python's `datetime.fromisoformat` accepts for the dates Django stores. A date without an
 * offset is read as UTC (Django stores aware UTC datetimes when `USE_TZ` is on, the default).
 * Microseconds beyond milliseconds are truncated. Returns null for anything else.
 */
export function parseIsoDate(text: string): Date | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  if (frac) ms += Math.floor(Number(frac.padEnd(6, '0')) / 1000);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(/:/g, '');
    const offset =
      Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4)) * 60 + Number(digits.slice(4, 6) || 0);
    ms -= sign * offset * 1000;
  }
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** Seconds from `modification` (ms) until the expiry, as Django's `get_expiry_age` (floored whole seconds). */
export function expiryAge(expiry: ExpiryValue, modification: number, cookieAge: number): number {
  if (!expiry) return cookieAge;
  if (typeof expiry === 'number') return expiry;
  const date = parseIsoDate(expiry);
  if (!date) return cookieAge;
  return Math.floor((date.getTime() - modification) / 1000);
}

/** The moment the session expires, as Django's `get_expiry_date`. */
export function expiryDate(expiry: ExpiryValue, modification: number, cookieAge: number): Date {
  if (typeof expiry === 'string') {
    const date = parseIsoDate(expiry);
    if (date) return date;
  }
  const seconds = typeof expiry === 'number' && expiry ? expiry : cookieAge;
  return new Date(modification + seconds * 1000);
}

/** The `_session_expiry` value of stored data, if it is one Django could have written. */
export function expiryOf(data: SessionData): ExpiryValue {
  const value = data[EXPIRY_KEY];
  return typeof value === 'number' || typeof value === 'string' ? value : undefined;
}
