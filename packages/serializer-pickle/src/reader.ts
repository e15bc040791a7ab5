/**
 * The unpickler: CPython's stack machine for protocols 0-5, with every global resolved through the
 * allowlist (plain TypeScript mappings) and every size checked against the limits before anything is
 * allocated. It never recurses, so hostile nesting cannot overflow the JS stack.
 */
import { SessError } from '@sess/core';
import { BUILT_IN, GlobalRef, Incomplete, type PyGlobal, type UnpickleContext } from './allowlist.js';
import { PickleLimitError, UnpicklingError, UnsafePickleError } from './errors.js';
import { pyTypeName, unhashable } from './hashable.js';
import type { PickleLimits } from './limits.js';
import * as op from './opcodes.js';
import { PyByteArray, PyFloat, PyFrozenSet, PyTuple } from './types.js';
import { decodeUtf8, Utf8Error } from './utf8.js';

export interface ReadOptions {
  limits: Readonly<PickleLimits>;
  allow: ReadonlyMap<string, PyGlobal>;
  /** `number` (default) or `PyFloat`: how a float with an integral value (1.0) is read. */
  integralFloats: 'number' | 'PyFloat';
  /** How Python 2 `str` (STRING, BINSTRING, SHORT_BINSTRING) decodes, as Python's `encoding` argument. */
  encoding: 'ascii' | 'latin1' | 'bytes';
}

const F64 = new DataView(new ArrayBuffer(8));
const F64_BYTES = new Uint8Array(F64.buffer);
const EMPTY_TUPLE: PyTuple = Object.freeze(new PyTuple()) as PyTuple;
const NO_KWARGS: Readonly<Record<string, unknown>> = Object.freeze({});
// Python 3 reads protocol 0-2 pickles written by Python 2 with these module names (Lib/_compat_pickle.py).
const PY2_MODULES: Readonly<Record<string, string>> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

const INT_RE =
  /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?0)*|[1-9](?:_?\d)*)$/;
// Keys JS orders first in an object (array indices).
const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;
const DEC_RE = /^[+-]?\d+(?:_\d+)*$/;
const FLOAT_RE =
  /^[+-]?(?:inf(?:inity)?|nan|(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:e[+-]?\d+(?:_\d+)*)?)$/i;

function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function isContainer(v: unknown): boolean {
  return (
    typeof v === 'object' &&
    v !== null &&
    (Array.isArray(v) || v instanceof Map || v instanceof Set || isDict(v))
  );
}

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  // `__proto__` must land as data: a plain assignment would replace the object's prototype.
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

function show(s: string): string {
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);
}

class Reader implements UnpickleContext {
  readonly limits: Readonly<PickleLimits>;
  private readonly data: Uint8Array;
  private readonly opts: ReadOptions;
  private pos = 0;
  private opPos = 0;
  private proto = 0;
  private readonly stack: unknown[] = [];
  private readonly marks: number[] = [];
  /** Start of the current MARK segment: pops may not go below it. */
  private fence = 0;
  private readonly memo: unknown[] = [];
  private memoSize = 0;
  private nodes = 0;
  private copiedBytes = 0;
  /** Objects swapped for another after being pushed (a dict that got a non-str key, a built object). */
  private replaced: Map<object, unknown> | null = null;
  /** Objects that BUILD may finish, with the global whose setState does it. */
  private buildable: Map<object, PyGlobal> | null = null;
  private globals: Map<string, GlobalRef> | null = null;
  /**
   * Insertion order of dicts that got an integer-like str key: JS lists those keys first, so if the dict
   * later turns into a Map (a non-str key arrives) this keeps Python's order.
   */
  private keyOrder: WeakMap<object, string[]> | null = null;
  /**
   * Whether a container was pushed a second time (GET or DUP). Until then the value is a tree and
   * `finish` can use its cheaper walk.
   */
  private shared = false;

  constructor(data: Uint8Array, opts: ReadOptions) {
    this.data = data;
    this.opts = opts;
    this.limits = opts.limits;
  }

  // ---- errors ----

  private fail(message: string): never {
    throw new UnpicklingError(`${message} (at byte ${this.opPos})`);
  }

  private limit(name: keyof PickleLimits, what: string): never {
    const max = this.limits[name];
    throw new PickleLimitError(
      `pickle ${what}: over limits.${name} (${max}) (at byte ${this.opPos})`,
      name,
      max,
    );
  }

  private truncated(): never {
    this.fail('pickle data was truncated');
  }

  // ---- UnpickleContext ----

  charge(items: number): void {
    this.nodes += items;
    if (this.nodes > this.limits.maxNodes)
      this.limit('maxNodes', `creates more than ${this.limits.maxNodes} values`);
  }

  chargeBytes(bytes: number): void {
    this.copiedBytes += bytes;
    if (this.copiedBytes > this.limits.maxInputBytes) this.limit('maxInputBytes', 'copies too many bytes');
  }

  create(
    cls: unknown,
    args: readonly unknown[],
    kwargs: Readonly<Record<string, unknown>> = NO_KWARGS,
  ): unknown {
    if (!(cls instanceof GlobalRef))
      this.fail(`cannot create an instance of a ${pyTypeName(cls)}: not a class`);
    return this.invoke(cls, 'create', args, kwargs);
  }

  // ---- input ----

  private need(n: number): void {
    if (n > this.data.length - this.pos) this.truncated();
  }

