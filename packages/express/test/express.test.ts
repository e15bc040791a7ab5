import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { Client, listenOnLoopback, ProbedEngine, type RunningServer } from '@sess/adapter-tests';
import { ImproperlyConfigured, Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { session } from '@sess/express';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

describe('@sess/express: the response is held until the session is saved', () => {
  const probe = new ProbedEngine(cacheEngine({ backend: memoryCache() }));
  const sessions = new Sessions({ engine: probe, secretKey: 'express-test-secret' });
  let server: RunningServer;

  beforeAll(async () => {
    const app = express();
    app.use(session({ sessions }));
    app.get('/raw', (req, res) => {
      req.session.set('n', Number(req.session.get('n', 0)) + 1);
      // Node's own API: headers would leave at writeHead without the hold.
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('part one, ');
      res.end('part two');
    });
    app.get('/stream', (req, res) => {
      req.session.set('streamed', true);
      res.type('text/plain');
      Readable.from(['a', 'b', 'c'].map((c) => c.repeat(64 * 1024))).pipe(res);
    });
    server = await listenOnLoopback(createServer(app));
  });

  afterAll(() => server.close());
  beforeEach(() => probe.reset());

  it('writeHead + write + end: the body and the cookie arrive together', async () => {
    const c = new Client(server.url);
    const reply = await c.get('/raw');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('part one, part two');
    expect(c.value).toMatch(/^[a-z0-9]{32}$/);
  });

  it('writeHead(200) then a failed save: 503 from the error handler, not the 200', async () => {
    const c = new Client(server.url);
    await c.get('/raw');
    probe.down = 'writes';
    const reply = await c.get('/raw');
    expect(reply.status).toBe(503);
    expect(reply.body).not.toContain('part one');
    expect(reply.rawSetCookies).toEqual([]);
  });

  it('a piped stream is held while saving, then flows in full', async () => {
    const c = new Client(server.url);
    const reply = await c.get('/stream');
    expect(reply.status).toBe(200);
    expect((reply.body as string).length).toBe(3 * 64 * 1024);
    expect(c.value).toBeDefined();
  });

  it('refuses a missing sessions option at start-up', () => {
    expect(() => session({} as never)).toThrow(ImproperlyConfigured);
  });
});
