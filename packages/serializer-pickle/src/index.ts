/**
 * `@sess/serializer-pickle`: Python pickle for sess, read and written in TypeScript. Reading resolves
 * globals only through an allowlist of plain-data mappings, so a pickle can never run code.
 */
import { ImproperlyConfigured, type Serializer } from '@sess/core';
import { DEFAULT_ALLOWLIST, type PyGlobal } from './allowlist.js';
import { type PickleLimits, resolveLimits } from './limits.js';
import { readPickle } from './reader.js';
import { type Reducer, Writer } from './writer.js';

export type { PyGlobal, UnpickleContext } from './allowlist.js';
export { DEFAULT_ALLOWLIST } from './allowlist.js';
export {
  PickleLimitError,
  UnpicklingError,
  UnsafePickleError,
  type UnsafePickleErrorOptions,
} from './errors.js';
export { DEFAULT_LIMITS, type PickleLimits } from './limits.js';
export {
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
  tuple,
  tupleFrom,
} from './types.js';
export type { PickleReduction, Reducer } from './writer.js';

export interface PickleSerializerOptions {
  /** Protocol written by `dumps`: 2 to 5 (default 5, what Django's cache backends write). Reading takes 0-5. */
  protocol?: 2 | 3 | 4 | 5;
  /**
   * Extra globals a pickle may name, keyed `module.qualname` (e.g. `myapp.money.Money`), each mapped to
   * TypeScript that builds the value. `false` removes a default entry.
   */
  allow?: Readonly<Record<string, PyGlobal | false>>;
  /** Limits against oversized and hostile pickles; unset ones keep their defaults (`DEFAULT_LIMITS`). */
  limits?: Partial<PickleLimits>;
  /** Writes values of your own classes: return how Python should rebuild one, or undefined to refuse it. */
  reduce?: Reducer;
  /**
   * How a Python float with an integral value (`1.0`) is read: as a JS `number` (default; it writes back as
   * the int `1`, which Python compares equal) or as a `PyFloat` (writes back as `1.0`, type kept).
   */
  integralFloats?: 'number' | 'PyFloat';
  /**
   * How a Python 2 `str` in a protocol 0-2 pickle decodes, as Python's `Unpickler(encoding=...)`:
   * `'ascii'` (default, Python's), `'latin1'` (needed for Python 2 datetimes) or `'bytes'`.
   */
  encoding?: 'ascii' | 'latin1' | 'bytes';
}

export interface PickleSerializer extends Serializer {
  /** The protocol `dumps` writes. */
  readonly protocol: 2 | 3 | 4 | 5;
  /** The effective limits. */
  readonly limits: Readonly<PickleLimits>;
}

const MODULE_NAME = /^[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*$/;

function resolveAllow(allow: PickleSerializerOptions['allow']): ReadonlyMap<string, PyGlobal> {
  const out = new Map<string, PyGlobal>(Object.entries(DEFAULT_ALLOWLIST));
  if (allow === undefined) return out;
  if (typeof allow !== 'object' || allow === null) {
    throw new ImproperlyConfigured(
      "allow: must be an object mapping 'module.qualname' to { call, create, setState }",
    );
  }
  for (const [key, entry] of Object.entries(allow)) {
    if (!MODULE_NAME.test(key) || !key.includes('.')) {
      throw new ImproperlyConfigured(
        `allow[${JSON.stringify(key)}]: keys are 'module.qualname', e.g. 'myapp.money.Money'`,
      );
    }
    if (entry === false) {
      out.delete(key);
      continue;
    }
    const fns = ['call', 'create', 'setState'] as const;
    if (
      typeof entry !== 'object' ||
      entry === null ||
      fns.every((f) => entry[f] === undefined) ||
      fns.some((f) => entry[f] !== undefined && typeof entry[f] !== 'function')
    ) {
      throw new ImproperlyConfigured(
        `allow[${JSON.stringify(key)}]: must be false or an object with call, create and/or setState functions`,
      );
    }
    out.set(key, entry);
  }
  return out;
}

/** A pickle serializer with its own protocol, allowlist and limits. */
export function createPickleSerializer(options: PickleSerializerOptions = {}): PickleSerializer {
  if (typeof options !== 'object' || options === null)
    throw new ImproperlyConfigured('options: must be an object');
  const { protocol = 5, integralFloats = 'number', encoding = 'ascii', reduce } = options;
  if (protocol !== 2 && protocol !== 3 && protocol !== 4 && protocol !== 5) {
    throw new ImproperlyConfigured(`protocol: must be 2, 3, 4 or 5, got ${String(protocol)}`);
  }
  if (integralFloats !== 'number' && integralFloats !== 'PyFloat') {
    throw new ImproperlyConfigured(
      `integralFloats: must be 'number' or 'PyFloat', got ${String(integralFloats)}`,
    );
  }
  if (encoding !== 'ascii' && encoding !== 'latin1' && encoding !== 'bytes') {
    throw new ImproperlyConfigured(`encoding: must be 'ascii', 'latin1' or 'bytes', got ${String(encoding)}`);
  }
  if (reduce !== undefined && typeof reduce !== 'function') {
    throw new ImproperlyConfigured(
      'reduce: must be a function (value) => { module, name, args } | undefined',
    );
  }
  const limits = resolveLimits(options.limits);
  const readOptions = { limits, allow: resolveAllow(options.allow), integralFloats, encoding };
  const writeOptions = { protocol, maxDepth: limits.maxDepth, reduce };
  const writer = new Writer(writeOptions);
  return Object.freeze({
    protocol,
    limits,
    dumps(value: unknown): Uint8Array {
      // A `reduce` callback may itself call dumps: give it a fresh writer.
      return (writer.busy ? new Writer(writeOptions) : writer).dumps(value);
    },
    loads(data: Uint8Array): unknown {
      return readPickle(data, readOptions);
    },
  });
}

/** Pickle protocol 5 with the default allowlist and limits. */
export const pickleSerializer: PickleSerializer = createPickleSerializer();