  private int32(p: number): number {
    const d = this.data;
    return (
      (d[p] as number) |
      ((d[p + 1] as number) << 8) |
      ((d[p + 2] as number) << 16) |
      ((d[p + 3] as number) << 24)
    );
  }

  private u8(): number {
    if (this.pos >= this.data.length) this.truncated();
    return this.data[this.pos++] as number;
  }

  private u16(): number {
    this.need(2);
    const d = this.data;
    const v = (d[this.pos] as number) | ((d[this.pos + 1] as number) << 8);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    this.need(4);
    const v = this.int32(this.pos) >>> 0;
    this.pos += 4;
    return v;
  }

  private i32(): number {
    this.need(4);
    const v = this.int32(this.pos);
    this.pos += 4;
    return v;
  }

  /** An 8-byte length, checked against what is left of the input before anything is allocated. */
  private u64Length(what: string): number {
    this.need(8);
    const lo = this.int32(this.pos) >>> 0;
    const hi = this.int32(this.pos + 4) >>> 0;
    this.pos += 8;
    const left = this.data.length - this.pos;
    if (hi !== 0 || lo > left) {
      const n = (BigInt(hi) << 32n) | BigInt(lo);
      this.fail(`${what} declares ${n} bytes but only ${left} are left`);
    }
    return lo;
  }

  private length(n: number, what: string): number {
    if (n > this.data.length - this.pos) {
      this.fail(`${what} declares ${n} bytes but only ${this.data.length - this.pos} are left`);
    }
    return n;
  }

  /** The bytes up to the next newline (excluded); the newline is consumed. */
  private line(): [number, number] {
    const start = this.pos;
    const nl = this.data.indexOf(0x0a, start);
    if (nl < 0) this.truncated();
    this.pos = nl + 1;
    return [start, nl];
  }

  private lineText(): string {
    const [s, e] = this.line();
    return this.utf8(s, e);
  }

  private latin1(start: number, end: number): string {
    let out = '';
    for (let i = start; i < end; i += 8192) {
      out += String.fromCharCode.apply(
        null,
        this.data.subarray(i, Math.min(end, i + 8192)) as unknown as number[],
      );
    }
    return out;
  }

  private utf8(start: number, end: number): string {
    try {
      return decodeUtf8(this.data, start, end);
    } catch (e) {
      if (e instanceof Utf8Error) this.fail(`'utf-8' codec can't decode the string: ${e.message}`);
      throw e;
    }
  }

  // ---- stack ----

  private push(v: unknown): void {
    this.stack.push(v);
  }

  private pop(): unknown {
    if (this.stack.length <= this.fence) this.fail('unpickling stack underflow');
    return this.stack.pop();
  }

  private topIndex(): number {
    const i = this.stack.length - 1;
    if (i < this.fence) this.fail('unpickling stack underflow');
    return i;
  }

  private popMarkStart(): number {
    const m = this.marks.pop();
    if (m === undefined) this.fail('could not find MARK');
    this.fence = this.marks.length > 0 ? (this.marks[this.marks.length - 1] as number) : 0;
    return m;
  }

  private popMark(): unknown[] {
    const m = this.popMarkStart();
    return this.stack.splice(m);
  }

  private resolve(v: unknown): unknown {
    if (this.replaced !== null && typeof v === 'object' && v !== null) {
      let r = this.replaced.get(v);
      while (r !== undefined) {
        v = r;
        r = typeof v === 'object' && v !== null ? this.replaced.get(v) : undefined;
      }
    }
    return v;
  }

  private replace(old: object, next: unknown, stackIndex: number): void {
    if (this.replaced === null) this.replaced = new Map();
    this.replaced.set(old, next);
    if (this.stack[stackIndex] === old) this.stack[stackIndex] = next;
  }

  // ---- memo ----

  private memoPut(idx: number, v: unknown): void {
    if (idx >= this.limits.maxMemo) this.limit('maxMemo', `uses memo index ${idx}`);
    if (this.memo[idx] === undefined) {
      this.memoSize++;
      if (this.memoSize > this.limits.maxMemo) this.limit('maxMemo', 'has too many memo entries');
    }
    this.memo[idx] = v;
  }

  private memoGet(idx: number): unknown {
    const v = idx < this.memo.length ? this.memo[idx] : undefined;
    if (v === undefined) this.fail(`memo value not found at index ${idx}`);
    if (!this.shared && isContainer(v)) this.shared = true;
    return this.resolve(v);
  }

  // ---- numbers ----

  private checkIntDigits(digits: number, perByte: number): void {
    if (digits > this.limits.maxIntegerBytes * perByte)
      this.limit('maxIntegerBytes', `has an integer of ${digits} digits`);
  }

  private parseInt(text: string, what: string): number | bigint {
    const t = text.trim();
    if (!INT_RE.test(t)) this.fail(`invalid literal for ${what}: ${show(text)}`);
    const clean = t.replace(/_/g, '');
    const neg = clean.startsWith('-');
    const body = clean.replace(/^[+-]/, '');
    const radix = /^0[xX]/.test(body) ? 16 : /^0[oO]/.test(body) ? 8 : /^0[bB]/.test(body) ? 2 : 10;
    const digits = radix === 10 ? body.length : body.length - 2;
    this.checkIntDigits(digits, radix === 16 ? 2 : radix === 8 ? 8 / 3 : radix === 2 ? 8 : 2.5);
    if (digits <= 15 && radix === 10) {
      const v = Number(body);
      return neg && v !== 0 ? -v : v;
    }
    const big = BigInt(radix === 10 ? body : `0${body.slice(1, 2).toLowerCase()}${body.slice(2)}`);
    return toInt(neg ? -big : big);
  }

