/**
 * A JSON description of a Python value ("tagged"), built into a real Python value by harness.py and into the
 * matching JS value here, plus fast-check arbitraries that generate them.
 */
import fc from 'fast-check';
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
  tuple,
} from '../../src/index.js';

export interface TzTag {
  o: [number, number, number];
  n: string | null;
}

export type Tagged =
  | { t: 'none' }
  | { t: 'bool'; v: boolean }
  | { t: 'int' | 'float' | 'str' | 'bytes' | 'bytearray' | 'decimal' | 'uuid'; v: string }
  | { t: 'list' | 'tuple' | 'set' | 'frozenset'; v: Tagged[] }
  | { t: 'dict' | 'odict'; v: [Tagged, Tagged][] }
  | { t: 'datetime'; v: number[]; tz: TzTag | null }
  | { t: 'time'; v: number[]; tz: TzTag | null }
  | { t: 'date' | 'timedelta'; v: number[] }
  | { t: 'timezone'; o: [number, number, number]; n: string | null }
  | { t: 'complex'; v: [string, string] };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

function tz(t: TzTag | null): PyTimezone | null {
  if (t === null) return null;
  if (t.n === null && t.o.every((x) => x === 0)) return PyTimezone.utc;
  return new PyTimezone(new PyTimedelta(...t.o), t.n);
}

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The JS value the serializer should produce for `t` (`exact`: integral floats as PyFloat). */
export function fromTagged(t: Tagged, exact: boolean): unknown {
  const go = (x: Tagged): unknown => fromTagged(x, exact);
  switch (t.t) {
    case 'none':
      return null;
    case 'bool':
      return t.v;
    case 'int': {
      const n = BigInt(t.v);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
    case 'float': {
      const n = Number(t.v);
      return exact && Number.isInteger(n) ? new PyFloat(n) : n;
    }
    case 'str':
      return t.v;
    case 'bytes':
      return fromHex(t.v);
    case 'bytearray':
      return new PyByteArray(fromHex(t.v));
    case 'decimal':
      return new PyDecimal(t.v);
    case 'uuid':
      return new PyUUID(t.v);
    case 'list':
      return t.v.map(go);
    case 'tuple':
      return tuple(...t.v.map(go));
    case 'set':
      return new Set(t.v.map(go));
    case 'frozenset':
      return new PyFrozenSet(t.v.map(go));
    case 'dict': {
      if (t.v.every(([k]) => k.t === 'str')) {
        const o: Record<string, unknown> = {};
        for (const [k, v] of t.v) setKey(o, (k as { v: string }).v, go(v));
        return o;
      }
      return new Map(t.v.map(([k, v]) => [go(k), go(v)]));
    }
    case 'odict':
      return new PyOrderedDict(t.v.map(([k, v]) => [go(k), go(v)]));
    case 'datetime': {
      const [y, mo, d, h, mi, s, us] = t.v as [number, number, number, number, number, number, number];
      return new PyDatetime(y, mo, d, h, mi, s, us, tz(t.tz));
    }
    case 'date': {
      const [y, mo, d] = t.v as [number, number, number];
      return new PyDate(y, mo, d);
    }
    case 'time': {
      const [h, mi, s, us] = t.v as [number, number, number, number];
      return new PyTime(h, mi, s, us, tz(t.tz));
    }
    case 'timedelta': {
      const [d, s, us] = t.v as [number, number, number];
      return new PyTimedelta(d, s, us);
    }
    case 'timezone':
      return tz({ o: t.o, n: t.n });
    case 'complex':
      return new PyComplex(Number(t.v[0]), Number(t.v[1]));
  }
}

export const floatText = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));

const intArb: fc.Arbitrary<Tagged> = fc
  .oneof(
    { weight: 4, arbitrary: fc.integer({ min: -300, max: 70_000 }) },
    { weight: 2, arbitrary: fc.integer() },
    { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 2100n), max: 2n ** 2100n }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        0,
        255,
        256,
        65535,
        65536,
        2 ** 31 - 1,
        2 ** 31,
        -(2 ** 31),
        -(2 ** 31) - 1,
        2 ** 53 - 1,
        -(2 ** 53) + 1,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(2n ** 53n, -(2n ** 53n), 2n ** 64n, -(2n ** 63n), -128n, -129n, -256n),
    },
  )
  .map((v) => ({ t: 'int', v: String(v) }));

