/**
 * JavaScript stand-ins for the Python values that have no exact JavaScript form. Each one is plain data:
 * it writes back as the same Python type, so a value read from Python and written again loads equal.
 */

/** A Python `tuple`: a frozen array (`Array.isArray` holds) that writes back as a tuple, not a list. */
export class PyTuple<T = unknown> extends Array<T> {
  // map/filter/slice on a tuple give plain arrays (they would otherwise try to grow a frozen tuple).
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** A frozen tuple of `items`. */
  static override of<T>(...items: T[]): PyTuple<T> {
    return tupleFrom(items);
  }
}

/** A frozen `PyTuple` of the given items: `tuple(1, 'a')` is Python's `(1, 'a')`. */
export function tuple<T>(...items: T[]): PyTuple<T> {
  return tupleFrom(items);
}

/** A frozen `PyTuple` holding the items of `items`. */
export function tupleFrom<T>(items: Iterable<T> | ArrayLike<T>): PyTuple<T> {
  return Object.freeze(unfrozenTuple(items)) as PyTuple<T>;
}

/** @internal The reader fills tuples first and freezes them once the whole value is known. */
export function unfrozenTuple<T>(items: Iterable<T> | ArrayLike<T>): PyTuple<T> {
  const t = new PyTuple<T>();
  const list = Array.isArray(items) ? (items as readonly T[]) : Array.from(items as Iterable<T>);
  for (let i = 0; i < list.length; i++) t[i] = list[i] as T;
  return t;
}

/**
 * A Python `float` whose value happens to be integral. A plain JS number that is a safe integer writes as a
 * Python `int`; wrap it in `PyFloat` to write `1.0` instead. Reading gives one only with
 * `integralFloats: 'PyFloat'`.
 */
