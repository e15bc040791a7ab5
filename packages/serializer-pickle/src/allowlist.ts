/**
 * The only globals a pickle may name, each mapped to plain TypeScript that builds a data value. Nothing is
 * imported or looked up by name: a global that is not a key here is an UnsafePickleError.
 */
import { pyTypeName, unhashable } from './hashable.js';
import type { PickleLimits } from './limits.js';
import {
  PyByteArray,
  PyComplex,
  PyDate,
  PyDatetime,
  PyDecimal,
  PyFloat,
  PyFrozenSet,
  PyOrderedDict,
  PyTime,
  PyTimedelta,
  PyTimezone,
  PyUUID,
} from './types.js';

/** What an allowlist mapping gets besides its arguments. */
export interface UnpickleContext {
  readonly limits: Readonly<PickleLimits>;
  /** Count `items` values about to be created (e.g. copied from an argument) against `limits.maxNodes`. */
  charge(items: number): void;
  /** Count `bytes` bytes about to be copied against `limits.maxInputBytes`. */
  chargeBytes(bytes: number): void;
  /** What NEWOBJ does with `cls`, a global from the pickle: `cls.__new__(cls, *args, **kwargs)`. */
  create(cls: unknown, args: readonly unknown[], kwargs?: Readonly<Record<string, unknown>>): unknown;
}

/**
 * How one allowed global becomes data. Each function gets the decoded arguments and returns a value; none
 * is required, and an opcode that needs a missing one fails. Throw `TypeError` for a call shape you do not
 * support (reported as UnsafePickleError) and any other error for bad values (UnpicklingError).
 */
export interface PyGlobal {
  /** `cls(*args)`: REDUCE, and INST/OBJ with arguments. */
  call?: (args: readonly unknown[], ctx: UnpickleContext) => unknown;
  /** `cls.__new__(cls, *args, **kwargs)`: NEWOBJ, NEWOBJ_EX, INST/OBJ without arguments, copyreg._reconstructor. */
  create?: (
    args: readonly unknown[],
    kwargs: Readonly<Record<string, unknown>>,
    ctx: UnpickleContext,
  ) => unknown;
  /**
   * `value.__setstate__(state)`: BUILD on a value that `call` or `create` of this global returned. Returns
   * the finished value (or undefined to keep `value`, when it was changed in place).
   */
  setState?: (value: unknown, state: unknown, ctx: UnpickleContext) => unknown;
}

/** A global named by the pickle and found on the allowlist. Only ever an argument, never a result. */
export class GlobalRef {
  constructor(
    readonly name: string,
    readonly target: PyGlobal,
  ) {}
}

/** An object made by `__new__` that still waits for its BUILD state (e.g. `uuid.UUID`). Never a result. */
export class Incomplete {
  constructor(
    readonly name: string,
    readonly target: PyGlobal,
  ) {}
}

const NO_KWARGS: Readonly<Record<string, unknown>> = Object.freeze({});

function hasKwargs(kwargs: Readonly<Record<string, unknown>>): boolean {
  for (const _ in kwargs) return true;
  return false;
}

function bind(
  fn: string,
  names: readonly string[],
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
): unknown[] {
  if (args.length > names.length) {
    throw new TypeError(`${fn}() takes at most ${names.length} arguments (${args.length} given)`);
  }
  const out: unknown[] = [...args];
  for (const key of Object.keys(kwargs)) {
    const i = names.indexOf(key);
    if (i < 0) throw new TypeError(`${fn}() got an unexpected keyword argument '${key}'`);
    if (i < args.length) throw new TypeError(`${fn}() got multiple values for argument '${key}'`);
    out[i] = kwargs[key];
  }
  return out;
}

function intArg(fn: string, v: unknown, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') throw new RangeError(`${fn}(): integer ${v} is out of range`);
  throw new TypeError(`${fn}(): an integer is required (got ${pyTypeName(v)})`);
}

function numArg(fn: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new TypeError(`${fn}(): a real number is required (got ${pyTypeName(v)})`);
}

function tzArg(fn: string, v: unknown): PyTimezone | null {
  if (v === undefined || v === null) return null;
  if (v instanceof PyTimezone) return v;
  throw new TypeError(`${fn}(): tzinfo must be None or a datetime.timezone (got ${pyTypeName(v)})`);
}

