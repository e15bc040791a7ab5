// Session.load and Session.save answer with promise chains rather than async functions (fewer microtask
// turns on every request); these pin the behaviour the async versions had.
import { SessionStoreUnavailable, Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { describe, expect, it } from 'vitest';

const secretKey = 'session-promises-secret-key-0123456789';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** The memory cache engine with `load`/`save`/`needsReissue` replaced by the test's own. */
function engineWith(overrides: Record<string, unknown>) {
  const inner = cacheEngine({ backend: memoryCache() });
  return Object.assign(Object.create(inner) as typeof inner, overrides);
}

async function storedKey(sessions: Sessions): Promise<string> {
  const s = sessions.open();
  s.set('a', 1);
  await s.save();
  return s.sessionKey as string;
}

describe('Session.load', () => {
  it('concurrent loads ask the engine once and resolve to the same session', async () => {
    const real = new Sessions({ engine: cacheEngine({ backend: memoryCache() }), secretKey });
    const key = await storedKey(real);
    let calls = 0;
    const engine = engineWith({
      load: (k: string, context: never) => {
        calls++;
        return real.engine.load(k, context);
      },
    });
    const sessions = new Sessions({ engine, secretKey });
    const s = sessions.open(key);
    const [a, b] = await Promise.all([s.load(), s.load()]);
    expect(a).toBe(s);
    expect(b).toBe(s);
    expect(await s.load()).toBe(s);
    expect(calls).toBe(1);
    expect(s.get('a')).toBe(1);
  });

  it('a failed load rejects, and the next load asks the engine again', async () => {
    let fail = true;
    const engine = engineWith({
      load: async () => {
        if (fail) throw new SessionStoreUnavailable('down');
        return { a: 2 };
      },
    });
    const s = new Sessions({ engine, secretKey, logger: quiet }).open('abcdefgh12345678');
    await expect(s.load()).rejects.toThrow(SessionStoreUnavailable);
    expect(s.isLoaded).toBe(false);
    fail = false;
    await s.load();
    expect(s.get('a')).toBe(2);
  });

  it('an engine that throws instead of rejecting still gives a rejected promise, and a retry', async () => {
    let fail = true;
    const engine = engineWith({
      load: () => {
        if (fail) throw new SessionStoreUnavailable('thrown');
        return Promise.resolve({ a: 3 });
      },
    });
    const s = new Sessions({ engine, secretKey }).open('abcdefgh12345678');
    const loading = s.load();
    expect(loading).toBeInstanceOf(Promise);
    await expect(loading).rejects.toThrow('thrown');
    fail = false;
    expect((await s.load()).get('a')).toBe(3);
  });

  it('a missing record drops the key; a session without a key loads as empty at once', async () => {
    const sessions = new Sessions({ engine: cacheEngine({ backend: memoryCache() }), secretKey });
    const s = await sessions.open('abcdefgh12345678').load();
    expect(s.sessionKey).toBeNull();
    expect(s.keys()).toEqual([]);
    const fresh = sessions.open();
    expect(fresh.isLoaded).toBe(true);
    expect(await fresh.load()).toBe(fresh);
  });

  it('needsReissue: true marks the session modified; a rejection rejects the load, which can be retried', async () => {
    let answer: boolean | Error = true;
    const engine = engineWith({
      load: async () => ({ a: 4 }),
      needsReissue: async () => {
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    const sessions = new Sessions({ engine, secretKey });
    const reissued = await sessions.open('abcdefgh12345678').load();
    expect(reissued.modified).toBe(true);

    answer = false;
    const kept = await sessions.open('abcdefgh12345678').load();
    expect(kept.modified).toBe(false);

    answer = new SessionStoreUnavailable('reissue check failed');
    const failing = sessions.open('abcdefgh12345678');
    await expect(failing.load()).rejects.toThrow('reissue check failed');
    answer = true;
    await failing.load(); // the data was adopted before the check: a retry resolves without a new load
    expect(failing.get('a')).toBe(4);
  });

  it('data cleared while the load was in flight is kept, not replaced by the stored data', async () => {
    const real = new Sessions({ engine: cacheEngine({ backend: memoryCache() }), secretKey });
    const key = await storedKey(real);
    const s = real.open(key);
    const loading = s.load();
    s.clear();
    await loading;
    expect(s.keys()).toEqual([]);
    expect(s.sessionKey).toBe(key);
  });
});

describe('Session.save', () => {
  it('an engine whose save throws gives a rejected promise, not a throw', async () => {
    const engine = engineWith({
      save: () => {
        throw new SessionStoreUnavailable('save thrown');
      },
    });
    const sessions = new Sessions({ engine, secretKey });
    const s = sessions.open();
    await s.load();
    const fresh = s.save(); // no key yet: the create path
    await expect(fresh).rejects.toThrow('save thrown');

    const real = new Sessions({ engine: cacheEngine({ backend: memoryCache() }), secretKey });
    const key = await storedKey(real);
    const loaded = await new Sessions({
      engine: engineWith({
        load: (k: string, context: never) => real.engine.load(k, context),
        save: () => {
          throw new SessionStoreUnavailable('update thrown');
        },
      }),
      secretKey,
    })
      .open(key)
      .load();
    loaded.set('a', 5);
    let saving: Promise<void> | undefined;
    expect(() => {
      saving = loaded.save();
    }).not.toThrow();
    await expect(saving).rejects.toThrow('update thrown');
  });

  it('a loaded, keyed session saves through the engine and resolves once it is stored', async () => {
    const sessions = new Sessions({ engine: cacheEngine({ backend: memoryCache() }), secretKey });
    const key = await storedKey(sessions);
    const s = await sessions.open(key).load();
    s.set('a', 6);
    await s.save();
    expect((await sessions.open(key).load()).get('a')).toBe(6);
  });

  it('an unloaded session with a key loads before it saves (the stored data is kept)', async () => {
    const sessions = new Sessions({ engine: cacheEngine({ backend: memoryCache() }), secretKey });
    const key = await storedKey(sessions);
    await sessions.open(key).save();
    expect((await sessions.open(key).load()).get('a')).toBe(1);
  });
});