  private parseIndex(text: string, what: string): number {
    const t = text.trim();
    if (!DEC_RE.test(t) || t.length > 16) this.fail(`invalid ${what} argument: ${show(text)}`);
    const n = Number(t.replace(/_/g, ''));
    if (n < 0) this.fail(`negative ${what} argument`);
    return n;
  }

  private parseFloat(text: string): number {
    const t = text.trim();
    if (!FLOAT_RE.test(t)) this.fail(`could not convert string to float: ${show(text)}`);
    const lower = t.toLowerCase().replace(/_/g, '');
    if (lower.includes('nan')) return Number.NaN;
    if (lower.includes('inf')) return lower.startsWith('-') ? -Infinity : Infinity;
    return Number(lower);
  }

  private float(v: number): unknown {
    return this.opts.integralFloats === 'PyFloat' && Number.isInteger(v) ? new PyFloat(v) : v;
  }

  /** `n` bytes of little-endian two's complement (LONG1/LONG4). */
  private long(n: number): number | bigint {
    if (n > this.limits.maxIntegerBytes) this.limit('maxIntegerBytes', `has an integer of ${n} bytes`);
    this.length(n, 'LONG');
    const d = this.data;
    const p = this.pos;
    this.pos += n;
    if (n === 0) return 0;
    if (n <= 6) {
      let v = 0;
      for (let i = n - 1; i >= 0; i--) v = v * 256 + (d[p + i] as number);
      if ((d[p + n - 1] as number) & 0x80) v -= 2 ** (8 * n);
      return v;
    }
    let hex = '';
    for (let i = n - 1; i >= 0; i--) hex += (d[p + i] as number).toString(16).padStart(2, '0');
    let big = BigInt(`0x${hex}`);
    if ((d[p + n - 1] as number) & 0x80) big -= 1n << BigInt(8 * n);
    return toInt(big);
  }

  // ---- strings ----

