import { PyOrderedDict } from '../../src/index.js';

/**
 * Strict structural equality for the serializer's JS values: same prototypes, Object.is for primitives
 * (NaN equals NaN, -0 differs from 0), sets and plain dicts compared without regard to order, OrderedDict
 * with it. Returns null when equal, else the path of the first difference.
 */
export function difference(a: unknown, b: unknown, path = '$'): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return `${path}: ${describe(a)} !== ${describe(b)}`;
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    return `${path}: ${a.constructor?.name ?? 'null-prototype'} vs ${b.constructor?.name ?? 'null-prototype'}`;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]) ? null : `${path}: bytes differ`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    if (Object.isFrozen(a) !== Object.isFrozen(b))
      return `${path}: frozen ${Object.isFrozen(a)} vs ${Object.isFrozen(b)}`;
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return `${path}: size ${a.size} vs ${b.size}`;
    const ea = [...a];
    const eb = [...b];
    if (a instanceof PyOrderedDict) {
      for (let i = 0; i < ea.length; i++) {
        const d = difference(ea[i], eb[i], `${path}<${i}>`);
        if (d) return d;
      }
      return null;
    }
    for (const [k, v] of ea) {
      const match = eb.find(([k2]) => difference(k, k2) === null);
      if (!match) return `${path}: key ${describe(k)} missing`;
      const d = difference(v, match[1], `${path}[${describe(k)}]`);
      if (d) return d;
    }
    return null;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return `${path}: size ${a.size} vs ${b.size}`;
    const rest = [...b];
    for (const x of a) {
      const i = rest.findIndex((y) => difference(x, y) === null);
      if (i < 0) return `${path}: item ${describe(x)} missing`;
      rest.splice(i, 1);
    }
    return null;
  }
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.join('\0') !== kb.join('\0')) return `${path}: keys [${ka}] vs [${kb}]`;
  for (const k of ka) {
    const d = difference(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      `${path}.${k}`,
    );
    if (d) return d;
  }
  return null;
}

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'object' && v !== null) return v.constructor?.name ?? 'object';
  return String(v);
}
