/**
 * The public surface: options and their validation, key paths in write errors, extending the allowlist with
 * your own mapping (checked against CPython), and use as the serializer of a `Sessions`.
 */
import {
  ImproperlyConfigured,
  SerializationError,
  SessError,
  type SessionData,
  type SessionEngine,
  Sessions,
} from '@sess/core';
import { describe, expect, it } from 'vitest';
import {
  createPickleSerializer,
  DEFAULT_ALLOWLIST,
  DEFAULT_LIMITS,
  PyDatetime,
  PyDecimal,
  type PyGlobal,
  PyTimezone,
  pickleSerializer,
  tuple,
  UnsafePickleError,
} from '../src/index.js';
import { pyLoad, pyPickles } from './support/python.js';

function writeError(value: unknown, s = pickleSerializer): SerializationError {
  try {
    s.dumps(value);
  } catch (e) {
    expect(e).toBeInstanceOf(SerializationError);
    expect(e).toBeInstanceOf(SessError);
    return e as SerializationError;
  }
  throw new Error('dumps() succeeded');
}

describe('write errors name the key path', () => {
  class Cart {}
  it.each([
    ['a function', { cart: { items: [1, 2, () => 1] } }, 'cart.items[2]', /a function/],
    ['undefined', { a: undefined }, 'a', /undefined/],
    ['a symbol', { s: Symbol('x') }, 's', /a symbol/],
    ['a class instance', { cart: new Cart() }, 'cart', /a Cart instance/],
    ['a hole in an array', { list: new Array(3).fill(1, 0, 1).fill(3, 2) }, 'list[1]', /undefined/],
    ['a key that is not an identifier', { 'weird key': { x: undefined } }, '["weird key"].x', /undefined/],
    ['an unhashable Map key', { m: new Map([[[1], 'x']]) }, 'm[<list key>]', /unhashable list as a dict key/],
    ['a value under a Map key', new Map<unknown, unknown>([[7, { f: () => 0 }]]), '[7].f', /a function/],
    ['an unhashable set item', { tags: new Set([[1]]) }, 'tags[<set item 0>]', /unhashable list in a set/],
    ['an invalid Date', { at: new Date(Number.NaN) }, 'at', /invalid Date/],
    ['inside a tuple', { t: tuple(1, undefined) }, 't[1]', /undefined/],
    ['the root', undefined, '(root)', /undefined/],
    ['a bigint in a nested list', { a: [[1n, Symbol.iterator]] }, 'a[0][1]', /symbol/],
  ])('%s', (_name, value, path, message) => {
    const e = writeError(value);
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
    expect(e.message).toContain(`at ${path}`);
  });

  it('nesting deeper than limits.maxDepth', () => {
    let deep: unknown[] = [];
    const root = deep;
    for (let i = 0; i < 1500; i++) {
      const next: unknown[] = [];
      deep.push(next);
      deep = next;
    }
    expect(writeError(root).message).toMatch(/limits\.maxDepth \(1000\)/);
    expect(createPickleSerializer({ limits: { maxDepth: 2000 } }).dumps(root).length).toBeGreaterThan(1500);
  });

  it('every protocol refuses the same things', () => {
    for (const protocol of [2, 3, 4, 5] as const) {
      expect(writeError({ x: [() => 0] }, createPickleSerializer({ protocol })).path).toBe('x[0]');
    }
  });
});

describe('options', () => {
  it('rejects bad settings at creation, naming them', () => {
    const bad: [unknown, RegExp][] = [
      [{ protocol: 1 }, /^protocol:/],
      [{ protocol: '5' }, /^protocol:/],
      [{ limits: { maxDepth: 0 } }, /^limits\.maxDepth:/],
      [{ limits: { maxDepht: 10 } }, /^limits\.maxDepht: unknown limit/],
      [{ limits: 5 }, /^limits:/],
      [{ allow: { os: { call: () => 0 } } }, /^allow\["os"\]/],
      [{ allow: { 'my.Thing': { call: 'nope' } } }, /^allow\["my\.Thing"\]/],
      [{ allow: { 'my.Thing': {} } }, /^allow\["my\.Thing"\]/],
      [{ integralFloats: 'float' }, /^integralFloats:/],
      [{ encoding: 'utf8' }, /^encoding:/],
      [{ reduce: 1 }, /^reduce:/],
    ];
    for (const [options, message] of bad) {
      expect(() => createPickleSerializer(options as never)).toThrow(ImproperlyConfigured);
      expect(() => createPickleSerializer(options as never)).toThrow(message);
    }
  });

  it('exposes its protocol and limits', () => {
    expect(pickleSerializer.protocol).toBe(5);
    expect(pickleSerializer.limits).toEqual(DEFAULT_LIMITS);
    const s = createPickleSerializer({ protocol: 2, limits: { maxDepth: 50 } });
    expect(s.protocol).toBe(2);
    expect(s.limits.maxDepth).toBe(50);
    expect(s.limits.maxMemo).toBe(DEFAULT_LIMITS.maxMemo);
    expect(Object.isFrozen(DEFAULT_ALLOWLIST)).toBe(true);
    expect(s.dumps(null)).toEqual(Uint8Array.of(0x80, 2, 0x4e, 0x2e));
    expect(pickleSerializer.dumps(null)).toEqual(Uint8Array.of(0x80, 5, 0x4e, 0x2e));
  });
});

