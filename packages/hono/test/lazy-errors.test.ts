import { SessionStoreUnavailable, Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { type SessionEnv, session } from '@sess/hono';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

describe('lazy mode without an onError of the app', () => {
  it('a store outage during the handler’s own load answers 503, with no cookie', async () => {
    const engine = cacheEngine({ backend: memoryCache() });
    const sessions = new Sessions({ engine, secretKey: 'hono-lazy-secret-key-0123456789abcdef' });
    const seed = sessions.open();
    seed.set('n', 1);
    await seed.save();
    let down = false;
    const load = engine.load.bind(engine);
    engine.load = async (key, ctx) => {
      if (down) throw new SessionStoreUnavailable('the cache is down');
      return load(key, ctx);
    };
    const app = new Hono<SessionEnv>();
    app.use(session({ sessions, lazy: true }));
    app.get('/', async (c) => {
      const s = await c.get('session').load();
      s.set('n', (s.get('n') as number) + 1);
      return c.text(String(s.get('n')));
    });
    const request = () => app.request('/', { headers: { Cookie: `sessionid=${seed.sessionKey}` } });

    const ok = await request();
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('2');
    down = true;
    const failed = await request();
    expect(failed.status).toBe(503);
    expect(failed.headers.get('Set-Cookie')).toBeNull();
  });
});
