// W3 servers: one app per framework × candidate. Every app answers
//   GET /new        creates a session holding the ~1 KB data (used to build the cookie pool before measuring)
//   GET /           loads the session, counter++, saves, answers the counter
//   GET /untouched  never touches the session, answers 'ok'
// `build(ctx)` returns an `http.Server`-like object with listen(port, host, cb) and close().
import http from 'node:http';
import { createRequire } from 'node:module';
import { makeSessionData, quietLogger, SECRET_KEY } from '../lib/data.mjs';

const require = createRequire(import.meta.url);
const COOKIE_AGE_MS = 1_209_600_000;
const LONG_SECRET = `${SECRET_KEY}-long-enough-for-every-library`;

let created = 0;
const newData = () => makeSessionData(created++);

// ------------------------------------------------------------------------------------------ sess

/** A memory or Redis engine, wrapped to count calls (the lazy route must make none). */
async function sessEngine(ctx) {
  const { cacheEngine } = await import('@sess/engine-cache');
  let backend;
  if (ctx.engine === 'redis') {
    const { Redis } = await import('ioredis');
    const { redisCache } = await import('@sess/engine-cache/redis');
    backend = redisCache(new Redis(ctx.env.servers.redis.url));
  } else {
    const { memoryCache } = await import('@sess/engine-cache/memory');
    backend = memoryCache({ max: 100_000, maxBytes: 1024 ** 3 });
  }
  const engine = cacheEngine({ backend });
  return countingEngine(engine, ctx.stats);
}

function countingEngine(engine, stats) {
  stats.storeCalls = 0;
  const counted = Object.create(engine);
  for (const method of ['load', 'exists', 'save', 'destroy']) {
    counted[method] = (...args) => {
      stats.storeCalls++;
      return engine[method](...args);
    };
  }
  return counted;
}

async function sessSessions(ctx) {
  const { Sessions } = await import('@sess/core');
  return new Sessions({ engine: await sessEngine(ctx), secretKey: SECRET_KEY, logger: quietLogger });
}

// --------------------------------------------------------------------------------------- node:http

