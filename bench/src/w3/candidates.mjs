// W3 candidates: framework × session library. `ref` is the same framework with no session at all; every
// candidate is also divided by the bare node:http server. `path` is the route autocannon hits.

const c = (framework, candidate, label, role, extra = {}) => ({
  id: `${framework}/${candidate}${extra.engine ? `-${extra.engine}` : ''}`,
  framework,
  server: framework,
  candidate,
  label,
  role,
  path: '/',
  needs: [],
  ref: role === 'limit' ? undefined : `${framework}/none`,
  ...extra,
});

const sessTriple = (framework) => [
  c(framework, 'sess', 'sess + memory engine', 'sess', { engine: 'memory' }),
  c(framework, 'sess', 'sess + Redis engine', 'sess', {
    engine: 'redis',
    needs: ['redis'],
  }),
  c(framework, 'sess-lazy', 'sess lazy, route never touches the session', 'sess', {
    engine: 'memory',
    path: '/untouched',
    lazy: true,
  }),
];

/**
 * The framework with one middleware that only calls next(), on the lazy candidate's route: what any
 * middleware costs there, the floor under sess's lazy ratio.
 */
const emptyMiddleware = (framework) =>
  c(framework, 'empty-middleware', 'one empty middleware, no session (reference)', 'limit', {
    path: '/untouched',
    ref: `${framework}/none`,
    info: true,
  });

/** The bare node:http server, measured inside every framework's group so its ratio is paired in time. */
const ceiling = (framework) =>
  c(framework, 'node-http', 'node:http, no session (ceiling)', 'limit', {
    server: 'node:http',
    candidate: 'none',
  });

export const W3_CANDIDATES = [
  ceiling('express'),
  c('express', 'none', 'express, no session', 'limit'),
  ...sessTriple('express'),
  emptyMiddleware('express'),
  c('express', 'express-session', 'express-session + MemoryStore', 'peer'),
  c('express', 'express-session-redis', 'express-session + connect-redis', 'peer', { needs: ['redis'] }),
  c('express', 'cookie-session', 'cookie-session', 'peer'),
  c('express', 'iron-session', 'iron-session', 'peer'),
  ceiling('fastify'),
  c('fastify', 'none', 'fastify, no session', 'limit'),
  ...sessTriple('fastify'),
  c('fastify', 'fastify-session', '@fastify/session (memory)', 'peer'),
  c('fastify', 'secure-session', '@fastify/secure-session', 'peer'),
  ceiling('koa'),
  c('koa', 'none', 'koa, no session', 'limit'),
  ...sessTriple('koa'),
  emptyMiddleware('koa'),
  c('koa', 'koa-session', 'koa-session (cookie)', 'peer'),
  c('koa', 'koa-session-store', 'koa-session + Map store', 'peer'),
  ceiling('hono'),
  c('hono', 'none', 'hono (@hono/node-server), no session', 'limit'),
  ...sessTriple('hono'),
];

export const FRAMEWORK_ORDER = ['express', 'fastify', 'koa', 'hono'];
