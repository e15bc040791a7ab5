import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { runAdapterScenarios } from '@sess/adapter-tests';
import { isSessError } from '@sess/core';
import { type SessionEnv, session } from '@sess/hono';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';

runAdapterScenarios({
  name: 'hono',
  async start({ sessions, lazy, routes, errors }) {
    const app = new Hono<SessionEnv>();
    app.use(session({ sessions, lazy }));
    for (const route of routes) {
      app.get(route.path, async (c) => {
        const result = await route.handle(c.get('session'), new URL(c.req.url).searchParams);
        for (const [name, value] of Object.entries(result.headers ?? {})) c.header(name, value);
        return c.json(result.body, result.status as 200);
      });
    }
    // Records what reaches Hono's error handling. The middleware raises HTTPException; a session error a
    // lazy handler's own `load()` throws is mapped by its status, as an app's onError does (see README).
    app.onError((error, c) => {
      errors.push(error instanceof HTTPException && error.cause !== undefined ? error.cause : error);
      if (error instanceof HTTPException) return error.getResponse();
      if (isSessError(error) && error.status !== undefined) return c.text(error.message, error.status as 503);
      return c.text('Internal Server Error', 500);
    });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/`,
      close: () =>
        new Promise<void>((done) => {
          server.close(() => done());
          if ('closeAllConnections' in server) server.closeAllConnections();
        }),
    };
  },
});
