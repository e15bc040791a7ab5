import { createServer } from 'node:http';
import { listenOnLoopback, runAdapterScenarios } from '@sess/adapter-tests';
import type { Session } from '@sess/core';
import { session } from '@sess/koa';
import Koa from 'koa';

runAdapterScenarios({
  name: 'koa',
  async start({ sessions, lazy, routes, errors }) {
    const app = new Koa();
    app.silent = true;
    // Records what reaches Koa's error handling (its 'error' event); Koa answers with the error's status.
    app.on('error', (error: unknown) => errors.push(error));
    app.use(session({ sessions, lazy }));
    const byPath = new Map(routes.map((route) => [route.path, route]));
    app.use(async (ctx) => {
      const route = byPath.get(ctx.path);
      if (!route || ctx.method !== 'GET') return;
      // The route table is written for untyped sessions; the type test's SessionFields augmentation is global.
      const session = route.touchesSession === false ? undefined : ctx.session;
      const result = await route.handle(session as unknown as Session, new URLSearchParams(ctx.querystring));
      if (result.headers) ctx.set(result.headers);
      ctx.status = result.status;
      ctx.body = result.body;
    });
    return listenOnLoopback(createServer(app.callback()));
  },
});