describe('extending the allowlist', () => {
  // fractions.Fraction(1, 3) pickles as a REDUCE of the global with (1, 3): map it to a class of our own.
  class Fraction {
    constructor(
      readonly numerator: bigint,
      readonly denominator: bigint,
    ) {}
  }
  const fraction: PyGlobal = {
    call([n, d = 1]) {
      const isInt = (x: unknown): x is number | bigint => typeof x === 'bigint' || Number.isInteger(x);
      if (!isInt(n) || !isInt(d)) throw new TypeError('expected Fraction(numerator, denominator)');
      return new Fraction(BigInt(n), BigInt(d));
    },
  };
  const s = createPickleSerializer({
    allow: { 'fractions.Fraction': fraction },
    reduce: (v) =>
      v instanceof Fraction
        ? { module: 'fractions', name: 'Fraction', args: [v.numerator, v.denominator] }
        : undefined,
  });

  it('reads and writes a type of your own, both ways through CPython', () => {
    const pickles = pyPickles(
      [0, 2, 5].map((protocol) => ({ expr: "{'share': __import__('fractions').Fraction(1, 3)}", protocol })),
    );
    for (const data of pickles) {
      expect(s.loads(data)).toEqual({ share: new Fraction(1n, 3n) });
      expect(() => pickleSerializer.loads(data)).toThrow(UnsafePickleError);
    }
    const [r] = pyLoad([
      {
        pickle: s.dumps({ share: new Fraction(2n, 7n) }),
        expr: "v == {'share': __import__('fractions').Fraction(2, 7)}",
      },
    ]);
    expect(r?.check).toBe(true);
  });

  it('a misused mapping is an UnsafePickleError naming the global', () => {
    const [data] = pyPickles([{ expr: "__import__('fractions').Fraction(1, 3)", protocol: 5 }]);
    const other = createPickleSerializer({ allow: { 'fractions.Fraction': { create: () => 0 } } });
    expect(() => other.loads(data!)).toThrow(/fractions\.Fraction cannot be called/);
    const e = (() => {
      try {
        createPickleSerializer({
          allow: {
            'fractions.Fraction': {
              call: () => {
                throw new TypeError('nope');
              },
            },
          },
        }).loads(data!);
      } catch (err) {
        return err as UnsafePickleError;
      }
    })();
    expect(e).toBeInstanceOf(UnsafePickleError);
    expect(e?.global).toBe('fractions.Fraction');
  });
});

/** A minimal store that keeps the serializer's bytes, as the cache engine does. */
function bytesEngine(): SessionEngine & { store: Map<string, Uint8Array> } {
  const store = new Map<string, Uint8Array>();
  return {
    name: 'test:bytes',
    capabilities: { clearExpired: false },
    store,
    async load(key, ctx) {
      const b = store.get(key);
      return b === undefined ? null : ctx.codec.deserialize(b);
    },
    async exists(key) {
      return store.has(key);
    },
    async save(key, data: SessionData, { mustCreate }, ctx) {
      if (mustCreate && store.has(key)) throw new (await import('@sess/core')).CreateError('exists');
      store.set(key, ctx.codec.serialize(data));
      return undefined;
    },
    async destroy(key) {
      store.delete(key);
    },
    async clearExpired() {
      return 0;
    },
  };
}

describe('as the serializer of Sessions', () => {
  it('stores rich values and reads them back', async () => {
    const engine = bytesEngine();
    const sessions = new Sessions({
      engine,
      secretKey: 'a-long-random-secret-for-tests-only',
      serializer: pickleSerializer,
    });
    const s = sessions.open();
    const when = new PyDatetime(2024, 6, 11, 9, 30, 0, 123456, PyTimezone.utc);
    s.set('cart', { total: new PyDecimal('19.99'), items: [tuple<unknown>('sku-1', 2)] });
    s.set('seen', when);
    await s.save();
    const key = s.sessionKey!;
    const stored = engine.store.get(key)!;
    expect(stored[0]).toBe(0x80);
    const [r] = pyLoad([
      {
        pickle: stored,
        expr: "v['cart'] == {'total': decimal.Decimal('19.99'), 'items': [('sku-1', 2)]} and v['seen'].microsecond == 123456",
      },
    ]);
    expect(r?.check).toBe(true);
    const again = await sessions.open(key).load();
    expect(again.get('seen')).toEqual(when);
    expect(again.get('cart')).toEqual({ total: new PyDecimal('19.99'), items: [tuple<unknown>('sku-1', 2)] });
  });

  it('a hostile stored value loads as an empty session', async () => {
    const engine = bytesEngine();
    const warnings: string[] = [];
    const sessions = new Sessions({
      engine,
      secretKey: 'a-long-random-secret-for-tests-only',
      serializer: pickleSerializer,
      logger: { warn: (m: string) => warnings.push(m), error: () => {} },
    });
    const key = 'abcdefgh12345678abcdefgh12345678';
    engine.store.set(key, Uint8Array.from(Buffer.from('cos\nsystem\n(Vtouch /tmp/pwned\ntR.', 'latin1')));
    const s = await sessions.open(key).load();
    expect(s.keys()).toEqual([]);
    expect(warnings.length).toBeGreaterThan(0);
  });
});