  private bytes(n: number): Uint8Array {
    const out = this.data.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private py2String(start: number, end: number): string | Uint8Array {
    const enc = this.opts.encoding;
    if (enc === 'bytes') return this.data.slice(start, end);
    if (enc === 'ascii') {
      for (let i = start; i < end; i++) {
        if ((this.data[i] as number) >= 0x80) {
          this.fail(
            "a Python 2 str holds non-ASCII bytes: 'ascii' codec can't decode it (read with encoding: 'latin1' or 'bytes')",
          );
        }
      }
    }
    return this.latin1(start, end);
  }

  /** STRING: a Python 2 repr, quoted, with backslash escapes (codecs.escape_decode). */
  private quotedString(start: number, end: number): string | Uint8Array {
    const d = this.data;
    const q = d[start];
    if (end - start < 2 || (q !== 0x22 && q !== 0x27) || d[end - 1] !== q) {
      this.fail('the STRING opcode argument must be quoted');
    }
    const out: number[] = [];
    for (let i = start + 1; i < end - 1; i++) {
      const c = d[i] as number;
      if (c !== 0x5c) {
        out.push(c);
        continue;
      }
      i++;
      if (i >= end - 1) this.fail('Trailing \\ in string');
      const e = d[i] as number;
      const simple: Record<number, number> = {
        92: 0x5c,
        39: 0x27,
        34: 0x22,
        97: 7,
        98: 8,
        102: 12,
        110: 10,
        114: 13,
        116: 9,
        118: 11,
      };
      if (e in simple) out.push(simple[e] as number);
      else if (e === 0x0a) {
        // backslash-newline: a line continuation, dropped
      } else if (e >= 0x30 && e <= 0x37) {
        let v = e - 0x30;
        for (
          let k = 0;
          k < 2 && i + 1 < end - 1 && (d[i + 1] as number) >= 0x30 && (d[i + 1] as number) <= 0x37;
          k++
        ) {
          i++;
          v = v * 8 + ((d[i] as number) - 0x30);
        }
        out.push(v & 0xff);
      } else if (e === 0x78) {
        const hex = String.fromCharCode(d[i + 1] ?? 0, d[i + 2] ?? 0);
        if (i + 2 > end - 2 || !/^[0-9a-fA-F]{2}$/.test(hex)) this.fail('invalid \\x escape in a STRING');
        out.push(Number.parseInt(hex, 16));
        i += 2;
      } else {
        out.push(0x5c, e);
      }
    }
    const bytes = Uint8Array.from(out);
    const enc = this.opts.encoding;
    if (enc === 'bytes') return bytes;
    if (enc === 'ascii' && bytes.some((x) => x >= 0x80)) {
      this.fail(
        "a Python 2 str holds non-ASCII bytes: 'ascii' codec can't decode it (read with encoding: 'latin1' or 'bytes')",
      );
    }
    let s = '';
    for (const x of bytes) s += String.fromCharCode(x);
    return s;
  }

  /** UNICODE: raw-unicode-escape, as protocol 0 writes `str`. */
  private rawUnicodeEscape(start: number, end: number): string {
    const d = this.data;
    let out = '';
    let runStart = start;
    for (let i = start; i < end; i++) {
      if (d[i] !== 0x5c) continue;
      const kind = d[i + 1];
      if (i + 1 >= end || (kind !== 0x75 && kind !== 0x55)) continue;
      out += this.latin1(runStart, i);
      const count = kind === 0x75 ? 4 : 8;
      if (i + 2 + count > end) this.fail(`truncated \\${kind === 0x75 ? 'uXXXX' : 'UXXXXXXXX'} escape`);
      const hex = this.latin1(i + 2, i + 2 + count);
      if (!/^[0-9a-fA-F]+$/.test(hex))
        this.fail(`truncated \\${kind === 0x75 ? 'uXXXX' : 'UXXXXXXXX'} escape`);
      const cp = Number.parseInt(hex, 16);
      if (cp > 0x10ffff) this.fail('\\Uxxxxxxxx out of range');
      out += String.fromCodePoint(cp);
      i += 1 + count;
      runStart = i + 1;
    }
    return out + this.latin1(runStart, end);
  }

  // ---- globals ----

  private resolveGlobal(module: string, name: string): GlobalRef {
    const mod = this.proto < 3 ? (PY2_MODULES[module] ?? module) : module;
    const key = `${mod}.${name}`;
    if (this.globals === null) this.globals = new Map();
    let ref = this.globals.get(key);
    if (ref === undefined) {
      const target = module && name ? this.opts.allow.get(key) : undefined;
      if (target === undefined) {
        throw new UnsafePickleError(
          `global ${show(key)} is not allowed (at byte ${this.opPos}): only plain data types can be unpickled; add a mapping with the 'allow' option if this one is safe`,
          { global: key },
        );
      }
      ref = new GlobalRef(key, target);
      this.globals.set(key, ref);
    }
    return ref;
  }

  private invoke(
    ref: GlobalRef,
    kind: 'call' | 'create',
    args: readonly unknown[],
    kwargs: Readonly<Record<string, unknown>>,
  ): unknown {
    const t = ref.target;
    let v: unknown;
    try {
      if (kind === 'call') {
        if (!t.call) throw new TypeError(`${ref.name} cannot be called`);
        v = t.call(args, this);
      } else {
        if (!t.create) throw new TypeError(`${ref.name} cannot be created with __new__`);
        v = t.create(args, kwargs, this);
      }
    } catch (e) {
      throw this.mappingError(ref.name, e);
    }
    // A user mapping may return shared or cyclic containers: walk the result with the full check.
    if (!BUILT_IN.has(t)) this.shared = true;
    if (t.setState && typeof v === 'object' && v !== null) {
      if (this.buildable === null) this.buildable = new Map();
      this.buildable.set(v, t);
    }
    return v;
  }

  private mappingError(name: string, e: unknown): Error {
    if (e instanceof SessError) return e;
    const msg = e instanceof Error ? e.message : String(e);
    const text = `${name}: ${msg} (at byte ${this.opPos})`;
    if (e instanceof TypeError) return new UnsafePickleError(text, { global: name, cause: e });
    return new UnpicklingError(text, { cause: e });
  }

  private callable(v: unknown, opname: string): GlobalRef {
    if (v instanceof GlobalRef) return v;
    this.fail(`${opname} needs a class or function from the allowlist, got a ${pyTypeName(v)}`);
  }

  private tupleArg(v: unknown, opname: string): PyTuple {
    if (v instanceof PyTuple) return v;
    this.fail(`${opname} needs an argument tuple, got a ${pyTypeName(v)}`);
  }

  private instantiate(cls: unknown, args: unknown[]): unknown {
    const ref = this.callable(cls, 'INST/OBJ');
    if (args.length === 0 && ref.target.create) return this.invoke(ref, 'create', EMPTY_TUPLE, NO_KWARGS);
    return this.invoke(ref, 'call', args, NO_KWARGS);
  }

  private kwargs(v: unknown): Readonly<Record<string, unknown>> {
    if (isDict(v)) return v;
    if (v instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of v) {
        if (typeof k !== 'string') this.fail('NEWOBJ_EX keywords must be strings');
        setKey(out, k, x);
      }
      return out;
    }
    this.fail(`NEWOBJ_EX needs a keyword dict, got a ${pyTypeName(v)}`);
  }

  private build(): void {
    const state = this.pop();
    const i = this.topIndex();
    const inst = this.resolve(this.stack[i]);
    const target = typeof inst === 'object' && inst !== null ? this.buildable?.get(inst) : undefined;
    if (target === undefined || !target.setState) {
      this.fail(
        `BUILD can only finish an object an allowlisted class created with state support, not a ${pyTypeName(inst)}`,
      );
    }
    let v: unknown;
    try {
      v = target.setState(inst, state, this);
    } catch (e) {
      throw this.mappingError(inst instanceof Incomplete ? inst.name : 'BUILD', e);
    }
    this.buildable?.delete(inst as object);
    if (!BUILT_IN.has(target)) this.shared = true;
    if (v !== undefined && v !== inst) this.replace(inst as object, v, i);
    else this.stack[i] = inst;
  }

  // ---- containers ----

  private checkLength(n: number): void {
    if (n > this.limits.maxContainerLength) this.limit('maxContainerLength', `has a container of ${n} items`);
  }

  private hashable(v: unknown, where: string): void {
    const bad = unhashable(v);
    if (bad !== undefined) this.fail(`unhashable type: '${bad}' used as ${where}`);
  }

  private list(v: unknown, opname: string): unknown[] {
    if (Array.isArray(v) && !(v instanceof PyTuple)) return v;
    this.fail(`${opname} needs a list, got a ${pyTypeName(v)}`);
  }