function nodeHttp() {
  let n = 0;
  return http.createServer((req, res) => {
    const body = req.url === '/untouched' ? 'ok' : String(++n);
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
}

// ----------------------------------------------------------------------------------------- express

async function express(ctx) {
  const { default: Express } = await import('express');
  const app = Express();
  app.disable('x-powered-by');
  app.disable('etag');
  const c = ctx.candidate;
  if (c === 'none' || c === 'empty-middleware') {
    let n = 0;
    // What any middleware costs in Express's router, whatever it does: a reference for sess's own.
    if (c === 'empty-middleware') app.use((_req, _res, next) => next());
    app.get('/', (_req, res) => res.send(String(++n)));
    app.get('/new', (_req, res) => res.send('ok'));
  } else if (c === 'express-session' || c === 'express-session-redis') {
    const session = require('express-session');
    let store;
    if (c === 'express-session-redis') {
      const { createClient } = await import('redis');
      const { RedisStore } = await import('connect-redis');
      const client = createClient({ url: ctx.env.servers.redis.url });
      await client.connect();
      store = new RedisStore({ client });
    } else {
      store = new session.MemoryStore();
    }
    app.use(
      session({
        secret: LONG_SECRET,
        store,
        resave: false,
        saveUninitialized: false,
        cookie: { maxAge: COOKIE_AGE_MS },
      }),
    );
    app.get('/new', (req, res) => {
      Object.assign(req.session, newData());
      res.send('created');
    });
    app.get('/', (req, res) => {
      req.session.counter++;
      res.send(String(req.session.counter));
    });
  } else if (c === 'cookie-session') {
    const cookieSession = require('cookie-session');
    app.use(cookieSession({ name: 'session', keys: [LONG_SECRET], maxAge: COOKIE_AGE_MS }));
    app.get('/new', (req, res) => {
      req.session = newData();
      res.send('created');
    });
    app.get('/', (req, res) => {
      req.session.counter++;
      res.send(String(req.session.counter));
    });
  } else if (c === 'iron-session') {
    const { getIronSession } = await import('iron-session');
    const options = { password: LONG_SECRET, cookieName: 'iron', ttl: COOKIE_AGE_MS / 1000 };
    app.get('/new', async (req, res) => {
      const session = await getIronSession(req, res, options);
      Object.assign(session, newData());
      await session.save();
      res.send('created');
    });
    app.get('/', async (req, res) => {
      const session = await getIronSession(req, res, options);
      session.counter++;
      await session.save();
      res.send(String(session.counter));
    });
  } else if (c.startsWith('sess')) {
    const { session: sessMiddleware } = await import('@sess/express');
    const sessions = await sessSessions(ctx);
    app.use(sessMiddleware({ sessions, lazy: c === 'sess-lazy' }));
    app.get('/new', async (req, res) => {
      await req.session.load();
      req.session.update(newData());
      res.send('created');
    });
    const count = (req, res) => {
      const counter = req.session.get('counter') + 1;
      req.session.set('counter', counter);
      res.send(String(counter));
    };
    // Eager mode has loaded the session before the handler, which is then as plain as the peers' (an
    // Express user writes it so); lazy mode loads it in the handler.
    app.get(
      '/',
      c === 'sess'
        ? count
        : async (req, res) => {
            await req.session.load();
            count(req, res);
          },
    );
  } else {
    throw new Error(`unknown express candidate ${c}`);
  }
  app.get('/untouched', (_req, res) => res.send('ok'));
  return http.createServer(app);
}

// ----------------------------------------------------------------------------------------- fastify

/** /new and / for the fastify plugins whose `req.session` has get and set. */
function getSetRoutes(app) {
  app.get('/new', async (req) => {
    for (const [k, v] of Object.entries(newData())) req.session.set(k, v);
    return 'created';
  });
  app.get('/', async (req) => {
    const counter = req.session.get('counter') + 1;
    req.session.set('counter', counter);
    return String(counter);
  });
}

async function fastify(ctx) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  const c = ctx.candidate;
  if (c === 'none') {
    let n = 0;
    app.get('/', async () => String(++n));
    app.get('/new', async () => 'ok');
  } else if (c === 'fastify-session') {
    await app.register(require('@fastify/cookie'));
    await app.register(require('@fastify/session'), {
      secret: LONG_SECRET,
      saveUninitialized: false,
      cookie: { maxAge: COOKIE_AGE_MS, secure: false },
    });
    getSetRoutes(app);
  } else if (c === 'secure-session') {
    const sodium = require('sodium-native');
    const key = Buffer.alloc(sodium.crypto_secretbox_KEYBYTES);
    sodium.randombytes_buf(key);
    await app.register(require('@fastify/secure-session'), {
      key,
      cookie: { path: '/', maxAge: COOKIE_AGE_MS / 1000 },
    });
    getSetRoutes(app);
  } else if (c.startsWith('sess')) {
    const { session: sessPlugin } = await import('@sess/fastify');
    const sessions = await sessSessions(ctx);
    await app.register(sessPlugin, { sessions, lazy: c === 'sess-lazy' });
    app.get('/new', async (req) => {
      await req.session.load();
      req.session.update(newData());
      return 'created';
    });
    app.get('/', async (req) => {
      await req.session.load();
      const counter = req.session.get('counter') + 1;
      req.session.set('counter', counter);
      return String(counter);
    });
  } else {
    throw new Error(`unknown fastify candidate ${c}`);
  }
  app.get('/untouched', async () => 'ok');
  await app.ready();
  return app.server;
}

// --------------------------------------------------------------------------------------------- koa

async function koa(ctx) {
  const { default: Koa } = await import('koa');
  const app = new Koa();
  const c = ctx.candidate;
  let handler;
  if (c === 'none' || c === 'empty-middleware') {
    let n = 0;
    // What any middleware costs in Koa, whatever it does: a reference for sess's own.
    if (c === 'empty-middleware') app.use((_kctx, next) => next());
    handler = async (kctx) => {
      kctx.body = kctx.path === '/new' ? 'ok' : String(++n);
    };
  } else if (c === 'koa-session' || c === 'koa-session-store') {
    const { default: session } = await import('koa-session');
    app.keys = [LONG_SECRET];
    const options = { maxAge: COOKIE_AGE_MS };
    if (c === 'koa-session-store') {
      // An external store the way koa-session's README writes one: a Map of JSON.
      const map = new Map();
      options.store = {
        async get(key) {
          const text = map.get(key);
          return text === undefined ? undefined : JSON.parse(text);
        },
        async set(key, sess) {
          map.set(key, JSON.stringify(sess));
        },
        async destroy(key) {
          map.delete(key);
        },
      };
    }
    app.use(session(options, app));
    handler = async (kctx) => {
      if (kctx.path === '/new') {
        Object.assign(kctx.session, newData());
        kctx.body = 'created';
      } else {
        kctx.session.counter++;
        kctx.body = String(kctx.session.counter);
      }
    };
  } else if (c.startsWith('sess')) {
    const { session: sessMiddleware } = await import('@sess/koa');
    const sessions = await sessSessions(ctx);
    app.use(sessMiddleware({ sessions, lazy: c === 'sess-lazy' }));
    handler = async (kctx) => {
      await kctx.session.load();
      if (kctx.path === '/new') {
        kctx.session.update(newData());
        kctx.body = 'created';
      } else {
        const counter = kctx.session.get('counter') + 1;
        kctx.session.set('counter', counter);
        kctx.body = String(counter);
      }
    };
  } else {
    throw new Error(`unknown koa candidate ${c}`);
  }
  app.use(async (kctx) => {
    if (kctx.path === '/untouched') kctx.body = 'ok';
    else await handler(kctx);
  });
  return http.createServer(app.callback());
}

// -------------------------------------------------------------------------------------------- hono

async function hono(ctx) {
  const { Hono } = await import('hono');
  const { createAdaptorServer } = await import('@hono/node-server');
  const app = new Hono();
  const c = ctx.candidate;
  if (c === 'none') {
    let n = 0;
    app.get('/', (hc) => hc.text(String(++n)));
    app.get('/new', (hc) => hc.text('ok'));
  } else if (c.startsWith('sess')) {
    const { session: sessMiddleware } = await import('@sess/hono');
    const sessions = await sessSessions(ctx);
    app.use(sessMiddleware({ sessions, lazy: c === 'sess-lazy' }));
    app.get('/new', async (hc) => {
      const session = hc.get('session');
      await session.load();
      session.update(newData());
      return hc.text('created');
    });
    app.get('/', async (hc) => {
      const session = hc.get('session');
      await session.load();
      const counter = session.get('counter') + 1;
      session.set('counter', counter);
      return hc.text(String(counter));
    });
  } else {
    throw new Error(`unknown hono candidate ${c}`);
  }
  app.get('/untouched', (hc) => hc.text('ok'));
  return createAdaptorServer({ fetch: app.fetch });
}

export const FRAMEWORKS = { 'node:http': nodeHttp, express, fastify, koa, hono };
