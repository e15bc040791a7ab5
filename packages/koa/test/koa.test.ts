import { createServer } from 'node:http';
import { Client, listenOnLoopback, type RunningServer } from '@sess/adapter-tests';
import { ImproperlyConfigured, Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { session } from '@sess/koa';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('@sess/koa: errors thrown downstream', () => {
  const sessions = new Sessions({
    engine: cacheEngine({ backend: memoryCache() }),
    secretKey: 'koa-test-secret',
  });
  let server: RunningServer;

  beforeAll(async () => {
    const app = new Koa();
    app.silent = true;
    app.use(session({ sessions }));
    app.use(async (ctx) => {
      ctx.session.set('note', ctx.path);
      if (ctx.path === '/throw-404') ctx.throw(404, 'nothing here');
      if (ctx.path === '/throw-500') throw new Error('boom');
      if (ctx.path === '/read') ctx.body = { note: ctx.session.get('note') };
    });
    server = await listenOnLoopback(createServer(app.callback()));
  });

  afterAll(() => server.close());

  it('ctx.throw(404) still saves (as Django) and the cookie survives Koa clearing the headers', async () => {
    const c = new Client(server.url);
    const reply = await c.get('/throw-404');
    expect(reply.status).toBe(404);
    expect(c.value).toMatch(/^[a-z0-9]{32}$/);
    expect(reply.vary).toMatch(/Cookie/);
  });

  it('a thrown 500 saves nothing and sets no cookie', async () => {
    const c = new Client(server.url);
    const reply = await c.get('/throw-500');
    expect(reply.status).toBe(500);
    expect(reply.rawSetCookies).toEqual([]);
  });

  it('refuses a missing sessions option at start-up', () => {
    expect(() => session({} as never)).toThrow(ImproperlyConfigured);
  });
});
