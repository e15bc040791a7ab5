import { Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { type RequestSession, session } from '@sess/express';
import express, { type Request } from 'express';
import { describe, expectTypeOf, test } from 'vitest';

declare module '@sess/express' {
  interface SessionFields {
    userId: string;
    visits: number;
  }
}

const sessions = new Sessions({ engine: cacheEngine({ backend: memoryCache() }), secretKey: 'k' });

describe('@sess/express types', () => {
  test('session() mounts as Express middleware', () => {
    const app = express();
    app.use(session({ sessions }));
    app.use(session({ sessions, lazy: true }));
  });

  test('req.session is typed through the SessionFields augmentation', () => {
    expectTypeOf<Request['session']>().toEqualTypeOf<RequestSession>();
    const app = express();
    app.get('/', (req, res) => {
      expectTypeOf(req.session.get('userId')).toEqualTypeOf<string | undefined>();
      expectTypeOf(req.session.get('visits', 0)).toEqualTypeOf<number>();
      expectTypeOf(req.session.load()).resolves.toEqualTypeOf<RequestSession>();
      req.session.set('visits', 1);
      // @ts-expect-error: visits holds a number
      req.session.set('visits', 'many');
      res.end();
    });
  });

  test('the options are checked', () => {
    // @ts-expect-error: sessions is required
    session({ lazy: true });
    // @ts-expect-error: lazy is a boolean
    session({ sessions, lazy: 'yes' });
  });
});
