import { type Session, Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { type SessionEnv, session } from '@sess/hono';
import { createWithSession } from '@sess/hono/fetch';
import { Hono } from 'hono';
import { describe, expectTypeOf, test } from 'vitest';

interface AppSession {
  [key: string]: unknown;
  userId: string;
  visits: number;
}

const sessions = new Sessions<AppSession>({
  engine: cacheEngine({ backend: memoryCache() }),
  secretKey: 'k',
});

describe('@sess/hono types', () => {
  test("c.get('session') is typed through the app's Variables", () => {
    const app = new Hono<SessionEnv<AppSession>>();
    app.use(session({ sessions }));
    app.get('/', (c) => {
      expectTypeOf(c.get('session')).toEqualTypeOf<Session<AppSession>>();
      expectTypeOf(c.get('session').get('userId')).toEqualTypeOf<string | undefined>();
      expectTypeOf(c.var.session.get('visits', 0)).toEqualTypeOf<number>();
      // @ts-expect-error: visits holds a number
      c.get('session').set('visits', 'many');
      return c.text('ok');
    });
  });

  test('the fetch core hands the handler a typed session and returns a Response', () => {
    const withSession = createWithSession({ sessions, lazy: true });
    const handler = (request: Request) =>
      withSession(request, async (s) => {
        expectTypeOf(s).toEqualTypeOf<Session<AppSession>>();
        await s.load();
        return Response.json({ visits: s.get('visits', 0) });
      });
    expectTypeOf(handler).returns.resolves.toEqualTypeOf<Response>();
  });
});
