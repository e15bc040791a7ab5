import { PyByteArray, PyFrozenSet, PyTuple } from './types.js';

/** Python's type name for a JS value, for messages. */
export function pyTypeName(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 'str';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'boolean':
      return 'bool';
    case 'undefined':
      return 'undefined';
    case 'object': {
      if (v === null) return 'NoneType';
      if (v instanceof PyTuple) return 'tuple';
      if (Array.isArray(v)) return 'list';
      if (v instanceof PyByteArray) return 'bytearray';
      if (v instanceof Uint8Array) return 'bytes';
      if (v instanceof Map) return 'dict';
      if (v instanceof Set) return v instanceof PyFrozenSet ? 'frozenset' : 'set';
      const proto = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) return 'dict';
      return (v as { constructor?: { name?: string } }).constructor?.name ?? 'object';
    }
    default:
      return typeof v;
  }
}

/**
 * The Python type name of the first unhashable part of `v` (a list, dict, set or bytearray, possibly inside
 * tuples), or undefined when Python could use `v` as a dict key or set member. Iterative, so a deeply nested
 * tuple cannot overflow the JS stack.
 */
export function unhashable(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const todo: unknown[] = [v];
  while (todo.length > 0) {
    const x = todo.pop();
    if (typeof x !== 'object' || x === null) continue;
    if (x instanceof PyTuple) {
      for (let i = 0; i < x.length; i++) todo.push(x[i]);
      continue;
    }
    if (Array.isArray(x)) return 'list';
    if (x instanceof PyByteArray) return 'bytearray';
    if (x instanceof Map) return 'dict';
    if (x instanceof Set) {
      if (!(x instanceof PyFrozenSet)) return 'set';
      continue;
    }
    const proto = Object.getPrototypeOf(x);
    if (proto === Object.prototype || proto === null) return 'dict';
  }
  return undefined;
}
