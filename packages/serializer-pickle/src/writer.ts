/**
 * The pickler: protocols 2 to 5, laid out as CPython writes them (memo for every shared object, batches
 * of 1000 for APPENDS/SETITEMS/ADDITEMS, one frame for protocols 4 and 5), so Python loads the same value.
 */
import { SerializationError } from '@sess/core';
import { pyTypeName, unhashable } from './hashable.js';
import * as op from './opcodes.js';
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
  PyTuple,
  PyUUID,
} from './types.js';
import { encodeUtf8Into } from './utf8.js';

/** How a value of your own type is written: as Python's `__reduce__` would describe it. */
export interface PickleReduction {
  /** The module of the class or function, e.g. `myapp.models`. */
  module: string;
  /** Its qualified name, e.g. `Point`. */
  name: string;
  /** Arguments for the call (REDUCE) or for `__new__` (NEWOBJ). */
  args?: readonly unknown[];
  /** Write NEWOBJ (`cls.__new__(cls, *args)`) instead of REDUCE (`cls(*args)`). */
  newobj?: boolean;
  /** If set, written with BUILD after the object: what `__setstate__` receives. */
  state?: unknown;
}

export type Reducer = (value: object) => PickleReduction | undefined;

export interface WriteOptions {
  protocol: 2 | 3 | 4 | 5;
  maxDepth: number;
  reduce: Reducer | undefined;
}

const BATCH = 1000;
const PY2_MODULES: Readonly<Record<string, string>> = { builtins: '__builtin__', copyreg: 'copy_reg' };
const IDENT = /^[A-Za-z_$][\w$]*$/;

/** Carries the key path up while the stack unwinds; becomes a SerializationError at the top. */
class WriteFailure extends Error {
  readonly segments: string[] = [];
  constructor(
    readonly what: string,
    readonly hint: string,
  ) {
    super(what);
  }
}

function keySegment(key: unknown): string {
  if (typeof key === 'string') return IDENT.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean' || key === null)
    return `[${String(key)}]`;
  return `[<${pyTypeName(key)} key>]`;
}

function withSegment(e: unknown, segment: string): unknown {
  if (e instanceof WriteFailure) e.segments.unshift(segment);
  return e;
}