function latin1Bytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return undefined;
    out[i] = c;
  }
  return out;
}

/** The pickled state of a date/time type: bytes (or, from protocol 0-2 pickles, a latin-1 str) of `len`. */
function stateBytes(v: unknown, len: number): Uint8Array | undefined {
  if (v instanceof Uint8Array && !(v instanceof PyByteArray)) return v.length === len ? v : undefined;
  if (typeof v === 'string' && v.length === len) return latin1Bytes(v);
  return undefined;
}

function b(bytes: Uint8Array, i: number): number {
  return bytes[i] as number;
}

function makeDatetime(args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): PyDatetime {
  const fn = 'datetime.datetime';
  if ((args.length === 1 || args.length === 2) && !hasKwargs(kwargs)) {
    const s = stateBytes(args[0], 10);
    if (s && (b(s, 2) & 0x7f) >= 1 && (b(s, 2) & 0x7f) <= 12) {
      return new PyDatetime(
        b(s, 0) * 256 + b(s, 1),
        b(s, 2) & 0x7f,
        b(s, 3),
        b(s, 4),
        b(s, 5),
        b(s, 6),
        (b(s, 7) << 16) | (b(s, 8) << 8) | b(s, 9),
        tzArg(fn, args[1]),
        (b(s, 2) >> 7) as 0 | 1,
      );
    }
  }
  const a = bind(
    fn,
    ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'tzinfo', 'fold'],
    args,
    kwargs,
  );
  if (args.length > 8) throw new TypeError(`${fn}() takes at most 8 positional arguments`);
  return new PyDatetime(
    intArg(fn, a[0]),
    intArg(fn, a[1]),
    intArg(fn, a[2]),
    intArg(fn, a[3], 0),
    intArg(fn, a[4], 0),
    intArg(fn, a[5], 0),
    intArg(fn, a[6], 0),
    tzArg(fn, a[7]),
    intArg(fn, a[8], 0) as 0 | 1,
  );
}

function makeDate(args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): PyDate {
  const fn = 'datetime.date';
  if (args.length === 1 && !hasKwargs(kwargs)) {
    const s = stateBytes(args[0], 4);
    if (s && b(s, 2) >= 1 && b(s, 2) <= 12) return new PyDate(b(s, 0) * 256 + b(s, 1), b(s, 2), b(s, 3));
  }
  const a = bind(fn, ['year', 'month', 'day'], args, kwargs);
  return new PyDate(intArg(fn, a[0]), intArg(fn, a[1]), intArg(fn, a[2]));
}

function makeTime(args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): PyTime {
  const fn = 'datetime.time';
  if ((args.length === 1 || args.length === 2) && !hasKwargs(kwargs)) {
    const s = stateBytes(args[0], 6);
    if (s && (b(s, 0) & 0x7f) < 24) {
      return new PyTime(
        b(s, 0) & 0x7f,
        b(s, 1),
        b(s, 2),
        (b(s, 3) << 16) | (b(s, 4) << 8) | b(s, 5),
        tzArg(fn, args[1]),
        (b(s, 0) >> 7) as 0 | 1,
      );
    }
  }
  const a = bind(fn, ['hour', 'minute', 'second', 'microsecond', 'tzinfo', 'fold'], args, kwargs);
  if (args.length > 5) throw new TypeError(`${fn}() takes at most 5 positional arguments`);
  return new PyTime(
    intArg(fn, a[0], 0),
    intArg(fn, a[1], 0),
    intArg(fn, a[2], 0),
    intArg(fn, a[3], 0),
    tzArg(fn, a[4]),
    intArg(fn, a[5], 0) as 0 | 1,
  );
}

function makeTimedelta(args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): PyTimedelta {
  const fn = 'datetime.timedelta';
  const a = bind(
    fn,
    ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks'],
    args,
    kwargs,
  );
  const [days, seconds, micro, ms, minutes, hours, weeks] = a.map((v) => intArg(fn, v, 0)) as number[];
  const d = (days ?? 0) + (weeks ?? 0) * 7;
  const s = (seconds ?? 0) + (minutes ?? 0) * 60 + (hours ?? 0) * 3600;
  const us = (micro ?? 0) + (ms ?? 0) * 1000;
  return new PyTimedelta(d, s, us);
}

