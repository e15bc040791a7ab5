import { Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { type SessionEnv, session } from '@sess/hono';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

function setup() {
  const sessions = new Sessions({
    engine: cacheEngine({ backend: memoryCache() }),
    secretKey: 'hono-headers-secret-key-0123456789abcdef',
  });
  const app = new Hono<SessionEnv>();
  const seen: { handler?: Response; final?: Response } = {};
  app.use(async (c, next) => {
    await next();
    seen.final = c.res;
  });
  app.use(session({ sessions }));
  return { app, seen };
}

describe('session headers on the response', () => {
  it('are added to the handler’s own response, which is not rebuilt', async () => {
    const { app, seen } = setup();
    app.get('/', (c) => {
      c.get('session').set('n', 1);
      seen.handler = c.text('ok', 200, { Vary: 'Accept-Encoding' });
      return seen.handler;
    });
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(res.headers.get('Set-Cookie')).toMatch(/^sessionid=[a-z0-9]{32};/);
    expect(res.headers.get('Vary')).toBe('Accept-Encoding, Cookie');
    // Rebuilding would cost a stream per response under @hono/node-server.
    expect(seen.final).toBe(seen.handler);
  });

  it('go on a copy when the handler’s response has immutable headers (Response.redirect)', async () => {
    const { app, seen } = setup();
    app.get('/', (c) => {
      c.get('session').set('n', 1);
      seen.handler = Response.redirect('http://127.0.0.1/next', 302);
      return seen.handler;
    });
    const res = await app.request('/');
    expect(res.status).toBe(302);
    expect(res.headers.get('Location')).toBe('http://127.0.0.1/next');
    expect(res.headers.get('Set-Cookie')).toMatch(/^sessionid=[a-z0-9]{32};/);
    expect(res.headers.get('Vary')).toBe('Cookie');
    expect(seen.final).not.toBe(seen.handler);
  });

  it('keep a Set-Cookie the handler set, beside the session’s', async () => {
    const { app } = setup();
    app.get('/', (c) => {
      c.get('session').set('n', 1);
      c.header('Set-Cookie', 'theme=dark; Path=/', { append: true });
      return c.text('ok');
    });
    const res = await app.request('/');
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toBe('theme=dark; Path=/');
    expect(cookies[1]).toMatch(/^sessionid=/);
  });

  it('are not touched when the session was not modified', async () => {
    const { app, seen } = setup();
    app.get('/', (c) => {
      seen.handler = c.text('ok');
      return seen.handler;
    });
    const res = await app.request('/');
    expect(res.headers.get('Set-Cookie')).toBeNull();
    expect(res.headers.get('Vary')).toBeNull();
    expect(seen.final).toBe(seen.handler);
  });
});