const floatArb: fc.Arbitrary<Tagged> = fc
  .oneof(
    { weight: 4, arbitrary: fc.double() },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        0,
        -0,
        1,
        -1,
        2,
        1.5,
        0.1,
        1e300,
        2 ** 53,
        2 ** 60,
        Number.NaN,
        Infinity,
        -Infinity,
        5e-324,
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  )
  .map((v) => ({ t: 'float', v: floatText(v) }));

const loneSurrogates = fc
  .array(fc.oneof(fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0, max: 0xffff })), {
    maxLength: 12,
  })
  .map((codes) => String.fromCharCode(...codes));

const strText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: loneSurrogates },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 80, maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      '',
      'a\nb\\c\u0000\r\u001a',
      '\ufeffbom',
      'é',
      '😀',
    ),
  },
);
const strArb: fc.Arbitrary<Tagged> = strText.map((v) => ({ t: 'str', v }));

const bytesArb = (t: 'bytes' | 'bytearray'): fc.Arbitrary<Tagged> =>
  fc
    .oneof(
      { weight: 4, arbitrary: fc.uint8Array({ maxLength: 40 }) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 250, maxLength: 600 }) },
    )
    .map((b) => ({ t, v: hex(b) }));

const tzArb: fc.Arbitrary<TzTag | null> = fc.oneof(
  fc.constant(null),
  fc.constant({ o: [0, 0, 0] as [number, number, number], n: null }),
  fc.record({
    o: fc.tuple(
      fc.constant(0),
      fc.integer({ min: -86399, max: 86399 }),
      fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999 })),
    ),
    n: fc.oneof(fc.constant(null), fc.string({ maxLength: 8 })),
  }),
);

const dateParts = fc.tuple(
  fc.integer({ min: 1, max: 9999 }),
  fc.integer({ min: 1, max: 12 }),
  fc.integer({ min: 1, max: 28 }),
);
const timeParts = fc.tuple(
  fc.integer({ min: 0, max: 23 }),
  fc.integer({ min: 0, max: 59 }),
  fc.integer({ min: 0, max: 59 }),
  fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999 })),
);

const datetimeArb: fc.Arbitrary<Tagged> = fc
  .tuple(dateParts, timeParts, tzArb)
  .map(([d, t, z]) => ({ t: 'datetime', v: [...d, ...t], tz: z }));
const dateArb: fc.Arbitrary<Tagged> = dateParts.map((v) => ({ t: 'date', v }));
const timeArb: fc.Arbitrary<Tagged> = fc.tuple(timeParts, tzArb).map(([v, z]) => ({ t: 'time', v, tz: z }));
const timedeltaArb: fc.Arbitrary<Tagged> = fc
  .tuple(
    fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -999_999_999, max: 999_999_999 })),
    fc.integer({ min: 0, max: 86399 }),
    fc.integer({ min: 0, max: 999_999 }),
  )
  .map((v) => ({ t: 'timedelta', v }));
const timezoneArb: fc.Arbitrary<Tagged> = tzArb
  .filter((z): z is TzTag => z !== null)
  .map((z) => ({ t: 'timezone', o: z.o, n: z.n }));

// Only forms that are already Python's str(Decimal(...)), so both sides agree on the digits.
const decimalArb: fc.Arbitrary<Tagged> = fc
  .oneof(
    fc
      .tuple(
        fc.boolean(),
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }),
      )
      .map(([neg, i, frac]) => `${neg ? '-' : ''}${i}${frac === undefined ? '' : `.${frac}`}`),
    fc.constantFrom(
      'NaN',
      '-NaN',
      'sNaN',
      'NaN123',
      'Infinity',
      '-Infinity',
      '-0',
      '0E-8',
      '1E+5',
      '1.23E-10',
      '1.10',
    ),
  )
  .map((v) => ({ t: 'decimal', v }));