function makeTimezone(args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): PyTimezone {
  const fn = 'datetime.timezone';
  const a = bind(fn, ['offset', 'name'], args, kwargs);
  const [offset, name] = a;
  if (!(offset instanceof PyTimedelta))
    throw new TypeError(`${fn}(): offset must be a timedelta (got ${pyTypeName(offset)})`);
  if (name !== undefined && typeof name !== 'string')
    throw new TypeError(`${fn}(): name must be a str (got ${pyTypeName(name)})`);
  if (name === undefined && offset.days === 0 && offset.seconds === 0 && offset.microseconds === 0)
    return PyTimezone.utc;
  return new PyTimezone(offset, name ?? null);
}

function makeDecimal(args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): PyDecimal {
  const fn = 'decimal.Decimal';
  const [value = '0', context] = bind(fn, ['value', 'context'], args, kwargs);
  if (context !== undefined && context !== null)
    throw new TypeError(`${fn}(): a context argument is not supported`);
  if (typeof value === 'string' || typeof value === 'bigint') return new PyDecimal(value);
  if (typeof value === 'number' && Number.isInteger(value)) return new PyDecimal(value);
  if (value instanceof PyDecimal) return value;
  throw new TypeError(`${fn}(): only a str or int argument is supported (got ${pyTypeName(value)})`);
}

/** The items of an iterable argument (list, tuple, set, frozenset, or the keys of a dict). */
function items(fn: string, v: unknown, ctx: UnpickleContext): unknown[] {
  let out: unknown[];
  if (Array.isArray(v)) out = v;
  else if (v instanceof Set) out = [...v];
  else if (v instanceof Map) out = [...v.keys()];
  else if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype)
    out = Object.keys(v);
  else throw new TypeError(`${fn}(): argument must be a list, tuple, set or dict (got ${pyTypeName(v)})`);
  ctx.charge(out.length);
  return out;
}

function hashables(fn: string, v: unknown, ctx: UnpickleContext): unknown[] {
  const out = items(fn, v, ctx);
  for (const x of out) {
    const bad = unhashable(x);
    if (bad) throw new TypeError(`${fn}(): unhashable type: '${bad}'`);
  }
  return out;
}

function makeSet(args: readonly unknown[], ctx: UnpickleContext): Set<unknown> {
  if (args.length > 1) throw new TypeError(`set expected at most 1 argument, got ${args.length}`);
  return args.length === 0 ? new Set() : new Set(hashables('set', args[0], ctx));
}

function makeFrozenSet(args: readonly unknown[], ctx: UnpickleContext): PyFrozenSet {
  if (args.length > 1) throw new TypeError(`frozenset expected at most 1 argument, got ${args.length}`);
  return new PyFrozenSet(args.length === 0 ? null : hashables('frozenset', args[0], ctx));
}

function byteValues(fn: string, v: unknown, ctx: UnpickleContext): Uint8Array {
  if (v instanceof Uint8Array) {
    ctx.chargeBytes(v.length);
    return new Uint8Array(v);
  }
  if (Array.isArray(v)) {
    ctx.chargeBytes(v.length);
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 255) {
        throw new RangeError(`${fn}(): bytes must be in range(0, 256)`);
      }
      out[i] = x;
    }
    return out;
  }
  throw new TypeError(`${fn}(): only bytes or a list of ints is supported (got ${pyTypeName(v)})`);
}

const LATIN1 = new Set(['latin1', 'latin_1', 'latin-1', 'iso-8859-1', 'iso8859-1', 'iso_8859_1', 'l1']);

function encodeLatin1(fn: string, args: readonly unknown[], ctx: UnpickleContext): Uint8Array {
  const [s, encoding] = args;
  if (
    args.length !== 2 ||
    typeof s !== 'string' ||
    typeof encoding !== 'string' ||
    !LATIN1.has(encoding.toLowerCase())
  ) {
    throw new TypeError(
      `${fn}() is only allowed as ${fn}(str, 'latin1'), the form Python writes bytes in for protocols 0-2`,
    );
  }
  ctx.chargeBytes(s.length);
  const out = latin1Bytes(s);
  if (!out) throw new RangeError(`${fn}(): 'latin-1' codec can't encode a character above U+00FF`);
  return out;
}