  /** APPEND/APPENDS: the stack items from `from` go into the list just below them, and leave the stack. */
  private appendFromStack(from: number, opname: string): void {
    const stack = this.stack;
    if (from - 1 < this.fence) this.fail('unpickling stack underflow');
    const list = this.list(stack[from - 1], opname);
    const n = stack.length - from;
    this.charge(n);
    this.checkLength(list.length + n);
    for (let i = from; i < stack.length; i++) list.push(stack[i]);
    truncate(stack, from);
  }

  /** SETITEM/SETITEMS: the stack items from `from` (keys and values) go into the dict just below them. */
  private setItemsFromStack(from: number): void {
    if (from - 1 < this.fence) this.fail('unpickling stack underflow');
    this.setItems(from - 1, this.stack, from, this.stack.length);
    truncate(this.stack, from);
  }

  /** `items[from..to)` alternates keys and values, for the dict at `targetIndex` on the stack. */
  private setItems(targetIndex: number, items: readonly unknown[], from: number, to: number): void {
    let dict = this.resolve(this.stack[targetIndex]);
    const n = to - from;
    if (n % 2 !== 0) this.fail('odd number of items for SETITEMS');
    this.charge(n / 2);
    let plain = isDict(dict);
    for (let i = from; i < to; i += 2) {
      const key = items[i];
      const value = items[i + 1];
      if (plain && typeof key === 'string') {
        this.setStringKey(dict as Record<string, unknown>, key, value);
        continue;
      }
      this.hashable(key, 'a dict key');
      if (plain) {
        const obj = dict as Record<string, unknown>;
        const keys = this.keyOrder?.get(obj) ?? Object.keys(obj);
        const map = new Map<unknown, unknown>(keys.map((k) => [k, obj[k]]));
        this.replace(obj, map, targetIndex);
        dict = map;
        plain = false;
      }
      if (!(dict instanceof Map)) this.fail(`SETITEM needs a dict, got a ${pyTypeName(dict)}`);
      dict.set(key, value);
      this.checkLength(dict.size);
    }
  }

  private setStringKey(dict: Record<string, unknown>, key: string, value: unknown): void {
    const order = this.keyOrder?.get(dict);
    if (order !== undefined) {
      if (!Object.hasOwn(dict, key)) order.push(key);
    } else {
      const c = key.charCodeAt(0);
      if (c >= 0x30 && c <= 0x39 && INDEX_KEY.test(key) && !Object.hasOwn(dict, key)) {
        if (this.keyOrder === null) this.keyOrder = new WeakMap();
        this.keyOrder.set(dict, [...Object.keys(dict), key]);
      }
    }
    setKey(dict, key, value);
  }

  private tupleFromStack(start: number): PyTuple {
    const s = this.stack;
    const n = s.length - start;
    if (n === 0) return EMPTY_TUPLE;
    this.checkLength(n);
    this.charge(n);
    const t = new PyTuple();
    for (let i = 0; i < n; i++) t[i] = s[start + i];
    truncate(s, start);
    return t;
  }

  private tupleN(n: number): void {
    if (this.stack.length - this.fence < n) this.fail('unpickling stack underflow');
    this.push(this.tupleFromStack(this.stack.length - n));
  }

  // ---- main loop ----

