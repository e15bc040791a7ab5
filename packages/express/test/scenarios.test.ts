import { createServer } from 'node:http';
import { listenOnLoopback, runAdapterScenarios } from '@sess/adapter-tests';
import type { Session } from '@sess/core';
import { session } from '@sess/express';
import express, { type NextFunction, type Request, type Response } from 'express';

runAdapterScenarios({
  name: 'express',
  async start({ sessions, lazy, routes, errors }) {
    const app = express();
    app.use(session({ sessions, lazy }));
    for (const route of routes) {
      app.get(route.path, async (req, res) => {
        const query = new URL(req.originalUrl, 'http://localhost').searchParams;
        // The route table is written for untyped sessions; the type test's SessionFields augmentation is global.
        const session = route.touchesSession === false ? undefined : req.session;
        const result = await route.handle(session as unknown as Session, query);
        if (result.headers) res.set(result.headers);
        res.status(result.status).json(result.body);
      });
    }
    // Records what reaches Express's error handling, then hands it to Express's default handler.
    app.use((error: unknown, _req: Request, _res: Response, next: NextFunction) => {
      errors.push(error);
      next(error);
    });
    return listenOnLoopback(createServer(app));
  },
});
