import { ImproperlyConfigured } from '@sess/core';

/** Bounds on what one pickle may make the reader (and, for `maxDepth`, the writer) do. */
export interface PickleLimits {
  /** Size of the pickle in bytes. Also caps the bytes that constructors such as `bytearray(b)` copy. */
  maxInputBytes: number;
  /** How deeply containers may nest (lists, tuples, dicts, sets), reading and writing. */
  maxDepth: number;
  /** Memo entries, and one more than the largest memo index a PUT may use. */
  maxMemo: number;
  /** Items in one list, tuple, dict or set. */
  maxContainerLength: number;
  /**
   * Values in the result counted as a tree, so a value shared N times counts N times (this is what a
   * consumer that walks it, e.g. `JSON.stringify`, sees). Items copied by constructors count too.
   */
  maxNodes: number;
  /** Bytes of one integer (LONG1/LONG4 length, or the digits of a text INT/LONG). */
  maxIntegerBytes: number;
}

export const DEFAULT_LIMITS: Readonly<PickleLimits> = Object.freeze({
  maxInputBytes: 16 * 1024 * 1024,
  maxDepth: 1000,
  maxMemo: 1_000_000,
  maxContainerLength: 1_000_000,
  maxNodes: 2_000_000,
  maxIntegerBytes: 1024,
});

/** Defaults overlaid with `partial`; a bad value fails here, at start-up, naming the setting. */
export function resolveLimits(partial: Partial<PickleLimits> | undefined): Readonly<PickleLimits> {
  if (partial === undefined) return DEFAULT_LIMITS;
  if (typeof partial !== 'object' || partial === null) {
    throw new ImproperlyConfigured('limits: must be an object, e.g. { maxDepth: 200 }');
  }
  const out: PickleLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(partial)) {
    if (!Object.hasOwn(DEFAULT_LIMITS, key)) {
      throw new ImproperlyConfigured(
        `limits.${key}: unknown limit; known: ${Object.keys(DEFAULT_LIMITS).join(', ')}`,
      );
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new ImproperlyConfigured(`limits.${key}: must be a positive integer, got ${String(value)}`);
    }
    out[key as keyof PickleLimits] = value;
  }
  return Object.freeze(out);
}