  run(): unknown {
    if (this.data.length > this.limits.maxInputBytes) {
      throw new PickleLimitError(
        `pickle of ${this.data.length} bytes: over limits.maxInputBytes (${this.limits.maxInputBytes})`,
        'maxInputBytes',
        this.limits.maxInputBytes,
      );
    }
    const d = this.data;
    const end = d.length;
    const stack = this.stack;
    for (;;) {
      if (this.pos >= end) this.truncated();
      this.opPos = this.pos;
      const code = d[this.pos++] as number;
      switch (code) {
        case /* PROTO */ 0x80: {
          const p = this.u8();
          if (p > op.HIGHEST_PROTOCOL) this.fail(`unsupported pickle protocol: ${p}`);
          this.proto = p;
          break;
        }
        case /* FRAME */ 0x95:
          this.u64Length('FRAME');
          break;
        case /* STOP */ 0x2e:
          return this.finish(this.pop());

        // -- ints, floats, constants --
        case /* BININT1 */ 0x4b:
          stack.push(this.u8());
          break;
        case /* BININT2 */ 0x4d:
          stack.push(this.u16());
          break;
        case /* BININT */ 0x4a:
          stack.push(this.i32());
          break;
        case /* LONG1 */ 0x8a:
          stack.push(this.long(this.u8()));
          break;
        case /* LONG4 */ 0x8b: {
          const n = this.i32();
          if (n < 0) this.fail('LONG pickle has negative byte count');
          stack.push(this.long(n));
          break;
        }
        case /* INT */ 0x49: {
          const [s, e] = this.line();
          if (e - s === 2 && d[s] === 0x30 && (d[s + 1] === 0x30 || d[s + 1] === 0x31))
            stack.push(d[s + 1] === 0x31);
          else stack.push(this.parseInt(this.latin1(s, e), 'int() with base 0'));
          break;
        }
        case /* LONG */ 0x4c: {
          let [s, e] = this.line();
          if (e - s > 1 && d[e - 1] === 0x4c) e--;
          stack.push(this.parseInt(this.latin1(s, e), 'int() with base 0'));
          break;
        }
        case /* BINFLOAT */ 0x47: {
          this.need(8);
          for (let i = 0; i < 8; i++) F64_BYTES[i] = d[this.pos + i] as number;
          const v = F64.getFloat64(0, false);
          this.pos += 8;
          stack.push(this.float(v));
          break;
        }
        case /* FLOAT */ 0x46: {
          const [s, e] = this.line();
          stack.push(this.float(this.parseFloat(this.latin1(s, e))));
          break;
        }
        case /* NONE */ 0x4e:
          stack.push(null);
          break;
        case /* NEWTRUE */ 0x88:
          stack.push(true);
          break;
        case /* NEWFALSE */ 0x89:
          stack.push(false);
          break;

        // -- strings and bytes --
        case /* SHORT_BINUNICODE */ 0x8c: {
          const n = this.length(this.u8(), 'SHORT_BINUNICODE');
          stack.push(this.utf8(this.pos, this.pos + n));
          this.pos += n;
          break;
        }
        case /* BINUNICODE */ 0x58: {
          const n = this.length(this.u32(), 'BINUNICODE');
          stack.push(this.utf8(this.pos, this.pos + n));
          this.pos += n;
          break;
        }
        case /* BINUNICODE8 */ 0x8d: {
          const n = this.u64Length('BINUNICODE8');
          stack.push(this.utf8(this.pos, this.pos + n));
          this.pos += n;
          break;
        }
        case /* UNICODE */ 0x56: {
          const [s, e] = this.line();
          stack.push(this.rawUnicodeEscape(s, e));
          break;
        }
        case /* SHORT_BINBYTES */ 0x43:
          stack.push(this.bytes(this.length(this.u8(), 'SHORT_BINBYTES')));
          break;
        case /* BINBYTES */ 0x42:
          stack.push(this.bytes(this.length(this.u32(), 'BINBYTES')));
          break;
        case /* BINBYTES8 */ 0x8e:
          stack.push(this.bytes(this.u64Length('BINBYTES8')));
          break;
        case /* BYTEARRAY8 */ 0x96:
          stack.push(new PyByteArray(this.bytes(this.u64Length('BYTEARRAY8'))));
          break;
        case /* SHORT_BINSTRING */ 0x55: {
          const n = this.length(this.u8(), 'SHORT_BINSTRING');
          stack.push(this.py2String(this.pos, this.pos + n));
          this.pos += n;
          break;
        }
        case /* BINSTRING */ 0x54: {
          const len = this.i32();
          if (len < 0) this.fail('BINSTRING pickle has negative byte count');
          const n = this.length(len, 'BINSTRING');
          stack.push(this.py2String(this.pos, this.pos + n));
          this.pos += n;
          break;
        }
        case /* STRING */ 0x53: {
          const [s, e] = this.line();
          stack.push(this.quotedString(s, e));
          break;
        }
        case /* NEXT_BUFFER */ 0x97:
          return this.fail('pickle stream refers to out-of-band data but no buffers were given');
        case /* READONLY_BUFFER */ 0x98: {
          const i = this.topIndex();
          const v = stack[i];
          if (!(v instanceof Uint8Array)) this.fail(`READONLY_BUFFER needs a buffer, got a ${pyTypeName(v)}`);
          if (v instanceof PyByteArray) stack[i] = new Uint8Array(v);
          break;
        }

        // -- containers --
        case /* EMPTY_LIST */ 0x5d:
          stack.push([]);
          break;
        case /* EMPTY_DICT */ 0x7d:
          stack.push({});
          break;
        case /* EMPTY_SET */ 0x8f:
          stack.push(new Set());
          break;
        case /* EMPTY_TUPLE */ 0x29:
          stack.push(EMPTY_TUPLE);
          break;
        case /* MARK */ 0x28:
          this.marks.push(stack.length);
          this.fence = stack.length;
          break;
        case /* APPEND */ 0x61:
          if (stack.length - 1 < this.fence) this.fail('unpickling stack underflow');
          this.appendFromStack(stack.length - 1, 'APPEND');
          break;
        case /* APPENDS */ 0x65:
          this.appendFromStack(this.popMarkStart(), 'APPENDS');
          break;
        case /* LIST */ 0x6c: {
          const items = this.popMark();
          this.checkLength(items.length);
          this.charge(items.length);
          stack.push(items);
          break;
        }
        case /* TUPLE */ 0x74:
          stack.push(this.tupleFromStack(this.popMarkStart()));
          break;
        case /* TUPLE1 */ 0x85:
          this.tupleN(1);
          break;
        case /* TUPLE2 */ 0x86:
          this.tupleN(2);
          break;
        case /* TUPLE3 */ 0x87:
          this.tupleN(3);
          break;
        case /* DICT */ 0x64: {
          const items = this.popMark();
          stack.push({});
          this.setItems(stack.length - 1, items, 0, items.length);
          break;
        }
        case /* SETITEM */ 0x73:
          if (stack.length - 2 < this.fence) this.fail('unpickling stack underflow');
          this.setItemsFromStack(stack.length - 2);
          break;
        case /* SETITEMS */ 0x75:
          this.setItemsFromStack(this.popMarkStart());
          break;
        case /* ADDITEMS */ 0x90: {
          const items = this.popMark();
          const set = stack[this.topIndex()];
          if (!(set instanceof Set) || set instanceof PyFrozenSet)
            this.fail(`ADDITEMS needs a set, got a ${pyTypeName(set)}`);
          this.charge(items.length);
          for (const x of items) this.hashable(x, 'a set item');
          this.checkLength(set.size + items.length);
          for (const x of items) set.add(x);
          break;
        }
        case /* FROZENSET */ 0x91: {
          const items = this.popMark();
          this.checkLength(items.length);
          this.charge(items.length);
          for (const x of items) this.hashable(x, 'a frozenset item');
          stack.push(new PyFrozenSet(items));
          break;
        }

        // -- stack and memo --
        case /* POP */ 0x30:
          if (stack.length > this.fence) stack.pop();
          else if (this.marks.length > 0) this.popMark();
          else this.fail('unpickling stack underflow');
          break;
        case /* POP_MARK */ 0x31:
          this.popMark();
          break;
        case /* DUP */ 0x32: {
          const v = stack[this.topIndex()];
          if (isContainer(v)) this.shared = true;
          stack.push(v);
          break;
        }
        case /* MEMOIZE */ 0x94:
          this.memoPut(this.memoSize, stack[this.topIndex()]);
          break;
        case /* BINPUT */ 0x71:
          this.memoPut(this.u8(), stack[this.topIndex()]);
          break;
        case /* LONG_BINPUT */ 0x72:
          this.memoPut(this.u32(), stack[this.topIndex()]);
          break;
        case /* PUT */ 0x70: {
          const [s, e] = this.line();
          this.memoPut(this.parseIndex(this.latin1(s, e), 'PUT'), stack[this.topIndex()]);
          break;
        }
        case /* BINGET */ 0x68:
          stack.push(this.memoGet(this.u8()));
          break;
        case /* LONG_BINGET */ 0x6a:
          stack.push(this.memoGet(this.u32()));
          break;
        case /* GET */ 0x67: {
          const [s, e] = this.line();
          stack.push(this.memoGet(this.parseIndex(this.latin1(s, e), 'GET')));
          break;
        }

        // -- globals and objects --
        case /* GLOBAL */ 0x63: {
          const module = this.lineText();
          const name = this.lineText();
          stack.push(this.resolveGlobal(module, name));
          break;
        }
        case /* STACK_GLOBAL */ 0x93: {
          const name = this.pop();
          const module = this.pop();
          if (typeof name !== 'string' || typeof module !== 'string') {
            this.fail(
              `STACK_GLOBAL requires str operands, got ${pyTypeName(module)} and ${pyTypeName(name)}`,
            );
          }
          stack.push(this.resolveGlobal(module, name));
          break;
        }
        case /* REDUCE */ 0x52: {
          const args = this.tupleArg(this.pop(), 'REDUCE');
          const i = this.topIndex();
          stack[i] = this.invoke(this.callable(stack[i], 'REDUCE'), 'call', args, NO_KWARGS);
          break;
        }
        case /* NEWOBJ */ 0x81: {
          const args = this.tupleArg(this.pop(), 'NEWOBJ');
          const cls = this.callable(this.pop(), 'NEWOBJ');
          stack.push(this.invoke(cls, 'create', args, NO_KWARGS));
          break;
        }
        case /* NEWOBJ_EX */ 0x92: {
          const kwargs = this.kwargs(this.pop());
          const args = this.tupleArg(this.pop(), 'NEWOBJ_EX');
          const cls = this.callable(this.pop(), 'NEWOBJ_EX');
          stack.push(this.invoke(cls, 'create', args, kwargs));
          break;
        }
        case /* INST */ 0x69: {
          const module = this.lineText();
          const name = this.lineText();
          const cls = this.resolveGlobal(module, name);
          stack.push(this.instantiate(cls, this.popMark()));
          break;
        }
        case /* OBJ */ 0x6f: {
          const args = this.popMark();
          if (args.length === 0) this.fail('OBJ needs a class');
          const cls = args.shift();
          stack.push(this.instantiate(cls, args));
          break;
        }
        case /* BUILD */ 0x62:
          this.build();
          break;
        case /* PERSID */ 0x50: {
          const [s, e] = this.line();
          throw new UnsafePickleError(
            `persistent id ${show(this.latin1(s, e))} is not supported (at byte ${this.opPos}): persistent ids load objects from outside the pickle`,
          );
        }
        case /* BINPERSID */ 0x51:
          this.pop();
          throw new UnsafePickleError(
            `BINPERSID is not supported (at byte ${this.opPos}): persistent ids load objects from outside the pickle`,
          );
        case /* EXT1 */ 0x82:
        case /* EXT2 */ 0x83:
        case /* EXT4 */ 0x84: {
          const ext = code === 0x82 ? this.u8() : code === 0x83 ? this.u16() : this.i32();
          throw new UnsafePickleError(
            `extension code ${ext} is not supported (at byte ${this.opPos}): the copyreg extension registry names arbitrary globals`,
          );
        }
        default:
          this.fail(`invalid load key, 0x${code.toString(16).padStart(2, '0')}`);
      }
    }
  }

