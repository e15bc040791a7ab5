import { listenOnLoopback, runAdapterScenarios } from '@sess/adapter-tests';
import type { Session } from '@sess/core';
import { session } from '@sess/fastify';
import Fastify from 'fastify';

runAdapterScenarios({
  name: 'fastify',
  async start({ sessions, lazy, routes, errors }) {
    const app = Fastify();
    await app.register(session, { sessions, lazy });
    for (const route of routes) {
      app.get(route.path, async (request, reply) => {
        const query = new URL(request.url, 'http://localhost').searchParams;
        // The route table is written for untyped sessions; the type test's SessionFields augmentation is global.
        const result = await route.handle(request.session as unknown as Session, query);
        if (result.headers) reply.headers(result.headers);
        return reply.code(result.status).send(result.body);
      });
    }
    // Records what reaches Fastify's error handling, then answers as its default handler does.
    app.setErrorHandler((error, _request, reply) => {
      errors.push(error);
      reply.send(error);
    });
    await app.ready();
    return listenOnLoopback(app.server);
  },
});
