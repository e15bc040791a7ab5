/** Hand-assembles pickle streams: numbers are single bytes, strings are latin-1 bytes. */
export type Part = number | string | Uint8Array | readonly number[];

export function pk(...parts: Part[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') for (let i = 0; i < p.length; i++) out.push(p.charCodeAt(i) & 0xff);
    else for (const b of p) out.push(b);
  }
  return Uint8Array.from(out);
}

export const u16 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
export const u32 = (n: number): number[] => [
  n & 0xff,
  (n >>> 8) & 0xff,
  (n >>> 16) & 0xff,
  (n >>> 24) & 0xff,
];
export const u64 = (n: bigint): number[] =>
  Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));

/** SHORT_BINUNICODE of an ASCII string. */
export const str = (s: string): Part[] => [0x8c, s.length, s];
/** Protocol 4 `module.name` via STACK_GLOBAL. */
export const stackGlobal = (module: string, name: string): Part[] => [...str(module), ...str(name), 0x93];

/** Joins many copies of a part list (for bombs). */
export function repeat(parts: Part[], n: number): Uint8Array {
  const one = pk(...parts);
  const out = new Uint8Array(one.length * n);
  for (let i = 0; i < n; i++) out.set(one, i * one.length);
  return out;
}

export function concat(...chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