  // ---- after STOP: limits over the whole value, swapped references, frozen tuples ----

  private finish(rootIn: unknown): unknown {
    const root = this.resolve(rootIn);
    if (typeof root !== 'object' || root === null) return root;
    this.checkLeaf(root);
    if (!isContainer(root)) return root;
    if (!this.shared && this.replaced === null) return this.finishTree(root);
    const { maxDepth, maxNodes } = this.limits;
    const height = new Map<object, number>();
    const size = new Map<object, number>();
    interface Frame {
      node: object;
      kids: readonly unknown[];
      i: number;
      h: number;
      n: number;
    }
    const frames: Frame[] = [];
    const enter = (node: object): void => {
      const kids = this.children(node);
      if (kids === null) {
        height.set(node, 0);
        size.set(node, 1);
        return;
      }
      if (frames.length >= maxDepth) this.limit('maxDepth', `nests containers more than ${maxDepth} deep`);
      height.set(node, -1);
      frames.push({ node, kids, i: 0, h: 0, n: 1 });
    };
    enter(root);
    while (frames.length > 0) {
      const f = frames[frames.length - 1] as Frame;
      if (f.i < f.kids.length) {
        const kid = f.kids[f.i++];
        if (typeof kid !== 'object' || kid === null) {
          f.n++;
        } else {
          const h = height.get(kid);
          if (h === undefined) {
            this.checkLeaf(kid);
            enter(kid);
            if (frames[frames.length - 1] !== f) continue;
            f.n += size.get(kid) as number;
            f.h = Math.max(f.h, height.get(kid) as number);
          } else if (h < 0) {
            f.n++; // a reference back to an enclosing container (a cycle)
          } else {
            f.n += size.get(kid) as number;
            f.h = Math.max(f.h, h);
          }
        }
        if (f.n > maxNodes) this.limit('maxNodes', `holds more than ${maxNodes} values`);
        continue;
      }
      frames.pop();
      const h = f.h + 1;
      if (h > maxDepth) this.limit('maxDepth', `nests containers more than ${maxDepth} deep`);
      height.set(f.node, h);
      size.set(f.node, f.n);
      if (f.node instanceof PyTuple && !Object.isFrozen(f.node)) Object.freeze(f.node);
      const parent = frames[frames.length - 1];
      if (parent) {
        parent.n += f.n;
        parent.h = Math.max(parent.h, h);
        if (parent.n > maxNodes) this.limit('maxNodes', `holds more than ${maxNodes} values`);
      }
    }
    return root;
  }