function describe(v: unknown): string {
  switch (typeof v) {
    case 'undefined':
      return 'undefined';
    case 'function':
      return `a function${v.name ? ` (${v.name})` : ''}`;
    case 'symbol':
      return `a symbol (${String(v.description)})`;
    case 'object': {
      const name = (v as { constructor?: { name?: string } } | null)?.constructor?.name;
      return name ? `a ${name} instance` : 'an object with a custom prototype';
    }
    default:
      return `a ${typeof v}`;
  }
}

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private readonly memo = new Map<object, number>();
  private readonly globalMemo = new Map<string, number>();
  private memoCount = 0;
  private depth = 0;
  private readonly proto: 2 | 3 | 4 | 5;
  private readonly maxDepth: number;
  private readonly reducer: Reducer | undefined;
  busy = false;

  constructor(opts: WriteOptions) {
    this.proto = opts.protocol;
    this.maxDepth = opts.maxDepth;
    this.reducer = opts.reduce;
    this.buf = new Uint8Array(1024);
    this.view = new DataView(this.buf.buffer);
  }

  dumps(value: unknown): Uint8Array {
    this.busy = true;
    this.pos = 0;
    this.memoCount = 0;
    this.depth = 0;
    try {
      this.ensure(11);
      this.buf[this.pos++] = op.PROTO;
      this.buf[this.pos++] = this.proto;
      const framed = this.proto >= 4;
      if (framed) this.pos += 9;
      this.save(value);
      this.ensure(1);
      this.buf[this.pos++] = op.STOP;
      if (framed) {
        const len = this.pos - 11;
        // CPython leaves out frames shorter than 4 bytes (e.g. `pickle.dumps(None, 5)`).
        if (len < 4) {
          this.buf.copyWithin(2, 11, this.pos);
          this.pos -= 9;
        } else {
          this.buf[2] = op.FRAME;
          this.view.setUint32(3, len % 0x100000000, true);
          this.view.setUint32(7, Math.floor(len / 0x100000000), true);
        }
      }
      return this.buf.slice(0, this.pos);
    } catch (e) {
      if (e instanceof WriteFailure) {
        const path = e.segments.join('').replace(/^\./, '') || '(root)';
        throw new SerializationError(`cannot pickle ${e.what} at ${path}: ${e.hint}`, { path });
      }
      throw e;
    } finally {
      this.memo.clear();
      this.globalMemo.clear();
      if (this.buf.length > 1 << 20) {
        this.buf = new Uint8Array(1024);
        this.view = new DataView(this.buf.buffer);
      }
      this.busy = false;
    }
  }

  // ---- output ----

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  /** `short` and `n` as one byte when `n` < 256, else `long` and `n` as four little-endian bytes. */
  private sized(short: number, long: number, n: number): void {
    if (n < 256) {
      this.ensure(2);
      this.buf[this.pos++] = short;
      this.buf[this.pos++] = n;
    } else {
      this.byte(long);
      this.u32(n);
    }
  }

  private memoize(): number {
    const idx = this.memoCount++;
    if (this.proto >= 4) this.byte(op.MEMOIZE);
    else this.sized(op.BINPUT, op.LONG_BINPUT, idx);
    return idx;
  }

  private get(idx: number): void {
    this.sized(op.BINGET, op.LONG_BINGET, idx);
  }

  private fail(what: string, hint: string): never {
    throw new WriteFailure(what, hint);
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) {
      this.fail('a value', `it nests containers more than limits.maxDepth (${this.maxDepth}) deep`);
    }
  }

  // ---- values ----

  private save(v: unknown): void {
    switch (typeof v) {
      case 'string':
        this.saveStr(v);
        return;
      case 'number':
        if (Number.isSafeInteger(v) && (v !== 0 || 1 / v > 0)) this.saveInt(v);
        else this.saveFloat(v);
        return;
      case 'boolean':
        this.byte(v ? op.NEWTRUE : op.NEWFALSE);
        return;
      case 'object':
        if (v === null) this.byte(op.NONE);
        else this.saveObject(v);
        return;
      case 'bigint':
        if (v >= -0x80000000n && v <= 0x7fffffffn) this.saveInt(Number(v));
        else this.saveLong(v);
        return;
      default:
        this.fail(
          describe(v),
          'pickle stores plain data only (None, bool, int, float, str, bytes, lists, tuples, dicts, sets, dates and the Py* types)',
        );
    }
  }

  private saveInt(n: number): void {
    this.ensure(5);
    const b = this.buf;
    if (n >= 0 && n <= 0xff) {
      b[this.pos++] = op.BININT1;
      b[this.pos++] = n;
    } else if (n >= 0 && n <= 0xffff) {
      b[this.pos++] = op.BININT2;
      b[this.pos++] = n & 0xff;
      b[this.pos++] = n >> 8;
    } else if (n >= -0x80000000 && n <= 0x7fffffff) {
      b[this.pos++] = op.BININT;
      this.view.setInt32(this.pos, n, true);
      this.pos += 4;
    } else {
      this.saveLong(BigInt(n));
    }
  }

  /** LONG1/LONG4: minimal little-endian two's complement, as CPython's `encode_long`. */
  private saveLong(x: bigint): void {
    const neg = x < 0n;
    const y = neg ? -x - 1n : x;
    const bits = y === 0n ? 0 : y.toString(2).length;
    const n = Math.floor(bits / 8) + 1;
    const value = neg ? (1n << BigInt(8 * n)) + x : x;
    const hex = value.toString(16).padStart(n * 2, '0');
    this.ensure(5 + n);
    // LONG4's length is a signed int32: the same four bytes as unsigned, n being far below 2**31.
    this.sized(op.LONG1, op.LONG4, n);
    for (let i = 0; i < n; i++) {
      const at = hex.length - 2 * (i + 1);
      this.buf[this.pos++] = Number.parseInt(hex.slice(at, at + 2), 16);
    }
  }

  private saveFloat(v: number): void {
    this.ensure(9);
    this.buf[this.pos++] = op.BINFLOAT;
    this.view.setFloat64(this.pos, v, false);
    this.pos += 8;
  }

  private saveStr(s: string): void {
    const n = s.length;
    this.ensure(5 + 3 * n);
    const b = this.buf;
    const at = this.pos;
    if (this.proto >= 4 && n * 3 < 256) {
      const end = encodeUtf8Into(s, b, at + 2);
      b[at] = op.SHORT_BINUNICODE;
      b[at + 1] = end - at - 2;
      this.pos = end;
    } else {
      const end = encodeUtf8Into(s, b, at + 5);
      const len = end - at - 5;
      if (this.proto >= 4 && len < 256) {
        b.copyWithin(at + 2, at + 5, end);
        b[at] = op.SHORT_BINUNICODE;
        b[at + 1] = len;
        this.pos = at + 2 + len;
      } else {
        b[at] = op.BINUNICODE;
        this.view.setUint32(at + 1, len, true);
        this.pos = end;
      }
    }
    // Memoised like CPython memoises every str (so simple values come out byte-for-byte as CPython's), but
    // never looked up: JS strings have no identity, and a lookup per string costs more than it saves.
    this.memoize();
  }

  /**
   * Bytes as a value of their own (BINBYTES from protocol 3, `codecs.encode(str, 'latin1')` before), memoised
   * as CPython does. Returns the memo index.
   */
  private bytesData(data: Uint8Array): number {
    const n = data.length;
    if (this.proto >= 3) {
      this.ensure(9 + n);
      this.sized(op.SHORT_BINBYTES, op.BINBYTES, n);
      this.buf.set(data, this.pos);
      this.pos += n;
      return this.memoize();
    }
    if (n === 0) {
      this.saveGlobal('builtins', 'bytes');
      this.byte(op.EMPTY_TUPLE);
      this.byte(op.REDUCE);
      return this.memoize();
    }
    this.saveGlobal('_codecs', 'encode');
    let len = n;
    for (let i = 0; i < n; i++) if ((data[i] as number) >= 0x80) len++;
    this.ensure(5 + len);
    this.buf[this.pos++] = op.BINUNICODE;
    this.view.setUint32(this.pos, len, true);
    this.pos += 4;
    const b = this.buf;
    for (let i = 0; i < n; i++) {
      const c = data[i] as number;
      if (c < 0x80) b[this.pos++] = c;
      else {
        b[this.pos++] = 0xc0 | (c >> 6);
        b[this.pos++] = 0x80 | (c & 0x3f);
      }
    }
    this.memoize();
    this.saveStr('latin1');
    this.byte(op.TUPLE2);
    this.memoize();
    this.byte(op.REDUCE);
    return this.memoize();
  }

  private saveGlobal(module: string, name: string): void {
    const key = `${module}\n${name}`;
    const m = this.globalMemo.get(key);
    if (m !== undefined) {
      this.get(m);
      return;
    }
    if (this.proto >= 4) {
      this.saveStr(module);
      this.saveStr(name);
      this.byte(op.STACK_GLOBAL);
    } else {
      const mod = this.proto < 3 ? (PY2_MODULES[module] ?? module) : module;
      const text = `${mod}\n${name}\n`;
      if (!/^[\x20-\x7e\n]*$/.test(text))
        this.fail(`the global ${module}.${name}`, 'protocols 2 and 3 need ASCII names');
      this.ensure(1 + text.length);
      this.buf[this.pos++] = op.GLOBAL;
      for (let i = 0; i < text.length; i++) this.buf[this.pos++] = text.charCodeAt(i);
    }
    this.globalMemo.set(key, this.memoize());
  }

  /** `cls(*args)` (or `cls.__new__(cls, *args)`), memoised as `obj`. Arguments are plain values here. */
  private reduce(module: string, name: string, args: readonly unknown[], obj: object, newobj = false): void {
    this.saveGlobal(module, name);
    this.argsTuple(args);
    this.byte(newobj ? op.NEWOBJ : op.REDUCE);
    this.memo.set(obj, this.memoize());
  }

  private argsTuple(args: readonly unknown[]): void {
    const n = args.length;
    if (n === 0) {
      this.byte(op.EMPTY_TUPLE);
      return;
    }
    if (n > 3) this.byte(op.MARK);
    let i = 0;
    try {
      for (; i < n; i++) this.save(args[i]);
    } catch (e) {
      throw withSegment(e, `(args)[${i}]`);
    }
    this.byte(n === 1 ? op.TUPLE1 : n === 2 ? op.TUPLE2 : n === 3 ? op.TUPLE3 : op.TUPLE);
    this.memoize();
  }

  private saveObject(o: object): void {
    const m = this.memo.get(o);
    if (m !== undefined) {
      this.get(m);
      return;
    }
    if (Array.isArray(o)) {
      if (o instanceof PyTuple) this.saveTuple(o);
      else this.saveList(o);
      return;
    }
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) {
      this.saveDict(o as Record<string, unknown>);
      return;
    }
    if (o instanceof Uint8Array) {
      if (o instanceof PyByteArray) this.saveByteArray(o);
      else this.memo.set(o, this.bytesData(o));
      return;
    }
    if (o instanceof Map) {
      if (o instanceof PyOrderedDict) {
        this.saveGlobal('collections', 'OrderedDict');
        this.byte(op.EMPTY_TUPLE);
        this.byte(op.REDUCE);
        this.memo.set(o, this.memoize());
        this.mapItems(o);
      } else {
        this.byte(op.EMPTY_DICT);
        this.memo.set(o, this.memoize());
        this.mapItems(o);
      }
      return;
    }
    if (o instanceof Set) {
      if (o instanceof PyFrozenSet) this.saveFrozenSet(o);
      else this.saveSet(o);
      return;
    }
    if (o instanceof Date) {
      if (Number.isNaN(o.getTime())) this.fail('an invalid Date', 'it has no time to store');
      this.saveDatetime(PyDatetime.fromDate(o), o);
      return;
    }
    if (o instanceof PyDatetime) this.saveDatetime(o, o);
    else if (o instanceof PyFloat) this.saveFloat(o.value);
    else if (o instanceof PyDecimal) this.reduce('decimal', 'Decimal', [o.value], o);
    else if (o instanceof PyUUID) this.saveUUID(o);
    else if (o instanceof PyDate) this.reduce('datetime', 'date', [this.dateState(o)], o);
    else if (o instanceof PyTimedelta)
      this.reduce('datetime', 'timedelta', [o.days, o.seconds, o.microseconds], o);
    else if (o instanceof PyTimezone) {
      this.reduce('datetime', 'timezone', o.name === null ? [o.offset] : [o.offset, o.name], o);
    } else if (o instanceof PyTime) {
      this.reduce('datetime', 'time', o.tzinfo ? [this.timeState(o), o.tzinfo] : [this.timeState(o)], o);
    } else if (o instanceof PyComplex) {
      this.reduce('builtins', 'complex', [new PyFloat(o.real), new PyFloat(o.imag)], o);
    } else this.saveCustom(o);
  }

  private saveCustom(o: object): void {
    const r = this.reducer?.(o);
    if (r === undefined) {
      this.fail(
        describe(o),
        'class instances are not plain data; convert it, or describe it with the `reduce` option',
      );
    }
    this.enter();
    this.saveGlobal(r.module, r.name);
    this.argsTuple(r.args ?? []);
    // The arguments referred back to the object itself: use that reference, as CPython does.
    const m = this.memo.get(o);
    if (m !== undefined) {
      this.byte(op.POP);
      this.get(m);
      this.depth--;
      return;
    }
    this.byte(r.newobj ? op.NEWOBJ : op.REDUCE);
    this.memo.set(o, this.memoize());
    if (r.state !== undefined) {
      try {
        this.save(r.state);
      } catch (e) {
        throw withSegment(e, '(state)');
      }
      this.byte(op.BUILD);
    }
    this.depth--;
  }

  private saveTuple(t: PyTuple): void {
    const n = t.length;
    if (n === 0) {
      this.byte(op.EMPTY_TUPLE);
      return;
    }
    this.enter();
    if (n > 3) this.byte(op.MARK);
    let i = 0;
    try {
      for (; i < n; i++) this.save(t[i]);
    } catch (e) {
      throw withSegment(e, `[${i}]`);
    }
    const m = this.memo.get(t);
    if (m !== undefined) {
      // An item referred back to this tuple, which is memoised by now: drop the items and use that.
      if (n > 3) this.byte(op.POP_MARK);
      else for (let k = 0; k < n; k++) this.byte(op.POP);
      this.get(m);
    } else {
      this.byte(n === 1 ? op.TUPLE1 : n === 2 ? op.TUPLE2 : n === 3 ? op.TUPLE3 : op.TUPLE);
      this.memo.set(t, this.memoize());
    }
    this.depth--;
  }

  private saveList(a: readonly unknown[]): void {
    this.byte(op.EMPTY_LIST);
    this.memo.set(a, this.memoize());
    const n = a.length;
    if (n === 0) return;
    this.enter();
    let i = 0;
    try {
      while (i < n) {
        const stop = Math.min(n, i + BATCH);
        if (stop - i === 1) {
          this.save(a[i]);
          i++;
          this.byte(op.APPEND);
        } else {
          this.byte(op.MARK);
          for (; i < stop; i++) this.save(a[i]);
          this.byte(op.APPENDS);
        }
      }
    } catch (e) {
      throw withSegment(e, `[${i}]`);
    }
    this.depth--;
  }

  private saveDict(o: Record<string, unknown>): void {
    this.byte(op.EMPTY_DICT);
    this.memo.set(o, this.memoize());
    const keys = Object.keys(o);
    const n = keys.length;
    if (n === 0) return;
    this.enter();
    let i = 0;
    try {
      while (i < n) {
        const stop = Math.min(n, i + BATCH);
        const single = stop - i === 1;
        if (!single) this.byte(op.MARK);
        for (; i < stop; i++) {
          const k = keys[i] as string;
          this.saveStr(k);
          this.save(o[k]);
        }
        this.byte(single ? op.SETITEM : op.SETITEMS);
      }
    } catch (e) {
      throw withSegment(e, keySegment(keys[i]));
    }
    this.depth--;
  }

  private mapItems(m: ReadonlyMap<unknown, unknown>): void {
    const n = m.size;
    if (n === 0) return;
    this.enter();
    const it = m.entries();
    let done = 0;
    let key: unknown;
    try {
      while (done < n) {
        const count = Math.min(BATCH, n - done);
        if (count > 1) this.byte(op.MARK);
        for (let k = 0; k < count; k++) {
          const next = it.next();
          if (next.done) this.fail('a Map', 'it changed while being pickled');
          [key] = next.value;
          const bad = unhashable(key);
          if (bad !== undefined) {
            this.fail(
              `an unhashable ${bad} as a dict key`,
              'Python dict keys must be hashable (use a tuple, not a list)',
            );
          }
          this.save(key);
          this.save(next.value[1]);
          done++;
        }
        this.byte(count > 1 ? op.SETITEMS : op.SETITEM);
      }
    } catch (e) {
      throw withSegment(e, keySegment(key));
    }
    this.depth--;
  }

  private setItems(s: ReadonlySet<unknown>, write: (items: unknown[]) => void): void {
    let i = 0;
    const items = [...s];
    for (const x of items) {
      const bad = unhashable(x);
      if (bad !== undefined) {
        throw withSegment(
          new WriteFailure(
            `an unhashable ${bad} in a set`,
            'Python set items must be hashable (use a tuple, not a list)',
          ),
          `[<set item ${i}>]`,
        );
      }
      i++;
    }
    write(items);
  }

  private saveItems(items: readonly unknown[], from: number, to: number): void {
    let i = from;
    try {
      for (; i < to; i++) this.save(items[i]);
    } catch (e) {
      throw withSegment(e, `[<set item ${i}>]`);
    }
  }

  private saveSet(s: Set<unknown>): void {
    this.enter();
    this.setItems(s, (items) => {
      if (this.proto >= 4) {
        this.byte(op.EMPTY_SET);
        this.memo.set(s, this.memoize());
        for (let i = 0; i < items.length; i += BATCH) {
          this.byte(op.MARK);
          this.saveItems(items, i, Math.min(items.length, i + BATCH));
          this.byte(op.ADDITEMS);
        }
      } else {
        this.saveGlobal('builtins', 'set');
        this.listOf(items);
        this.byte(op.TUPLE1);
        this.memoize();
        this.byte(op.REDUCE);
        this.memo.set(s, this.memoize());
      }
    });
    this.depth--;
  }

  private saveFrozenSet(s: PyFrozenSet): void {
    this.enter();
    this.setItems(s, (items) => {
      if (this.proto >= 4) {
        this.byte(op.MARK);
        this.saveItems(items, 0, items.length);
        const m = this.memo.get(s);
        if (m !== undefined) {
          this.byte(op.POP_MARK);
          this.get(m);
        } else {
          this.byte(op.FROZENSET);
          this.memo.set(s, this.memoize());
        }
      } else {
        this.saveGlobal('builtins', 'frozenset');
        this.listOf(items);
        this.byte(op.TUPLE1);
        this.memoize();
        const m = this.memo.get(s);
        if (m !== undefined) {
          this.byte(op.POP);
          this.byte(op.POP);
          this.get(m);
        } else {
          this.byte(op.REDUCE);
          this.memo.set(s, this.memoize());
        }
      }
    });
    this.depth--;
  }

  /** A throwaway list of set items (protocols 2 and 3 write `set([...])`). */
  private listOf(items: readonly unknown[]): void {
    this.byte(op.EMPTY_LIST);
    this.memoize();
    for (let i = 0; i < items.length; i += BATCH) {
      const stop = Math.min(items.length, i + BATCH);
      if (stop - i === 1) {
        this.saveItems(items, i, stop);
        this.byte(op.APPEND);
      } else {
        this.byte(op.MARK);
        this.saveItems(items, i, stop);
        this.byte(op.APPENDS);
      }
    }
  }

  private saveByteArray(b: PyByteArray): void {
    if (this.proto >= 5) {
      const n = b.length;
      this.ensure(9 + n);
      this.buf[this.pos++] = op.BYTEARRAY8;
      this.view.setUint32(this.pos, n, true);
      this.view.setUint32(this.pos + 4, 0, true);
      this.pos += 8;
      this.buf.set(b, this.pos);
      this.pos += n;
      this.memo.set(b, this.memoize());
      return;
    }
    this.saveGlobal('builtins', 'bytearray');
    if (b.length === 0) this.byte(op.EMPTY_TUPLE);
    else {
      this.bytesData(b);
      this.byte(op.TUPLE1);
      this.memoize();
    }
    this.byte(op.REDUCE);
    this.memo.set(b, this.memoize());
  }

  private saveDatetime(d: PyDatetime, key: object): void {
    const s = new Uint8Array(10);
    s[0] = d.year >> 8;
    s[1] = d.year & 0xff;
    s[2] = d.month | (this.proto > 3 && d.fold ? 0x80 : 0);
    s[3] = d.day;
    s[4] = d.hour;
    s[5] = d.minute;
    s[6] = d.second;
    s[7] = d.microsecond >> 16;
    s[8] = (d.microsecond >> 8) & 0xff;
    s[9] = d.microsecond & 0xff;
    this.saveGlobal('datetime', 'datetime');
    this.bytesData(s);
    if (d.tzinfo) {
      this.save(d.tzinfo);
      this.byte(op.TUPLE2);
    } else this.byte(op.TUPLE1);
    this.memoize();
    this.byte(op.REDUCE);
    this.memo.set(key, this.memoize());
  }

  private dateState(d: PyDate): Uint8Array {
    return Uint8Array.of(d.year >> 8, d.year & 0xff, d.month, d.day);
  }

  private timeState(t: PyTime): Uint8Array {
    const us = t.microsecond;
    return Uint8Array.of(
      t.hour | (this.proto > 3 && t.fold ? 0x80 : 0),
      t.minute,
      t.second,
      us >> 16,
      (us >> 8) & 0xff,
      us & 0xff,
    );
  }

  private saveUUID(u: PyUUID): void {
    this.saveGlobal('uuid', 'UUID');
    this.byte(op.EMPTY_TUPLE);
    this.byte(op.NEWOBJ);
    this.memo.set(u, this.memoize());
    this.byte(op.EMPTY_DICT);
    this.memoize();
    this.saveStr('int');
    if (u.int <= 0x7fffffffn) this.saveInt(Number(u.int));
    else this.saveLong(u.int);
    this.byte(op.SETITEM);
    if (u.isSafe !== undefined) {
      this.saveStr('is_safe');
      if (u.isSafe === null) this.byte(op.NONE);
      else this.saveInt(u.isSafe);
      this.byte(op.SETITEM);
    }
    this.byte(op.BUILD);
  }
}
