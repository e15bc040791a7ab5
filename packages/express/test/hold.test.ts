import { createServer, type IncomingMessage, ServerResponse } from 'node:http';
import { Client, listenOnLoopback, ProbedEngine, type RunningServer } from '@sess/adapter-tests';
import { type Session, Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { session } from '@sess/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';

// Under Express the hold's wrappers live in a prototype layer under Express's own response object, and find
// the response's state in a WeakMap; elsewhere (or above other wrappers) they are own properties of `res`.
// These cases are the ones such a design could get wrong.

const probe = () => new ProbedEngine(cacheEngine({ backend: memoryCache() }));
const open = (engine = probe(), cookieName = 'sessionid') =>
  new Sessions({ engine, secretKey: 'express-hold-test-secret-long-enough-to-sign', cookieName });

type Chunk = string | Buffer | Uint8Array;
type Write = (this: ServerResponse, chunk: Chunk, ...rest: unknown[]) => boolean;
type End = (this: ServerResponse, chunk?: Chunk, ...rest: unknown[]) => ServerResponse;

/** A compression-like wrapper: own-property write/end that upper-case the body and log when they ran. */
function shout(res: ServerResponse, log: string[], name: string): void {
  const write = res.write as Write;
  const end = res.end as End;
  const upper = (chunk: Chunk) =>
    (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()).toUpperCase();
  const cookieSet = () => (res.getHeader('Set-Cookie') === undefined ? 'no cookie yet' : 'cookie set');
  res.write = function (this: ServerResponse, chunk: Chunk, ...rest: unknown[]) {
    log.push(`${name}.write: ${cookieSet()}`);
    return write.call(this, upper(chunk), ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: Chunk, ...rest: unknown[]) {
    log.push(`${name}.end: ${cookieSet()}`);
    return end.call(this, chunk === undefined || typeof chunk === 'function' ? chunk : upper(chunk), ...rest);
  } as ServerResponse['end'];
}

/** Each path answers `raw`'s body whole, with a fresh session cookie (the save ran before the headers left). */
async function expectHeldReplies(url: string, paths: string[]): Promise<void> {
  for (const path of paths) {
    const c = new Client(url);
    const reply = await c.get(path);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('part one, part two');
    expect(c.value).toMatch(/^[a-z0-9]{32}$/);
  }
}

/** Node's own API, where headers would leave at the first write without the hold. */
function raw(req: IncomingMessage & { session?: Session }, res: ServerResponse): void {
  req.session?.set('n', Number(req.session.get('n', 0)) + 1);
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.write('part one, ');
  res.end('part two');
}

const onError = (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
  const status = (error as { status?: number }).status ?? 500;
  res.status(status).type('text/plain').send(`error ${status}`);
};

describe('@sess/express hold: other wrappers, sub-apps, plain node:http', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** Serves `app` on loopback (closed after the test) and answers a client for it. */
  async function serve(app: ReturnType<typeof express>): Promise<Client> {
    server = await listenOnLoopback(createServer(app));
    return new Client(server.url);
  }

  /** Adds the session and `raw` at '/' to `app`, serves it, and checks one held reply; the client keeps its cookie. */
  async function serveHeld(app: ReturnType<typeof express>): Promise<Client> {
    app.use(session({ sessions: open() }));
    app.get('/', raw);
    const c = await serve(app);
    expect((await c.get('/')).body).toBe('part one, part two');
    expect(c.value).toBeDefined();
    return c;
  }

  it('a wrapper installed before the middleware (as compression) runs after the save, in order', async () => {
    const log: string[] = [];
    const app = express();
    app.use((_req, res, next) => {
      shout(res, log, 'outer');
      next();
    });
    app.use(session({ sessions: open() }));
    app.get('/', raw);
    const c = await serve(app);
    const reply = await c.get('/');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('PART ONE, PART TWO');
    expect(c.value).toMatch(/^[a-z0-9]{32}$/);
    expect(log).toEqual(['outer.write: cookie set', 'outer.end: cookie set']);
  });

  it('a wrapper installed after the middleware is still held behind it', async () => {
    const log: string[] = [];
    const app = express();
    app.use(session({ sessions: open() }));
    app.use((_req, res, next) => {
      shout(res, log, 'inner');
      next();
    });
    app.get('/', raw);
    const c = await serve(app);
    const reply = await c.get('/');
    expect(reply.body).toBe('PART ONE, PART TWO');
    expect(c.value).toMatch(/^[a-z0-9]{32}$/);
    // It runs when the handler calls it, before the save; what it forwards is what waits.
    expect(log).toEqual(['inner.write: no cookie yet', 'inner.end: no cookie yet']);
  });

  it("a mounted sub-app (Express swaps res's prototype going in and out) is still held", async () => {
    const sub = express();
    sub.get('/raw', raw);
    sub.get('/pass', (_req, _res, next) => next());
    const app = express();
    app.use(session({ sessions: open() }));
    app.use('/sub', sub);
    app.get('/sub/pass', raw);
    server = await listenOnLoopback(createServer(app));
    await expectHeldReplies(server.url, ['/sub/raw', '/sub/pass']);
  });

  it('a session opened inside a sub-app is held, and is req.session, after the sub-app passes the request on', async () => {
    const sub = express();
    sub.use(session({ sessions: open() }));
    sub.get('/pass', (req, _res, next) => {
      req.session.set('inside', true);
      next();
    });
    const app = express();
    app.use('/sub', sub);
    const seen: unknown[] = [];
    app.get('/sub/pass', (req, res) => {
      seen.push(req.session?.get('inside'));
      raw(req, res);
    });
    server = await listenOnLoopback(createServer(app));
    await expectHeldReplies(server.url, ['/sub/pass']);
    expect(seen).toEqual([true]);
  });

  it('req.session under Express: assignable, readable once the response has left, absent before the middleware', async () => {
    const app = express();
    const before: unknown[] = [];
    app.use((req, _res, next) => {
      before.push(req.session);
      next();
    });
    app.use(session({ sessions: open() }));
    const afterFinish: unknown[] = [];
    app.get('/late', (req, res) => {
      req.session.set('user', 'ada');
      res.on('finish', () => afterFinish.push(req.session.get('user')));
      res.send('ok');
    });
    app.get('/assign', (req, res) => {
      const replacement = { replaced: true };
      const writable = req as unknown as { session: unknown };
      writable.session = replacement;
      res.json({ same: writable.session === replacement, own: Object.hasOwn(req, 'session') });
    });
    const c = await serve(app);
    await c.get('/late');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(afterFinish).toEqual(['ada']);
    expect(c.value).toMatch(/^[a-z0-9]{32}$/);
    const assigned = await new Client(c.baseUrl).get('/assign');
    expect(assigned.body).toEqual({ same: true, own: true });
    expect(before).toEqual([undefined, undefined]);
  });

  it('lazy: the hold starts at the first read of req.session, above a wrapper installed since', async () => {
    const engine = probe();
    const log: string[] = [];
    const app = express();
    app.use(session({ sessions: open(engine), lazy: true }));
    app.use((_req, res, next) => {
      shout(res, log, 'inner');
      next();
    });
    app.get('/', raw);
    app.get('/late', (req, res) => {
      res.write('headers gone, ');
      // Read after the headers left: nothing can be committed any more, and nothing breaks.
      req.session.set('n', 1);
      res.end('done');
    });
    const c = await serve(app);
    const reply = await c.get('/');
    expect(reply.body).toBe('PART ONE, PART TWO');
    expect(c.value).toMatch(/^[a-z0-9]{32}$/);
    // The hold sits above the wrapper: what reaches it comes after the save.
    expect(log).toEqual(['inner.write: cookie set', 'inner.end: cookie set']);
    expect(engine.calls.save).toBe(1);
    const late = await new Client(c.baseUrl).get('/late');
    expect(late.status).toBe(200);
    expect(late.body).toBe('HEADERS GONE, DONE');
    expect(late.rawSetCookies).toEqual([]);
    expect(engine.calls.save).toBe(1);
  });

  it('two session middlewares, another wrapper between them: each hold forwards to what it replaced', async () => {
    const first = probe();
    const second = probe();
    const log: string[] = [];
    const app = express();
    app.use(session({ sessions: open(first, 'first') }));
    app.use((req, res, next) => {
      res.locals.first = req.session;
      shout(res, log, 'middle');
      next();
    });
    app.use(session({ sessions: open(second, 'second') }));
    app.get('/', (req, res) => {
      (res.locals.first as Session).set('a', 1);
      raw(req, res);
    });
    app.use(onError);
    server = await listenOnLoopback(createServer(app));
    const c = new Client(server.url, 'first');
    const reply = await c.get('/');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('PART ONE, PART TWO');
    expect(reply.setCookies.map((cookie) => cookie.name).sort()).toEqual(['first', 'second']);
    // The second middleware's save came before the wrapper; the first one's after it.
    expect(log).toEqual(['middle.write: cookie set', 'middle.end: cookie set']);
    expect([first.calls.save, second.calls.save]).toEqual([1, 1]);

    second.down = 'writes';
    const failed = await c.get('/');
    expect(failed.status).toBe(503);
    expect(failed.body).toBe('ERROR 503');
    expect(failed.rawSetCookies.some((value) => value.startsWith('second='))).toBe(false);
  });

  it('plain node:http with a Connect-style chain (a response Express never touched)', async () => {
    const engine = probe();
    const middleware = session({ sessions: open(engine) });
    const prototypes: unknown[] = [];
    server = await listenOnLoopback(
      createServer((req, res) => {
        middleware(req, res, (error?: unknown) => {
          if (error !== undefined) {
            res.writeHead(503, { 'Content-Type': 'text/plain' });
            res.end('store down');
            return;
          }
          prototypes.push(Object.getPrototypeOf(res));
          raw(req as IncomingMessage & { session: Session }, res);
        });
      }),
    );
    const c = new Client(server.url);
    const reply = await c.get('/');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('part one, part two');
    expect(c.value).toMatch(/^[a-z0-9]{32}$/);
    expect(prototypes).toEqual([ServerResponse.prototype]);

    engine.down = 'writes';
    const failed = await c.get('/');
    expect(failed.status).toBe(503);
    expect(failed.body).toBe('store down');
  });

  it("while held, write answers false and 'drain' follows the save; then writes go straight through", async () => {
    const seen: unknown[] = [];
    const app = express();
    app.use(session({ sessions: open() }));
    app.get('/', (req, res) => {
      req.session.set('k', 'v');
      res.type('text/plain');
      seen.push(res.write('a'), res.headersSent);
      res.once('drain', () => {
        seen.push('drain', res.headersSent, res.write('b'));
        res.end('c');
      });
    });
    const c = await serve(app);
    const reply = await c.get('/');
    expect(reply.body).toBe('abc');
    expect(c.value).toBeDefined();
    expect(seen).toEqual([false, false, 'drain', true, true]);
  });

  it('flushHeaders is held like the others', async () => {
    const app = express();
    app.use(session({ sessions: open() }));
    app.get('/', (req, res) => {
      req.session.set('k', 'v');
      res.flushHeaders();
      res.end('done');
    });
    const c = await serve(app);
    const reply = await c.get('/');
    expect(reply.body).toBe('done');
    expect(c.value).toMatch(/^[a-z0-9]{32}$/);
  });

  it('a request that never touches its session is released at once: headers leave at the first write', async () => {
    const seen: unknown[] = [];
    const app = express();
    app.use(session({ sessions: open(), lazy: true }));
    app.get('/', (_req, res) => {
      res.type('text/plain');
      seen.push(res.write('a'), res.headersSent);
      res.end('b');
    });
    const reply = await (await serve(app)).get('/');
    expect(reply.body).toBe('ab');
    expect(reply.rawSetCookies).toEqual([]);
    expect(seen).toEqual([true, true]);
  });

  it('a route before the middleware, in the same app, is not held', async () => {
    const app = express();
    app.get('/early', (_req, res) => {
      res.type('text/plain');
      const flowing = res.write('a');
      res.end(String(flowing && res.headersSent));
    });
    const c = await serveHeld(app);
    const early = await c.get('/early');
    expect(early.body).toBe('atrue');
    expect(early.rawSetCookies).toEqual([]);
  });

  it('separate apps, and an app mounted into another after it served requests, are each held', async () => {
    const inner = express();
    inner.use(session({ sessions: open() }));
    inner.get('/raw', raw);
    const other = express();
    other.use(session({ sessions: open() }));
    other.get('/raw', raw);
    const outer = express();
    const before = await serve(inner);
    await before.get('/raw');
    expect(before.value).toBeDefined();
    await server?.close();
    // Mounting re-parents inner's `app.response` under outer's.
    outer.use('/inner', inner);
    outer.use('/other', other);
    server = await listenOnLoopback(createServer(outer));
    await expectHeldReplies(server.url, ['/inner/raw', '/other/raw']);
  });

  it("a method patched on the app's response object stays below the hold", async () => {
    const log: string[] = [];
    const app = express();
    const write = app.response.write as Write;
    app.response.write = function (this: ServerResponse, chunk: Chunk, ...rest: unknown[]) {
      log.push(this.getHeader('Set-Cookie') === undefined ? 'no cookie yet' : 'cookie set');
      return write.call(this, chunk, ...rest);
    } as ServerResponse['write'];
    await serveHeld(app);
    expect(log).toEqual(['cookie set']);
  });

  it("a wrapper called on a response that was never held acts as Node's method", async () => {
    let copied: End | undefined;
    const app = express();
    app.use(session({ sessions: open() }));
    app.get('/', (req, res) => {
      copied = res.end as End;
      req.session.set('k', 'v');
      res.send('ok');
    });
    server = await listenOnLoopback(createServer(app));
    await new Client(server.url).get('/');
    await server.close();
    server = await listenOnLoopback(createServer((_req, res) => copied?.call(res, 'plain')));
    const reply = await new Client(server.url).get('/');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('plain');
  });
});
