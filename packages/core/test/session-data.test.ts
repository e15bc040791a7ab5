import { Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { describe, expect, it } from 'vitest';

const build = () =>
  new Sessions({
    engine: cacheEngine({ backend: memoryCache() }),
    secretKey: 'session-data-secret-key-0123456789ab',
  });

async function roundTrip(sessions: Sessions, write: (s: ReturnType<Sessions['open']>) => void) {
  const s = sessions.open();
  write(s);
  await s.save();
  return sessions.open(s.sessionKey).load();
}

describe('session data is only what was stored', () => {
  it('update() with an own __proto__ key (as JSON.parse makes it) stores data, not a prototype', async () => {
    const sessions = build();
    const values = JSON.parse('{"__proto__": {"isAdmin": true}, "n": 1}') as Record<string, unknown>;
    const again = await roundTrip(sessions, (s) => s.update(values));
    expect(again.get('isAdmin')).toBeUndefined();
    expect(again.get('__proto__')).toEqual({ isAdmin: true });
    expect(again.keys().sort()).toEqual(['__proto__', 'n']);
    // The loaded session is re-saved and read a second time: still data.
    again.set('n', 2);
    await again.save();
    const third = await sessions.open(again.sessionKey).load();
    expect(third.get('isAdmin')).toBeUndefined();
    expect(third.items()).toContainEqual(['__proto__', { isAdmin: true }]);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('setdefault("__proto__") stores data', () => {
    const s = build().open();
    expect(s.setdefault('__proto__', { x: 1 })).toEqual({ x: 1 });
    expect(s.get('x')).toBeUndefined();
    expect(s.has('__proto__')).toBe(true);
    expect(s.setdefault('__proto__', { x: 2 })).toEqual({ x: 1 });
  });

  it('inherited names are not data, before and after a load', async () => {
    const sessions = build();
    const again = await roundTrip(sessions, (s) => s.set('a', 1));
    for (const s of [sessions.open(), again]) {
      expect(s.get('toString')).toBeUndefined();
      expect(s.has('constructor')).toBe(false);
      expect(s.get('hasOwnProperty', 'default')).toBe('default');
      expect(() => s.pop('valueOf' as never)).toThrow();
    }
  });

  it('data from an engine with another prototype is copied as own keys only', async () => {
    const inner = cacheEngine({ backend: memoryCache() });
    const proto = { inherited: 'no' };
    const engine = Object.assign(Object.create(inner) as typeof inner, {
      load: async () => Object.assign(Object.create(proto) as Record<string, unknown>, { a: 1 }),
    });
    const sessions = new Sessions({ engine, secretKey: 'session-data-secret-key-0123456789ab' });
    const s = await sessions.open('abcdefgh12345678').load();
    expect(s.keys()).toEqual(['a']);
    expect(s.get('inherited')).toBeUndefined();
  });
});