export class PyFloat {
  readonly value: number;
  constructor(value: number) {
    if (typeof value !== 'number') throw new TypeError('PyFloat: value must be a number');
    this.value = value;
    Object.freeze(this);
  }
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return String(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

/** A Python `bytearray` (mutable bytes). A plain `Uint8Array` is Python `bytes`. */
export class PyByteArray extends Uint8Array {}

/** A Python `frozenset`: a `Set` that refuses `add`, `delete` and `clear`. */
export class PyFrozenSet<T = unknown> extends Set<T> {
  #sealed = false;
  constructor(items?: Iterable<T> | null) {
    super();
    if (items) for (const item of items) super.add(item);
    this.#sealed = true;
  }
  override add(value: T): this {
    if (this.#sealed) throw new TypeError('a frozenset cannot be changed');
    return super.add(value);
  }
  override delete(_value: T): boolean {
    throw new TypeError('a frozenset cannot be changed');
  }
  override clear(): void {
    throw new TypeError('a frozenset cannot be changed');
  }
}

/** A Python `collections.OrderedDict`: a `Map` that writes back as an OrderedDict. */
export class PyOrderedDict<K = unknown, V = unknown> extends Map<K, V> {}

/** A Python `complex`. */
export class PyComplex {
  readonly real: number;
  readonly imag: number;
  constructor(real: number, imag = 0) {
    if (typeof real !== 'number' || typeof imag !== 'number')
      throw new TypeError('PyComplex: parts must be numbers');
    this.real = real;
    this.imag = imag;
    Object.freeze(this);
  }
  toString(): string {
    return `(${this.real}${this.imag < 0 || Object.is(this.imag, -0) ? '-' : '+'}${Math.abs(this.imag)}j)`;
  }
}

// Python's Decimal string syntax (ASCII digits), see the `decimal` module docs.
const DIGITS = '\\d+(?:_\\d+)*';
const DECIMAL_RE = new RegExp(
  `^[+-]?(?:(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf(?:inity)?|s?nan(?:\\d*))$`,
  'i',
);

/**
 * A Python `decimal.Decimal`, kept as its exact decimal string (`'1.10'` stays `'1.10'`). Build one from
 * a string, a bigint or a number (a number uses its shortest JS form: `new PyDecimal(0.1)` is `'0.1'`).
 */
export class PyDecimal {
  readonly value: string;
  constructor(value: string | number | bigint) {
    let text: string;
    if (typeof value === 'string') text = value.trim();
    else if (typeof value === 'bigint') text = value.toString();
    else if (typeof value === 'number')
      text = Number.isFinite(value)
        ? String(value)
        : Number.isNaN(value)
          ? 'NaN'
          : value > 0
            ? 'Infinity'
            : '-Infinity';
    else throw new TypeError('PyDecimal: value must be a string, number or bigint');
    if (!DECIMAL_RE.test(text))
      throw new RangeError(`PyDecimal: ${JSON.stringify(text.slice(0, 50))} is not a decimal number`);
    this.value = text;
    Object.freeze(this);
  }
  toString(): string {
    return this.value;
  }
  toJSON(): string {
    return this.value;
  }
  /** The nearest JS number (precision may be lost). */
  toNumber(): number {
    const v = this.value.replace(/_/g, '').toLowerCase();
    if (v.includes('nan')) return Number.NaN;
    if (v.includes('inf')) return v.startsWith('-') ? -Infinity : Infinity;
    return Number(v);
  }
}

const UUID_MAX = (1n << 128n) - 1n;

/** A Python `uuid.UUID`. `int` is its 128-bit value; `isSafe` mirrors Python's `is_safe` (0, -1 or null). */
export class PyUUID {
  readonly int: bigint;
  readonly isSafe: 0 | -1 | null | undefined;
  constructor(value: string | bigint, isSafe?: 0 | -1 | null) {
    if (typeof value === 'bigint') {
      if (value < 0n || value > UUID_MAX)
        throw new RangeError('PyUUID: int is out of range (need 0 <= int < 2**128)');
      this.int = value;
    } else if (typeof value === 'string') {
      const hex = value
        .trim()
        .replace(/^urn:uuid:/i, '')
        .replace(/^\{|\}$/g, '')
        .replace(/-/g, '');
      if (!/^[0-9a-f]{32}$/i.test(hex)) throw new RangeError(`PyUUID: badly formed hexadecimal UUID string`);
      this.int = BigInt(`0x${hex}`);
    } else {
      throw new TypeError('PyUUID: value must be a string or a bigint');
    }
    this.isSafe = isSafe;
    Object.freeze(this);
  }
  /** 32 lowercase hex digits. */
  get hex(): string {
    return this.int.toString(16).padStart(32, '0');
  }
  toString(): string {
    const h = this.hex;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

const US_PER_DAY = 86_400_000_000;
const MAX_DAYS = 999_999_999;

function int(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * A Python `datetime.timedelta`, normalised as Python does: `0 <= seconds < 86400`,
 * `0 <= microseconds < 1000000`, and `days` carries the sign.
 */
export class PyTimedelta {
  readonly days: number;
  readonly seconds: number;
  readonly microseconds: number;
  constructor(days = 0, seconds = 0, microseconds = 0) {
    for (const [name, v] of [
      ['days', days],
      ['seconds', seconds],
      ['microseconds', microseconds],
    ] as const) {
      if (!Number.isSafeInteger(v))
        throw new RangeError(`PyTimedelta: ${name} must be a safe integer, got ${String(v)}`);
    }
    let us = microseconds;
    let s = seconds;
    let d = days;
    let carry = Math.floor(us / 1_000_000);
    us -= carry * 1_000_000;
    s += carry;
    carry = Math.floor(s / 86_400);
    s -= carry * 86_400;
    d += carry;
    if (d < -MAX_DAYS || d > MAX_DAYS)
      throw new RangeError(`PyTimedelta: days=${d}; must have magnitude <= ${MAX_DAYS}`);
    this.days = d;
    this.seconds = s;
    this.microseconds = us;
    Object.freeze(this);
  }
  /** From a JS duration in milliseconds (fractions of a millisecond are rounded to microseconds). */
  static fromMilliseconds(ms: number): PyTimedelta {
    const us = Math.round(ms * 1000);
    const days = Math.floor(us / US_PER_DAY);
    return new this(days, 0, us - days * US_PER_DAY);
  }
  /** The whole duration in microseconds (exact). */
  totalMicroseconds(): bigint {
    return (
      BigInt(this.days) * BigInt(US_PER_DAY) + BigInt(this.seconds) * 1_000_000n + BigInt(this.microseconds)
    );
  }
  /** Python's `total_seconds()`. */
  totalSeconds(): number {
    return this.days * 86_400 + this.seconds + this.microseconds / 1e6;
  }
  toMilliseconds(): number {
    return this.days * 86_400_000 + this.seconds * 1000 + this.microseconds / 1000;
  }
  /** Python's `str(timedelta)`, e.g. `-1 day, 23:59:59.500000`. */
  toString(): string {
    const h = Math.floor(this.seconds / 3600);
    const m = Math.floor((this.seconds % 3600) / 60);
    const s = this.seconds % 60;
    let out = `${h}:${pad(m, 2)}:${pad(s, 2)}`;
    if (this.microseconds) out += `.${pad(this.microseconds, 6)}`;
    if (this.days) out = `${this.days} day${Math.abs(this.days) === 1 ? '' : 's'}, ${out}`;
    return out;
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function offsetMicroseconds(td: PyTimedelta): number {
  return td.days * US_PER_DAY + td.seconds * 1_000_000 + td.microseconds;
}

function formatOffset(us: number, sep = ':'): string {
  const sign = us < 0 ? '-' : '+';
  let rest = Math.abs(us);
  const h = Math.floor(rest / 3_600_000_000);
  rest -= h * 3_600_000_000;
  const m = Math.floor(rest / 60_000_000);
  rest -= m * 60_000_000;
  const s = Math.floor(rest / 1_000_000);
  const micro = rest - s * 1_000_000;
  let out = `${sign}${pad(h, 2)}${sep}${pad(m, 2)}`;
  if (s || micro) out += `${sep}${pad(s, 2)}`;
  if (micro) out += `.${pad(micro, 6)}`;
  return out;
}

/** A Python `datetime.timezone`: a fixed offset from UTC (strictly within ±24 hours) and an optional name. */
export class PyTimezone {
  /** `datetime.timezone.utc`. */
  static get utc(): PyTimezone {
    return UTC;
  }
  readonly offset: PyTimedelta;
  readonly name: string | null;
  constructor(offset: PyTimedelta, name: string | null = null) {
    if (!(offset instanceof PyTimedelta)) throw new TypeError('PyTimezone: offset must be a PyTimedelta');
    const us = offsetMicroseconds(offset);
    if (us <= -US_PER_DAY || us >= US_PER_DAY) {
      throw new RangeError('PyTimezone: offset must be strictly between -24 and 24 hours');
    }
    if (name !== null && typeof name !== 'string')
      throw new TypeError('PyTimezone: name must be a string or null');
    this.offset = offset;
    this.name = name;
    Object.freeze(this);
  }
  /** A fixed offset in minutes east of UTC (`+120` is UTC+02:00). */
  static fromMinutes(minutes: number, name: string | null = null): PyTimezone {
    if (minutes === 0 && name === null) return UTC;
    return new this(new PyTimedelta(0, minutes * 60), name);
  }
  /** The offset in microseconds. */
  get offsetMicroseconds(): number {
    return offsetMicroseconds(this.offset);
  }
  /** Python's `tzname()`: the name, or `UTC` / `UTC+02:00`. */
  toString(): string {
    if (this.name !== null) return this.name;
    const us = this.offsetMicroseconds;
    return us === 0 ? 'UTC' : `UTC${formatOffset(us)}`;
  }
}

const UTC = new PyTimezone(new PyTimedelta(0));

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 0;
}

function checkDate(cls: string, year: number, month: number, day: number): void {
  int(`${cls}: year`, year, 1, 9999);
  int(`${cls}: month`, month, 1, 12);
  int(`${cls}: day`, day, 1, daysInMonth(year, month));
}

function checkTime(
  cls: string,
  hour: number,
  minute: number,
  second: number,
  microsecond: number,
  tz: unknown,
  fold: number,
): void {
  int(`${cls}: hour`, hour, 0, 23);
  int(`${cls}: minute`, minute, 0, 59);
  int(`${cls}: second`, second, 0, 59);
  int(`${cls}: microsecond`, microsecond, 0, 999_999);
  if (fold !== 0 && fold !== 1) throw new RangeError(`${cls}: fold must be 0 or 1`);
  if (tz !== null && !(tz instanceof PyTimezone))
    throw new TypeError(`${cls}: tzinfo must be a PyTimezone or null`);
}

function utcDate(year: number, month: number, day: number, ms: number): Date {
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return new Date(d.getTime() + ms);
}

function fmtDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

function fmtTime(hour: number, minute: number, second: number, microsecond: number): string {
  return `${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${microsecond ? `.${pad(microsecond, 6)}` : ''}`;
}

/** What the date and time classes share: their string and JSON forms are Python's `isoformat()`. */
abstract class IsoFormatted {
  abstract toISOString(): string;
  toString(): string {
    return this.toISOString();
  }
  toJSON(): string {
    return this.toISOString();
  }
}

/** A Python `datetime.date`. */
export class PyDate extends IsoFormatted {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  constructor(year: number, month: number, day: number) {
    super();
    checkDate('PyDate', year, month, day);
    this.year = year;
    this.month = month;
    this.day = day;
    Object.freeze(this);
  }
  /** The calendar date of `date` in UTC. */
  static fromDate(date: Date): PyDate {
    return new this(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
  }
  /** Midnight UTC on this date. */
  toDate(): Date {
    return utcDate(this.year, this.month, this.day, 0);
  }
  /** `YYYY-MM-DD`, as Python's `isoformat()`. */
  toISOString(): string {
    return fmtDate(this.year, this.month, this.day);
  }
}

/** A Python `datetime.time`, naive or with a fixed-offset `tzinfo`. */
export class PyTime extends IsoFormatted {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
  readonly tzinfo: PyTimezone | null;
  readonly fold: 0 | 1;
  constructor(
    hour = 0,
    minute = 0,
    second = 0,
    microsecond = 0,
    tzinfo: PyTimezone | null = null,
    fold: 0 | 1 = 0,
  ) {
    super();
    checkTime('PyTime', hour, minute, second, microsecond, tzinfo, fold);
    this.hour = hour;
    this.minute = minute;
    this.second = second;
    this.microsecond = microsecond;
    this.tzinfo = tzinfo;
    this.fold = fold;
    Object.freeze(this);
  }
  /** `HH:MM:SS[.ffffff][+HH:MM]`, as Python's `isoformat()`. */
  toISOString(): string {
    const t = fmtTime(this.hour, this.minute, this.second, this.microsecond);
    return this.tzinfo ? t + formatOffset(this.tzinfo.offsetMicroseconds) : t;
  }
}

/**
 * A Python `datetime.datetime` with its microseconds, its UTC offset (`tzinfo`, a fixed offset, or null for
 * a naive datetime) and `fold`. `toDate()` converts to a JS `Date` (milliseconds; a naive datetime is read
 * as UTC). A JS `Date` written by the serializer becomes an aware datetime in UTC.
 */
export class PyDatetime extends IsoFormatted {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
  readonly tzinfo: PyTimezone | null;
  readonly fold: 0 | 1;
  constructor(
    year: number,
    month: number,
    day: number,
    hour = 0,
    minute = 0,
    second = 0,
    microsecond = 0,
    tzinfo: PyTimezone | null = null,
    fold: 0 | 1 = 0,
  ) {
    super();
    checkDate('PyDatetime', year, month, day);
    checkTime('PyDatetime', hour, minute, second, microsecond, tzinfo, fold);
    this.year = year;
    this.month = month;
    this.day = day;
    this.hour = hour;
    this.minute = minute;
    this.second = second;
    this.microsecond = microsecond;
    this.tzinfo = tzinfo;
    this.fold = fold;
    Object.freeze(this);
  }

  /** The instant of `date` as an aware datetime in `tz` (UTC by default). */
  static fromDate(date: Date, tz: PyTimezone = UTC): PyDatetime {
    const ms = date.getTime();
    if (Number.isNaN(ms)) throw new RangeError('PyDatetime.fromDate: invalid Date');
    const offsetUs = tz.offsetMicroseconds;
    const localUs = ms * 1000 + offsetUs;
    const localMs = Math.floor(localUs / 1000);
    const d = new Date(localMs);
    const micro = (d.getUTCMilliseconds() * 1000 + (localUs - localMs * 1000)) | 0;
    return new this(
      d.getUTCFullYear(),
      d.getUTCMonth() + 1,
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      micro,
      tz,
    );
  }

  /** Whether it carries a UTC offset. */
  get aware(): boolean {
    return this.tzinfo !== null;
  }

  /** The instant as a JS `Date` (microseconds are truncated to milliseconds; naive is read as UTC). */
  toDate(): Date {
    const ms =
      ((this.hour * 60 + this.minute) * 60 + this.second) * 1000 +
      Math.floor(this.microsecond / 1000) -
      Math.floor((this.tzinfo?.offsetMicroseconds ?? 0) / 1000);
    return utcDate(this.year, this.month, this.day, ms);
  }

  /** Milliseconds since the epoch, like `Date#getTime()`. */
  getTime(): number {
    return this.toDate().getTime();
  }

  /** `YYYY-MM-DDTHH:MM:SS[.ffffff][+HH:MM]`, as Python's `isoformat()`. */
  toISOString(sep = 'T'): string {
    const s = `${fmtDate(this.year, this.month, this.day)}${sep}${fmtTime(this.hour, this.minute, this.second, this.microsecond)}`;
    return this.tzinfo ? s + formatOffset(this.tzinfo.offsetMicroseconds) : s;
  }
  /** Python's `str(datetime)`. */
  override toString(): string {
    return this.toISOString(' ');
  }
}