const uuidArb: fc.Arbitrary<Tagged> = fc
  .bigInt({ min: 0n, max: 2n ** 128n - 1n })
  .map((n) => ({ t: 'uuid', v: n.toString(16).padStart(32, '0') }));
const complexArb: fc.Arbitrary<Tagged> = fc
  .tuple(fc.double(), fc.double())
  .map(([a, b]) => ({ t: 'complex', v: [floatText(a), floatText(b)] }));

/** Values Python can use as dict keys and set members, never equal across types (no bools, no integral floats). */
export const hashableArb: fc.Arbitrary<Tagged> = fc.letrec<{ h: Tagged }>((tie) => ({
  h: fc.oneof(
    { weight: 6, arbitrary: strArb },
    { weight: 3, arbitrary: intArb },
    {
      weight: 1,
      arbitrary: fc
        .double({ noNaN: true, noDefaultInfinity: true })
        .filter((x) => !Number.isInteger(x))
        .map((x): Tagged => ({ t: 'float', v: floatText(x) })),
    },
    { weight: 1, arbitrary: bytesArb('bytes') },
    { weight: 1, arbitrary: fc.constant<Tagged>({ t: 'none' }) },
    { weight: 1, arbitrary: uuidArb },
    { weight: 1, arbitrary: dateArb },
    { weight: 1, arbitrary: fc.array(tie('h'), { maxLength: 3 }).map((v): Tagged => ({ t: 'tuple', v })) },
  ),
})).h;

const key = (t: Tagged): string => JSON.stringify(t);

export const leafArb: fc.Arbitrary<Tagged> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Tagged>({ t: 'none' }) },
  { weight: 2, arbitrary: fc.boolean().map((v): Tagged => ({ t: 'bool', v })) },
  { weight: 5, arbitrary: intArb },
  { weight: 4, arbitrary: floatArb },
  { weight: 6, arbitrary: strArb },
  { weight: 2, arbitrary: bytesArb('bytes') },
  { weight: 1, arbitrary: bytesArb('bytearray') },
  { weight: 2, arbitrary: datetimeArb },
  { weight: 1, arbitrary: dateArb },
  { weight: 1, arbitrary: timeArb },
  { weight: 1, arbitrary: timedeltaArb },
  { weight: 1, arbitrary: timezoneArb },
  { weight: 2, arbitrary: decimalArb },
  { weight: 1, arbitrary: uuidArb },
  { weight: 1, arbitrary: complexArb },
);

export const valueArb: fc.Arbitrary<Tagged> = fc.letrec<{ v: Tagged }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: leafArb },
    { weight: 1, arbitrary: fc.array(tie('v'), { maxLength: 6 }).map((v): Tagged => ({ t: 'list', v })) },
    { weight: 1, arbitrary: fc.array(tie('v'), { maxLength: 5 }).map((v): Tagged => ({ t: 'tuple', v })) },
    {
      weight: 2,
      arbitrary: fc
        .uniqueArray(fc.tuple(strArb, tie('v')), { maxLength: 6, selector: ([k]) => key(k) })
        .map((v): Tagged => ({ t: 'dict', v })),
    },
    {
      weight: 1,
      arbitrary: fc
        .uniqueArray(fc.tuple(hashableArb, tie('v')), { maxLength: 5, selector: ([k]) => key(k) })
        .map((v): Tagged => ({ t: 'dict', v })),
    },
    {
      weight: 1,
      arbitrary: fc
        .uniqueArray(fc.tuple(hashableArb, tie('v')), { maxLength: 4, selector: ([k]) => key(k) })
        .map((v): Tagged => ({ t: 'odict', v })),
    },
    {
      weight: 1,
      arbitrary: fc
        .uniqueArray(hashableArb, { maxLength: 5, selector: key })
        .map((v): Tagged => ({ t: 'set', v })),
    },
    {
      weight: 1,
      arbitrary: fc
        .uniqueArray(hashableArb, { maxLength: 5, selector: key })
        .map((v): Tagged => ({ t: 'frozenset', v })),
    },
  ),
})).v;
