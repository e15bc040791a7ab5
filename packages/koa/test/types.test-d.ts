import { Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { type ContextSession, session } from '@sess/koa';
import Koa, { type Context } from 'koa';
import { describe, expectTypeOf, test } from 'vitest';

declare module '@sess/koa' {
  interface SessionFields {
    userId: string;
    visits: number;
  }
}

const sessions = new Sessions({ engine: cacheEngine({ backend: memoryCache() }), secretKey: 'k' });

describe('@sess/koa types', () => {
  test('ctx.session is typed through the SessionFields augmentation', () => {
    const app = new Koa();
    app.use(session({ sessions, lazy: true }));
    app.use(async (ctx) => {
      expectTypeOf(ctx.session).toEqualTypeOf<ContextSession>();
      expectTypeOf(ctx.session.get('userId')).toEqualTypeOf<string | undefined>();
      expectTypeOf(ctx.session.get('visits', 0)).toEqualTypeOf<number>();
      ctx.session.set('visits', 1);
      // @ts-expect-error: visits holds a number
      ctx.session.set('visits', 'many');
    });
    expectTypeOf<Context['session']>().toEqualTypeOf<ContextSession>();
  });

  test('the options are checked', () => {
    // @ts-expect-error: sessions is required
    session({ lazy: true });
  });
});
