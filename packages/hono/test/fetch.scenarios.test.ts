import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { runAdapterScenarios } from '@sess/adapter-tests';
import { createWithSession } from '@sess/hono/fetch';

// The framework-free core, as a Next.js route handler or Bun/Deno/Workers fetch handler uses it.
runAdapterScenarios({
  name: 'fetch (Web Request/Response)',
  async start({ sessions, lazy, routes, errors }) {
    const withSession = createWithSession({
      sessions,
      lazy,
      onError: (error) => {
        errors.push(error);
        return new Response(error.message, { status: error.status });
      },
    });
    const byPath = new Map(routes.map((route) => [route.path, route]));
    const fetch = async (request: Request): Promise<Response> => {
      const url = new URL(request.url);
      const route = byPath.get(url.pathname);
      if (!route) return new Response('Not Found', { status: 404 });
      try {
        return await withSession(request, async (session) => {
          const result = await route.handle(session, url.searchParams);
          return Response.json(result.body, { status: result.status, headers: result.headers ?? {} });
        });
      } catch (error) {
        // The platform's error handling: what a fetch handler's caller does with a thrown error.
        errors.push(error);
        return new Response('Internal Server Error', { status: 500 });
      }
    };
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
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