function makeBytes(fn: string, args: readonly unknown[], ctx: UnpickleContext): Uint8Array {
  if (args.length === 0) return new Uint8Array(0);
  if (args.length === 2) return encodeLatin1(fn, args, ctx);
  if (args.length === 1) return byteValues(fn, args[0], ctx);
  throw new TypeError(`${fn}() takes at most 2 arguments (${args.length} given)`);
}

function makeOrderedDict(args: readonly unknown[], ctx: UnpickleContext): PyOrderedDict {
  const fn = 'collections.OrderedDict';
  const out = new PyOrderedDict();
  if (args.length === 0) return out;
  if (args.length > 1) throw new TypeError(`${fn}() expected at most 1 argument, got ${args.length}`);
  const src = args[0];
  let pairs: [unknown, unknown][];
  if (src instanceof Map) pairs = [...src.entries()];
  else if (Array.isArray(src)) {
    pairs = src.map((p) => {
      if (!Array.isArray(p) || p.length !== 2)
        throw new TypeError(`${fn}(): items must be (key, value) pairs`);
      return [p[0], p[1]];
    });
  } else if (typeof src === 'object' && src !== null && Object.getPrototypeOf(src) === Object.prototype) {
    pairs = Object.entries(src);
  } else throw new TypeError(`${fn}(): argument must be a dict or a list of pairs (got ${pyTypeName(src)})`);
  ctx.charge(pairs.length);
  for (const [k, v] of pairs) {
    const bad = unhashable(k);
    if (bad) throw new TypeError(`${fn}(): unhashable type: '${bad}'`);
    out.set(k, v);
  }
  return out;
}

const uuid: PyGlobal = {
  call(args) {
    if (args.length === 1 && typeof args[0] === 'string') return new PyUUID(args[0]);
    throw new TypeError('uuid.UUID() is only supported with one hex string');
  },
  create(args, kwargs) {
    if (args.length > 0) throw new TypeError('uuid.UUID.__new__() takes no positional arguments');
    if (hasKwargs(kwargs)) return uuidFromState(kwargs);
    return new Incomplete('uuid.UUID', uuid);
  },
  setState(value, state) {
    if (!(value instanceof Incomplete) || value.target !== uuid) {
      throw new TypeError('uuid.UUID state can only be applied to a new UUID');
    }
    return uuidFromState(state);
  },
};

function uuidFromState(state: unknown): PyUUID {
  let int: unknown;
  let isSafe: unknown;
  if (state instanceof Map) {
    int = state.get('int');
    isSafe = state.has('is_safe') ? state.get('is_safe') : undefined;
  } else if (
    typeof state === 'object' &&
    state !== null &&
    Object.getPrototypeOf(state) === Object.prototype
  ) {
    const s = state as Record<string, unknown>;
    int = s.int;
    isSafe = Object.hasOwn(s, 'is_safe') ? s.is_safe : undefined;
  } else {
    throw new TypeError(`uuid.UUID state must be a dict (got ${pyTypeName(state)})`);
  }
  if (typeof int !== 'number' && typeof int !== 'bigint') throw new TypeError('uuid.UUID state needs an int');
  if (typeof int === 'number' && !Number.isInteger(int)) throw new TypeError('uuid.UUID state needs an int');
  if (isSafe !== undefined && isSafe !== null && isSafe !== 0 && isSafe !== -1) {
    throw new RangeError(`uuid.UUID: is_safe must be 0, -1 or None`);
  }
  return new PyUUID(BigInt(int), isSafe as 0 | -1 | null | undefined);
}

