import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's CPython, not the pyenv shim first on PATH: every round trip in these tests goes through it. */
export const PYTHON = '/usr/bin/python3';
const here = dirname(fileURLToPath(import.meta.url));
export const HARNESS = join(here, '..', 'python', 'harness.py');
export const HOSTILE = join(here, '..', 'python', 'hostile.py');

/** Runs a Python script with one JSON request on stdin and returns its JSON answer. */
export function python<T>(script: string, request: unknown, args: readonly string[] = []): T {
  if (!existsSync(PYTHON)) {
    throw new Error(
      `${PYTHON} is missing: these tests check pickles against CPython 3 (install it: apt-get install python3)`,
    );
  }
  const r = spawnSync(PYTHON, [script, ...args], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONHASHSEED: '0' },
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${script} exited with ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const unb64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** Evaluates trusted Python expressions (written in the tests) and returns their pickles. */
export function pyPickles(items: readonly { expr: string; protocol?: number }[]): Uint8Array[] {
  const r = python<{ results: { pickle: string }[] }>(HARNESS, { cmd: 'eval', items });
  return r.results.map((x) => unb64(x.pickle));
}

/** Loads our pickles in Python; returns repr() of each and, when `expr` is given, whether it held for `v`. */
export function pyLoad(
  items: readonly { pickle: Uint8Array; expr?: string }[],
): { repr: string; check: boolean | null }[] {
  const r = python<{ results: { repr: string; check: boolean | null }[] }>(HARNESS, {
    cmd: 'eval',
    items: items.map((x) => ({ pickle: b64(x.pickle), ...(x.expr === undefined ? {} : { expr: x.expr }) })),
  });
  return r.results;
}
