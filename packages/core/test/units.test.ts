import {
  BadSignature,
  CreateError,
  expiryAge,
  generateSessionKey,
  isSessError,
  isValidSessionKey,
  jsonSerializer,
  parseIsoDate,
  SerializationError,
  SessError,
  SessionInterrupted,
  SignatureExpired,
  toPythonIsoFormat,
  UpdateError,
} from '@sess/core';
import { describe, expect, it } from 'vitest';

describe('errors', () => {
  it('carry stable codes and statuses, and instanceof follows codes', () => {
    const e = new SignatureExpired('old');
    expect(e.code).toBe('SIGNATURE_EXPIRED');
    expect(e.name).toBe('SignatureExpired');
    expect(e).toBeInstanceOf(BadSignature);
    expect(e).toBeInstanceOf(SessError);
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(CreateError);
    expect(new SessionInterrupted('x').status).toBe(400);
    expect(isSessError(new UpdateError('x'), 'UPDATE_ERROR')).toBe(true);
    expect(isSessError(new Error('x'))).toBe(false);
  });

  it('are recognised across copies of the package (by code, not identity)', () => {
    const foreign = new UpdateError('from another copy');
    // A structurally identical error made by another copy of the class hierarchy:
    const clone = Object.assign(Object.create(Error.prototype), foreign);
    Object.defineProperty(clone, Symbol.for('sess.error.kinds'), { value: ['UPDATE_ERROR', 'SESS_ERROR'] });
    expect(clone).toBeInstanceOf(UpdateError);
    expect(clone).not.toBeInstanceOf(CreateError);
  });
});

describe('session keys', () => {
  it('are 32 characters of [a-z0-9], unique, from every character', () => {
    const keys = new Set<string>();
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const key = generateSessionKey();
      expect(key).toMatch(/^[a-z0-9]{32}$/);
      keys.add(key);
      for (const ch of key) seen.add(ch);
    }
    expect(keys.size).toBe(20_000);
    expect(seen.size).toBe(36);
  });

  it('are validated: 8 to 40 characters of [a-z0-9]', () => {
    expect(isValidSessionKey('12345678')).toBe(true);
    expect(isValidSessionKey('1234567')).toBe(false);
    expect(isValidSessionKey('a'.repeat(41))).toBe(false);
    expect(isValidSessionKey('ABCDEFGH')).toBe(false);
    expect(isValidSessionKey('abcdefg/')).toBe(false);
    expect(isValidSessionKey(42)).toBe(false);
    // The table lookup agrees with the pattern on every character code around and past the alphabet.
    const pattern = /^[a-z0-9]{8,40}$/;
    for (let code = 0; code < 0x180; code++) {
      for (const key of [
        `abcdefg${String.fromCharCode(code)}`,
        `${String.fromCharCode(code)}${'x'.repeat(39)}`,
      ]) {
        expect(isValidSessionKey(key)).toBe(pattern.test(key));
      }
    }
    expect(isValidSessionKey('abcdefg\u{1f600}')).toBe(false);
  });
});

describe('expiry', () => {
  it("writes dates as Python's isoformat", () => {
    expect(toPythonIsoFormat(new Date('2030-01-02T03:04:05Z'))).toBe('2030-01-02T03:04:05+00:00');
    expect(toPythonIsoFormat(new Date('2030-01-02T03:04:05.120Z'))).toBe('2030-01-02T03:04:05.120000+00:00');
  });

  it('reads what fromisoformat accepts', () => {
    expect(parseIsoDate('2030-01-02T03:04:05+00:00')?.toISOString()).toBe('2030-01-02T03:04:05.000Z');
    expect(parseIsoDate('2030-01-02T03:04:05.123456+02:00')?.toISOString()).toBe('2030-01-02T01:04:05.123Z');
    expect(parseIsoDate('2030-01-02 03:04:05')?.toISOString()).toBe('2030-01-02T03:04:05.000Z');
    expect(parseIsoDate('2030-01-02T03:04:05Z')?.toISOString()).toBe('2030-01-02T03:04:05.000Z');
    expect(parseIsoDate('next tuesday')).toBeNull();
  });

  it('floors ages like timedelta days*86400+seconds', () => {
    const now = Date.UTC(2030, 0, 1);
    expect(expiryAge('2030-01-01T00:00:10.999000+00:00', now, 100)).toBe(10);
    expect(expiryAge('2029-12-31T23:59:59.500000+00:00', now, 100)).toBe(-1);
    expect(expiryAge(0, now, 100)).toBe(100);
    expect(expiryAge(undefined, now, 100)).toBe(100);
    expect(expiryAge(30, now, 100)).toBe(30);
  });
});

describe('JSON serializer', () => {
  const text = (v: unknown) => new TextDecoder().decode(jsonSerializer.dumps(v));

  it('writes compact JSON with non-ASCII escaped', () => {
    expect(text({ a: 1, b: [1, 'x'] })).toBe('{"a":1,"b":[1,"x"]}');
    expect(text({ s: 'é😀\u007f' })).toBe('{"s":"\\u00e9\\ud83d\\ude00\\u007f"}');
  });

  it('reads bytes as latin-1 like Django', () => {
    expect(
      jsonSerializer.loads(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d])),
    ).toEqual({ a: 'é' });
  });

  const bad: [string, unknown, string][] = [
    ['undefined', { a: { b: undefined } }, 'a.b'],
    ['a function', { list: [1, () => 1] }, 'list[1]'],
    ['a bigint', { n: 10n }, 'n'],
    ['NaN', { x: { 'weird key': Number.NaN } }, 'x["weird key"]'],
    ['Infinity', [Number.POSITIVE_INFINITY], '[0]'],
    ['a Date', { when: new Date() }, 'when'],
    ['a Map', { m: new Map() }, 'm'],
    ['a symbol', { s: Symbol('x') }, 's'],
  ];
  for (const [what, value, path] of bad) {
    it(`refuses ${what}, naming the key path`, () => {
      expect(() => jsonSerializer.dumps(value)).toThrow(SerializationError);
      try {
        jsonSerializer.dumps(value);
      } catch (error) {
        expect((error as SerializationError).path).toBe(path);
        expect((error as Error).message).toContain(` at ${path} `);
      }
    });
  }

  it('refuses cycles but accepts shared references', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => jsonSerializer.dumps({ c: cycle })).toThrow(/circular reference at c\.self/);
    const shared = { x: 1 };
    expect(text({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('judges own keys only, even with enumerable properties added to Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.pollutedFn = () => 1;
    proto.pollutedDate = new Date(0);
    try {
      expect(text({ a: 1, nested: { b: [2, 'c'] } })).toBe('{"a":1,"nested":{"b":[2,"c"]}}');
      expect(() => jsonSerializer.dumps({ nested: { when: new Date(0) } })).toThrow(/at nested\.when /);
    } finally {
      delete proto.pollutedFn;
      delete proto.pollutedDate;
    }
  });
});
