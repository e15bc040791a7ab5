// The engine reads and writes a memory cache without going through its promises, but only while the cache's
// get/add/replace are its own: a subclass or a spy that changes them sees every call, as before. Failures
// on that path are still rejections, never synchronous throws.
import { CreateError, InvalidSessionKey, UpdateError } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { MemoryCache, memoryCache } from '@sess/engine-cache/memory';
import { pickleSerializer } from '@sess/serializer-pickle';
import { describe, expect, it, vi } from 'vitest';
import { makeSessions } from './helpers.js';

describe('memory cache under the engine', () => {
  it('round-trips sessions and keeps the entries where direct backend calls find them', async () => {
    const backend = memoryCache();
    const engine = cacheEngine({ backend });
    const sessions = makeSessions(engine);
    const s = sessions.open();
    s.set('n', 1);
    await s.save();
    const key = s.sessionKey!;
    expect(await backend.has(engine.cacheKey(key))).toBe(true);
    const loaded = await sessions.open(key).load();
    loaded.set('n', 2);
    await loaded.save();
    expect((await sessions.open(key).load()).get('n')).toBe(2);
    expect(new TextDecoder().decode((await backend.get(engine.cacheKey(key)))!)).toBe('{"n":2}');
  });

  it('keeps the JSON text in process; direct calls still see the same bytes, and bytes set directly load', async () => {
    const backend = memoryCache();
    const engine = cacheEngine({ backend });
    const sessions = makeSessions(engine);
    const s = sessions.open();
    s.update({ word: 'caf\u00e9', del: '\u007f' });
    await s.save();
    const cacheKey = engine.cacheKey(s.sessionKey!);
    const bytes = (await backend.get(cacheKey))!;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes)).toEqual(
      Buffer.from(sessions.context.codec.serialize(Object.fromEntries(s.items()))),
    );
    expect(Buffer.from(bytes).toString('latin1')).toBe('{"word":"caf\\u00e9","del":"\\u007f"}');
    // Bytes written through the backend's own API (as Django-format tools would) load through the engine.
    await backend.set(cacheKey, new TextEncoder().encode('{"word":"direct"}'), 60);
    expect((await sessions.open(s.sessionKey).load()).get('word')).toBe('direct');
  });

  it('round-trips a bytes-only serializer (pickle, every byte value) through the text path', async () => {
    const backend = memoryCache();
    const engine = cacheEngine({ backend });
    const sessions = makeSessions(engine, { serializer: pickleSerializer });
    const s = sessions.open();
    const data = {
      text: 'caf\u00e9 \u{1f600}',
      n: 2 ** 40,
      list: [1.5, -3, null, true],
      blob: 'x'.repeat(300),
    };
    s.update(data);
    await s.save();
    const again = await sessions.open(s.sessionKey).load();
    expect(Object.fromEntries(again.items())).toEqual(data);
    const bytes = (await backend.get(engine.cacheKey(s.sessionKey!)))!;
    expect(bytes[0]).toBe(0x80); // the pickle PROTO opcode, a byte above ASCII, kept as is
    expect(pickleSerializer.loads(bytes)).toEqual(data);
  });

  it('honours a subclass that overrides get, add and replace', async () => {
    const calls: string[] = [];
    class Counting extends MemoryCache {
      override async get(key: string) {
        calls.push('get');
        return super.get(key);
      }
      override async add(key: string, value: Uint8Array, ttl: number) {
        calls.push('add');
        return super.add(key, value, ttl);
      }
      override async replace(key: string, value: Uint8Array, ttl: number) {
        calls.push('replace');
        return super.replace(key, value, ttl);
      }
    }
    const sessions = makeSessions(cacheEngine({ backend: new Counting() }));
    const s = sessions.open();
    s.set('a', 1);
    await s.save();
    const again = await sessions.open(s.sessionKey).load();
    again.set('a', 2);
    await again.save();
    expect(calls).toEqual(['add', 'get', 'replace']);
  });

  it('honours a spy installed after the engine was made', async () => {
    const backend = memoryCache();
    const engine = cacheEngine({ backend });
    const sessions = makeSessions(engine);
    const s = sessions.open();
    s.set('a', 1);
    await s.save();
    const failure = new Error('injected');
    const spy = vi.spyOn(backend, 'get').mockRejectedValue(failure);
    await expect(engine.load(s.sessionKey!, sessions.context)).rejects.toBe(failure);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(await engine.load(s.sessionKey!, sessions.context)).toEqual({ a: 1 });
  });

  it('rejects, never throws, for a bad key, a taken key and a vanished session', async () => {
    const backend = memoryCache();
    const engine = cacheEngine({ backend });
    const { context } = makeSessions(engine);
    const options = { mustCreate: true, expiryAge: 60, expiryDate: new Date(Date.now() + 60_000) };
    const load = engine.load('NOT A KEY', context);
    await expect(load).rejects.toBeInstanceOf(InvalidSessionKey);
    const save = engine.save('NOT A KEY', {}, options, context);
    await expect(save).rejects.toBeInstanceOf(InvalidSessionKey);
    const key = 'a'.repeat(32);
    await engine.save(key, { x: 1 }, options, context);
    await expect(engine.save(key, { x: 2 }, options, context)).rejects.toBeInstanceOf(CreateError);
    await backend.delete(engine.cacheKey(key));
    await expect(
      engine.save(key, { x: 3 }, { ...options, mustCreate: false }, context),
    ).rejects.toBeInstanceOf(UpdateError);
    expect(await engine.load(key, context)).toBeNull();
  });
});