  /** `finish` for a value where no container is reachable twice: no cycles, no sharing, no fix-ups. */
  private finishTree(root: object): unknown {
    const { maxDepth, maxNodes } = this.limits;
    const nodes: object[] = [root];
    const depths: number[] = [1];
    let count = 1;
    while (nodes.length > 0) {
      const node = nodes.pop() as object;
      const depth = depths.pop() as number;
      let kids: readonly unknown[];
      if (Array.isArray(node)) {
        kids = node;
        if (node instanceof PyTuple && !Object.isFrozen(node)) Object.freeze(node);
      } else if (isDict(node)) {
        const values: unknown[] = [];
        for (const k in node) values.push(node[k]);
        kids = values;
        this.checkLength(kids.length);
      } else if (node instanceof Map) {
        kids = [...node.keys(), ...node.values()];
      } else {
        kids = [...(node as Set<unknown>)];
      }
      count += kids.length;
      if (count > maxNodes) this.limit('maxNodes', `holds more than ${maxNodes} values`);
      for (let i = 0; i < kids.length; i++) {
        const kid = kids[i];
        if (typeof kid !== 'object' || kid === null) continue;
        if (Array.isArray(kid) || isDict(kid) || kid instanceof Map || kid instanceof Set) {
          if (depth >= maxDepth) this.limit('maxDepth', `nests containers more than ${maxDepth} deep`);
          nodes.push(kid);
          depths.push(depth + 1);
        } else if (kid instanceof GlobalRef || kid instanceof Incomplete) {
          this.checkLeaf(kid);
        }
      }
    }
    return root;
  }

  private checkLeaf(v: object): void {
    if (v instanceof GlobalRef) {
      throw new UnsafePickleError(
        `global ${show(v.name)} appears as a value: a class or function by itself is not data (at byte ${this.opPos})`,
        { global: v.name },
      );
    }
    if (v instanceof Incomplete) this.fail(`a ${v.name} object never received its state (BUILD)`);
  }

  /** The values inside a container (with swapped references fixed in place), or null for a leaf. */
  private children(node: object): readonly unknown[] | null {
    const fix = this.replaced !== null;
    if (Array.isArray(node)) {
      this.checkLength(node.length);
      if (fix) for (let i = 0; i < node.length; i++) node[i] = this.resolve(node[i]);
      return node;
    }
    if (node instanceof Map) {
      this.checkLength(node.size);
      const out: unknown[] = [];
      for (const [k, v] of node) {
        const r = fix ? this.resolve(v) : v;
        if (r !== v) node.set(k, r);
        out.push(k, r);
      }
      return out;
    }
    if (node instanceof Set) {
      this.checkLength(node.size);
      return [...node];
    }
    if (isDict(node)) {
      const keys = Object.keys(node);
      this.checkLength(keys.length);
      const out = new Array<unknown>(keys.length);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        const v = node[k];
        const r = fix ? this.resolve(v) : v;
        if (r !== v) node[k] = r;
        out[i] = r;
      }
      return out;
    }
    return null;
  }
}

/** `a.length = n`, but popping: V8 runs the length setter out of line, which costs more for a few items. */
function truncate(a: unknown[], n: number): void {
  if (a.length - n > 16) a.length = n;
  else while (a.length > n) a.pop();
}

function toInt(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

export function readPickle(data: Uint8Array, opts: ReadOptions): unknown {
  if (!(data instanceof Uint8Array)) {
    throw new UnpicklingError(
      `pickle data must be a Uint8Array, got ${data === null ? 'null' : typeof data}`,
    );
  }
  return new Reader(data, opts).run();
}