const datetimeGlobal: PyGlobal = {
  call: (a) => makeDatetime(a, NO_KWARGS),
  create: (a, k) => makeDatetime(a, k),
};
const dateGlobal: PyGlobal = { call: (a) => makeDate(a, NO_KWARGS), create: (a, k) => makeDate(a, k) };
const timeGlobal: PyGlobal = { call: (a) => makeTime(a, NO_KWARGS), create: (a, k) => makeTime(a, k) };
const timedeltaGlobal: PyGlobal = {
  call: (a) => makeTimedelta(a, NO_KWARGS),
  create: (a, k) => makeTimedelta(a, k),
};
const timezoneGlobal: PyGlobal = {
  call: (a) => makeTimezone(a, NO_KWARGS),
  create: (a, k) => makeTimezone(a, k),
};
const decimalGlobal: PyGlobal = {
  call: (a) => makeDecimal(a, NO_KWARGS),
  create: (a, k) => makeDecimal(a, k),
};

function noKwargs(fn: string, kwargs: Readonly<Record<string, unknown>>): void {
  if (hasKwargs(kwargs)) throw new TypeError(`${fn}() takes no keyword arguments`);
}

const encodeGlobal = (fn: string): PyGlobal => ({ call: (a, ctx) => encodeLatin1(fn, a, ctx) });

/** @internal The built-in mappings: they never return a value that holds a container twice or a cycle. */
export const BUILT_IN = new WeakSet<PyGlobal>();

/** The globals a pickle may name by default, keyed `module.qualname`. */
export const DEFAULT_ALLOWLIST: Readonly<Record<string, PyGlobal>> = Object.freeze({
  'datetime.datetime': datetimeGlobal,
  'datetime.date': dateGlobal,
  'datetime.time': timeGlobal,
  'datetime.timedelta': timedeltaGlobal,
  'datetime.timezone': timezoneGlobal,
  'decimal.Decimal': decimalGlobal,
  'builtins.set': {
    call: (a, ctx) => makeSet(a, ctx),
    // set.__new__ ignores its arguments: set.__init__ fills the set.
    create: (_a, k) => {
      noKwargs('set', k);
      return new Set();
    },
  },
  'builtins.frozenset': {
    call: (a, ctx) => makeFrozenSet(a, ctx),
    create: (a, k, ctx) => {
      noKwargs('frozenset', k);
      return makeFrozenSet(a, ctx);
    },
  },
  'builtins.bytearray': {
    call: (a, ctx) => new PyByteArray(makeBytes('bytearray', a, ctx)),
    create: () => new PyByteArray(0),
  },
  'builtins.bytes': {
    call: (a, ctx) => makeBytes('bytes', a, ctx),
    create: (a, k, ctx) => {
      noKwargs('bytes', k);
      return makeBytes('bytes', a, ctx);
    },
  },
  'builtins.complex': {
    call: (a) => {
      if (a.length > 2) throw new TypeError(`complex() takes at most 2 arguments (${a.length} given)`);
      return new PyComplex(
        a.length > 0 ? numArg('complex', a[0]) : 0,
        a.length > 1 ? numArg('complex', a[1]) : 0,
      );
    },
  },
  // Only ever the `base` argument of copyreg._reconstructor; it cannot be called.
  'builtins.object': {},
  'collections.OrderedDict': {
    call: (a, ctx) => makeOrderedDict(a, ctx),
    create: () => new PyOrderedDict(),
  },
  '_codecs.encode': encodeGlobal('_codecs.encode'),
  'codecs.encode': encodeGlobal('codecs.encode'),
  'copyreg._reconstructor': {
    // copyreg._reconstructor(cls, object, None) is object.__new__(cls): protocols 0-1 write it for UUID.
    call: (a, ctx) => {
      const [cls, base, state] = a;
      if (
        a.length !== 3 ||
        !(cls instanceof GlobalRef) ||
        !(base instanceof GlobalRef) ||
        base.name !== 'builtins.object' ||
        state !== null
      ) {
        throw new TypeError(
          'copyreg._reconstructor() is only allowed as _reconstructor(<allowed class>, object, None)',
        );
      }
      return ctx.create(cls, []);
    },
  },
  'uuid.UUID': uuid,
  // pytz.utc pickles as pytz._UTC(): the UTC timezone object.
  'pytz._UTC': {
    call: (a) => {
      if (a.length !== 0) throw new TypeError('pytz._UTC() takes no arguments');
      return PyTimezone.utc;
    },
  },
});

for (const g of Object.values(DEFAULT_ALLOWLIST)) BUILT_IN.add(g);
