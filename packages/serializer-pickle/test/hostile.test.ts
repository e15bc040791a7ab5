/**
 * The hostile corpus (reliability catalogue §7.C, cases 27-33): dangerous globals written by CPython's own
 * pickler, hand-made streams that dodge naive scanners, malformed and truncated input, and resource bombs.
 * Each must fail with the right typed error, fast, and run nothing.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessError } from '@sess/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPickleSerializer,
  PickleLimitError,
  pickleSerializer,
  UnpicklingError,
  UnsafePickleError,
} from '../src/index.js';
import { concat, type Part, pk, repeat, stackGlobal, str, u32, u64 } from './support/asm.js';
import { HOSTILE, python, unb64 } from './support/python.js';

const { loads } = pickleSerializer;

function failure(data: Uint8Array, serializer = pickleSerializer): Error {
  try {
    serializer.loads(data);
  } catch (e) {
    return e as Error;
  }
  throw new Error('loads() succeeded on a hostile pickle');
}

function expectUnsafe(data: Uint8Array, global?: string, serializer = pickleSerializer): UnsafePickleError {
  const e = failure(data, serializer);
  expect(e).toBeInstanceOf(UnsafePickleError);
  expect(e).toBeInstanceOf(UnpicklingError);
  expect(e).toBeInstanceOf(SessError);
  if (global !== undefined) {
    expect((e as UnsafePickleError).global).toBe(global);
    expect(e.message).toContain(global);
  }
  return e as UnsafePickleError;
}

function expectUnpickling(
  data: Uint8Array,
  pattern?: RegExp,
  serializer = pickleSerializer,
): UnpicklingError {
  const e = failure(data, serializer);
  expect(e, String(e)).toBeInstanceOf(UnpicklingError);
  if (pattern) expect(e.message).toMatch(pattern);
  return e as UnpicklingError;
}

function expectLimit(data: Uint8Array, limit: string, serializer = pickleSerializer): PickleLimitError {
  const e = failure(data, serializer);
  expect(e, String(e)).toBeInstanceOf(PickleLimitError);
  expect((e as PickleLimitError).limit).toBe(limit);
  expect(e.message).toContain(`limits.${limit}`);
  return e as PickleLimitError;
}

describe('dangerous globals, pickled by CPython (protocols 0-5)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sess-pickle-'));
  const canary = join(dir, 'canary');
  let corpus: { name: string; protocol: number; global: string; pickle: string }[] = [];
  beforeAll(() => {
    corpus = python(HOSTILE, {}, [canary]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rejects every one, naming the global, and runs nothing', () => {
    expect(corpus.length).toBe(90);
    const names = new Set<string>();
    for (const c of corpus) {
      const e = expectUnsafe(unb64(c.pickle));
      expect(e.global, `${c.name} protocol ${c.protocol}: ${e.message}`).toBe(c.global);
      names.add(c.name);
    }
    expect([...names]).toEqual(
      expect.arrayContaining([
        'os.system',
        'builtins.eval',
        'builtins.exec',
        'builtins.getattr',
        'builtins.__import__',
        'subprocess.Popen',
        'importlib.import_module',
        'pkgutil.resolve_name',
        'pickle.loads',
        'marshal.loads',
        'operator.attrgetter',
        '_codecs.encode wrongly',
        'class not on the allowlist',
        'copyreg._reconstructor of a disallowed type',
      ]),
    );
    expect(existsSync(canary)).toBe(false);
  });
});

describe('hand-made streams', () => {
  it('GLOBAL os.system + REDUCE under every protocol header', () => {
    for (const proto of [[], [0x80, 2], [0x80, 3], [0x80, 4], [0x80, 5]]) {
      expectUnsafe(pk(...proto, 'cos\nsystem\n(Vecho pwned\ntR.'), 'os.system');
      expectUnsafe(pk(...proto, 'cposix\nsystem\n(Vecho pwned\ntR.'), 'posix.system');
    }
  });

  it('STACK_GLOBAL fed through the memo (PUT/BINPUT/MEMOIZE then GET/BINGET)', () => {
    // 'os' and 'system' are memoised first, then fetched back for STACK_GLOBAL.
    expectUnsafe(
      pk(0x80, 4, ...str('os'), 0x94, ...str('system'), 0x94, '0', '0', 'h', 0, 'h', 1, 0x93, '.'),
      'os.system',
    );
    expectUnsafe(
      pk(
        0x80,
        4,
        ...str('builtins'),
        'q',
        7,
        ...str('eval'),
        'r',
        ...u32(9),
        'h',
        7,
        'j',
        ...u32(9),
        0x93,
        '.',
      ),
      'builtins.eval',
    );
    expectUnsafe(pk('Vos\np0\n0Vsystem\np1\n0g0\ng1\n', 0x93, '.'), 'os.system');
  });

  it('STACK_GLOBAL with operands that are not str', () => {
    expectUnpickling(pk(0x80, 4, 'C', 2, 'os', 'C', 6, 'system', 0x93, '.'), /STACK_GLOBAL requires str/);
    expectUnpickling(pk(0x80, 4, 'K', 1, ...str('system'), 0x93, '.'), /STACK_GLOBAL requires str/);
    expectUnpickling(
      pk(0x80, 5, 0x96, ...u64(2n), 'os', ...str('system'), 0x93, '.'),
      /STACK_GLOBAL requires str/,
    );
    expectUnpickling(pk(0x80, 4, 'N', 'N', 0x93, '.'), /STACK_GLOBAL requires str/);
    expectUnpickling(pk(0x80, 4, ...str('os'), 0x93, '.'), /underflow/);
  });

  it('INST, OBJ, NEWOBJ, NEWOBJ_EX name-checked like GLOBAL', () => {
    expectUnsafe(pk('(Vecho pwned\nios\nsystem\n.'), 'os.system');
    expectUnsafe(pk('(csubprocess\nPopen\nVls\no.'), 'subprocess.Popen');
    expectUnsafe(pk(0x80, 4, ...stackGlobal('subprocess', 'Popen'), ')', 0x81, '.'), 'subprocess.Popen');
    expectUnsafe(pk(0x80, 4, ...stackGlobal('os', '_wrap_close'), ')', '}', 0x92, '.'), 'os._wrap_close');
  });

  it('EXT1/EXT2/EXT4, PERSID and BINPERSID', () => {
    expectUnsafe(pk(0x80, 2, 0x82, 1, '.'));
    expectUnsafe(pk(0x80, 2, 0x83, 1, 0, '.'));
    expectUnsafe(pk(0x80, 2, 0x84, 1, 0, 0, 0, '.'));
    expect(failure(pk(0x80, 2, 0x82, 1, '.')).message).toMatch(/extension code 1/);
    expect(failure(pk('Pos.system\n.')).message).toMatch(/persistent id/);
    expectUnsafe(pk(0x80, 2, 'Vos.system\n', 'Q', '.'));
  });

  it('allowed globals used the wrong way', () => {
    // _codecs.encode only ever as encode(str, 'latin1'), never another codec or as a class.
    expectUnsafe(
      pk(0x80, 4, ...stackGlobal('_codecs', 'encode'), ...str('x'), ...str('zlib'), 0x86, 'R', '.'),
      '_codecs.encode',
    );
    expectUnsafe(pk(0x80, 4, ...stackGlobal('_codecs', 'encode'), ')', 0x81, '.'), '_codecs.encode');
    // copyreg._reconstructor with a base other than object.
    expectUnsafe(
      pk(
        0x80,
        4,
        ...stackGlobal('copyreg', '_reconstructor'),
        ...stackGlobal('uuid', 'UUID'),
        ...stackGlobal('builtins', 'set'),
        'N',
        0x87,
        'R',
        '.',
      ),
      'copyreg._reconstructor',
    );
    // builtins.object is only a marker for _reconstructor.
    expectUnsafe(pk(0x80, 4, ...stackGlobal('builtins', 'object'), ')', 'R', '.'), 'builtins.object');
    // A class by itself is not data.
    expectUnsafe(pk(0x80, 4, ...stackGlobal('builtins', 'set'), '.'), 'builtins.set');
    expectUnsafe(pk(0x80, 4, ']', ...stackGlobal('datetime', 'datetime'), 'a', '.'), 'datetime.datetime');
    // Dotted names are not walked: only exact allowlist entries resolve.
    expectUnsafe(
      pk(0x80, 4, ...stackGlobal('datetime', 'datetime.now'), ')', 'R', '.'),
      'datetime.datetime.now',
    );
    expectUnsafe(
      pk(0x80, 4, ...stackGlobal('builtins', 'object.__subclasses__'), ')', 'R', '.'),
      'builtins.object.__subclasses__',
    );
    // Python 2 module names are mapped only where Python maps them (protocols 0-2).
    expectUnsafe(pk(0x80, 4, ...stackGlobal('__builtin__', 'set'), '.'), '__builtin__.set');
  });

  it('BUILD only finishes objects made to take state', () => {
    // A datetime given a dict of attributes (modelscan#85: BUILD as setattr).
    const dt = [...stackGlobal('datetime', 'date'), 'C', 4, 7, 0xe4, 1, 2, 0x85, 'R'];
    expectUnpickling(pk(0x80, 4, ...dt, '}', ...str('__reduce__'), 'N', 's', 'b', '.'), /BUILD/);
    expectUnpickling(pk(0x80, 4, '}', '}', 'b', '.'), /BUILD/);
    expectUnpickling(pk(0x80, 4, ...stackGlobal('uuid', 'UUID'), ')', 0x81, '.'), /never received its state/);
    expectUnsafe(pk(0x80, 4, ...stackGlobal('uuid', 'UUID'), ')', 0x81, 'K', 1, 'b', '.'), 'uuid.UUID');
  });

  it('a removed default is refused', () => {
    const s = createPickleSerializer({ allow: { 'datetime.date': false } });
    const dt = [...stackGlobal('datetime', 'date'), 'C', 4, 7, 0xe4, 1, 2, 0x85, 'R', '.'];
    expect(loads(pk(0x80, 4, ...dt))).toBeTruthy();
    expectUnsafe(pk(0x80, 4, ...dt), 'datetime.date', s);
  });
});

describe('malformed and truncated streams', () => {
  const valid = pickleSerializer.dumps({
    a: [1, 2.5, 'x', new Uint8Array(3)],
    b: { c: null },
    big: 2n ** 80n,
  });

  it('every truncation of a valid pickle fails cleanly', () => {
    for (let n = 0; n < valid.length; n++) expectUnpickling(valid.subarray(0, n));
    const p0 = pk('(dp0\nVa\np1\n(lp2\nI1\naF2.5\naVx\nasVb\n(dp3\nVc\nNss.');
    expect(loads(p0)).toEqual({ a: [1, 2.5, 'x'], b: { c: null } });
    for (let n = 0; n < p0.length; n++) expectUnpickling(p0.subarray(0, n));
  });

  it('bad opcodes, underflows and bad arguments', () => {
    expectUnpickling(pk(), /truncated/);
    expectUnpickling(pk(0xff), /invalid load key/);
    expectUnpickling(pk('.'), /underflow/);
    expectUnpickling(pk('a.'), /underflow/);
    expectUnpickling(pk('K', 1, 'a.'), /underflow/);
    expectUnpickling(pk('1.'), /MARK/);
    expectUnpickling(pk('t.'), /MARK/);
    expectUnpickling(pk('}(K', 1, 'u.'), /odd number/);
    expectUnpickling(pk('K', 1, 'K', 1, 's.'), /underflow/);
    expectUnpickling(pk('K', 1, 'K', 2, 'K', 3, 's.'), /SETITEM needs a dict/);
    expectUnpickling(pk(')K', 1, 'a.'), /APPEND needs a list/);
    expectUnpickling(pk('h', 0, '.'), /memo value not found/);
    expectUnpickling(pk('g5\n.'), /memo value not found/);
    expectUnpickling(pk('p-1\n.'), /negative PUT|underflow/);
    expectUnpickling(pk(0x80, 6, 'N.'), /unsupported pickle protocol: 6/);
    expectUnpickling(pk('X', ...u32(2), 0xc3, 0x28, '.'), /utf-8/);
    expectUnpickling(pk('Ix12\n.'), /invalid literal/);
    expectUnpickling(pk('Fnope\n.'), /could not convert/);
    expectUnpickling(pk("S'abc\n."), /quoted/);
    expectUnpickling(pk('Vab\\u12\n.'), /truncated/);
    expectUnpickling(pk(0x80, 5, 0x97, '.'), /out-of-band/);
    expectUnpickling(pk('}(]K', 1, 'u.'), /unhashable type: 'list'/);
    expectUnpickling(pk(0x8f, '(}', 0x90, '.'), /unhashable type: 'dict'/);
    expectUnpickling(pk('T', 0xff, 0xff, 0xff, 0xff, '.'), /negative byte count/);
    expect(failure('not bytes' as unknown as Uint8Array)).toBeInstanceOf(UnpicklingError);
  });

  it('Python 2 strings decode per the encoding option', () => {
    const data = pk('U', 3, 'a', 0xe9, 'b', '.');
    expectUnpickling(data, /non-ASCII/);
    expect(createPickleSerializer({ encoding: 'latin1' }).loads(data)).toBe('aéb');
    expect(createPickleSerializer({ encoding: 'bytes' }).loads(data)).toEqual(Uint8Array.of(97, 0xe9, 98));
    expect(loads(pk("S'a\\n\\x41\\101\\''\n."))).toBe("a\nAA'");
  });
});

describe('bombs', () => {
  it('BINUNICODE8, BINBYTES8 and BYTEARRAY8 declaring 2^62 bytes', () => {
    for (const code of [0x8d, 0x8e, 0x96]) {
      const e = expectUnpickling(
        pk(0x80, 5, code, ...u64(2n ** 62n), 'x.'),
        /declares 4611686018427387904 bytes/,
      );
      expect(e).not.toBeInstanceOf(UnsafePickleError);
    }
    expectUnpickling(pk(0x80, 4, 'X', ...u32(0xffffffff), 'abc.'), /declares 4294967295 bytes/);
  });

  it('FRAME longer than the input', () => {
    expectUnpickling(pk(0x80, 4, 0x95, ...u64(1000n), 'N.'), /FRAME declares 1000 bytes/);
    expectUnpickling(pk(0x80, 4, 0x95, ...u64(2n ** 63n), 'N.'), /FRAME declares/);
  });

  it('huge integers: LONG4 and text INT/LONG', () => {
    expectLimit(pk(0x80, 2, 0x8b, ...u32(0x7fffffff), '.'), 'maxIntegerBytes');
    expectLimit(concat(pk(0x80, 2, 0x8b, ...u32(5000)), new Uint8Array(5000), pk('.')), 'maxIntegerBytes');
    expectLimit(pk('I', '9'.repeat(100_000), '\n.'), 'maxIntegerBytes');
    expectLimit(pk('L', '9'.repeat(100_000), 'L\n.'), 'maxIntegerBytes');
    expectUnpickling(pk(0x80, 2, 0x8b, ...u32(0xfffffff0), '.'), /negative byte count/);
  });

  it('input over maxInputBytes', () => {
    const small = createPickleSerializer({ limits: { maxInputBytes: 100 } });
    expectLimit(new Uint8Array(101), 'maxInputBytes', small);
  });

  it('DUP fan-out', () => {
    // One list, DUPed 2M times, then gathered into one tuple.
    const data = concat(pk('(', ']'), repeat(['2'], 2_000_000), pk('t.'));
    expectLimit(data, 'maxContainerLength');
    const e = failure(data, createPickleSerializer({ limits: { maxContainerLength: 5_000_000 } }));
    expect(e).toBeInstanceOf(PickleLimitError);
  });

  it('memo fan-out into an exponential DAG (2^100 values when walked)', () => {
    const parts: Part[] = [0x80, 4, ']', 0x94];
    for (let i = 0; i < 100; i++) parts.push(']', 0x94, '(', 'h', i, 'h', i, 'e');
    parts.push('.');
    expectLimit(pk(...parts), 'maxNodes');
  });

  it('self-appending lists stay bounded', () => {
    const data = concat(pk(']', 'q', 0, '('), repeat(['h', 0], 1_500_000), pk('e.'));
    expectLimit(data, 'maxContainerLength');
    const v = loads(concat(pk(']', 'q', 0, '('), repeat(['h', 0], 1000), pk('e.'))) as unknown[];
    expect(v.length).toBe(1000);
    expect(v[999]).toBe(v);
  });

  it('constructor copies (frozenset(L) 1000 times over a 10^5-item list)', () => {
    const list = concat(pk(0x80, 4, ']', 0x94, '('), repeat(['K', 1], 100_000), pk('e'));
    const copy = pk(...stackGlobal('builtins', 'frozenset'), 'h', 0, 0x85, 'R', '0');
    expectLimit(concat(list, repeat([...copy], 1000), pk('N.')), 'maxNodes');
    const bytes = concat(pk(0x80, 4, 0x8e, ...u64(1_000_000n)), new Uint8Array(1_000_000), pk(0x94));
    const bcopy = pk(...stackGlobal('builtins', 'bytearray'), 'h', 0, 0x85, 'R', '0');
    expectLimit(concat(bytes, repeat([...bcopy], 100), pk('N.')), 'maxInputBytes');
  });

  it('100,000-deep nested lists (stack and memo built) fail on depth, not with a RangeError', () => {
    const n = 100_000;
    expectLimit(concat(repeat([']'], n), repeat(['a'], n - 1), pk('.')), 'maxDepth');
    // Built through the memo: each list holds the previous one, the stack never grows.
    const chain: Part[] = [0x80, 4, ']', 0x94];
    const chunks = [pk(...chain)];
    for (let i = 0; i < n; i++) chunks.push(pk(']', 0x94, 'j', ...u32(i), 'a', '0'));
    chunks.push(pk('j', ...u32(n), '.'));
    expectLimit(concat(...chunks), 'maxDepth');
    // Deeply nested tuples as a dict key exercise the hashability check.
    expectLimit(concat(pk('}', ')'), repeat([0x85], n), pk('N', 's.')), 'maxDepth');
  });

  it('memo indexes past maxMemo', () => {
    expectLimit(pk('N', 'r', ...u32(0xffffffff), '.'), 'maxMemo');
    expectLimit(pk('Np99999999\n.'), 'maxMemo');
  });

  it('limits apply when set lower', () => {
    const tight = createPickleSerializer({ limits: { maxDepth: 3, maxContainerLength: 4, maxNodes: 50 } });
    expect(tight.loads(pickleSerializer.dumps([[[1]]]))).toEqual([[[1]]]);
    expectLimit(pickleSerializer.dumps([[[[1]]]]), 'maxDepth', tight);
    expectLimit(pickleSerializer.dumps([1, 2, 3, 4, 5]), 'maxContainerLength', tight);
    expectLimit(pickleSerializer.dumps({ a: 1, b: 2, c: 3, d: 4, e: 5 }), 'maxContainerLength', tight);
    expectLimit(
      pickleSerializer.dumps(Array.from({ length: 20 }, (_, i) => `k${i}`)),
      'maxContainerLength',
      tight,
    );
    const shared = [1, 2, 3];
    const four = [shared, shared, shared, shared];
    expect(tight.loads(pickleSerializer.dumps([four, four]))).toEqual([four, four]);
    expectLimit(pickleSerializer.dumps([four, four, four, four]), 'maxNodes', tight);
    expectLimit(
      pickleSerializer.dumps(['a', 'b', 'c', 'd']),
      'maxMemo',
      createPickleSerializer({ limits: { maxMemo: 3 } }),
    );
  });
});
