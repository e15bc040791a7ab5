import { Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { type RequestSession, session } from '@sess/fastify';
import Fastify, { type FastifyRequest } from 'fastify';
import { describe, expectTypeOf, test } from 'vitest';

declare module '@sess/fastify' {
  interface SessionFields {
    userId: string;
    visits: number;
  }
}

const sessions = new Sessions({ engine: cacheEngine({ backend: memoryCache() }), secretKey: 'k' });

describe('@sess/fastify types', () => {
  test('the plugin registers with its options', async () => {
    const app = Fastify();
    await app.register(session, { sessions });
    await app.register(session, { sessions, lazy: true });
    // @ts-expect-error: lazy is a boolean
    await app.register(session, { sessions, lazy: 'yes' });
  });

  test('request.session is typed through the SessionFields augmentation', () => {
    expectTypeOf<FastifyRequest['session']>().toEqualTypeOf<RequestSession>();
    const app = Fastify();
    app.get('/', async (request) => {
      expectTypeOf(request.session.get('userId')).toEqualTypeOf<string | undefined>();
      expectTypeOf(request.session.get('visits', 0)).toEqualTypeOf<number>();
      request.session.set('visits', 1);
      // @ts-expect-error: visits holds a number
      request.session.set('visits', 'many');
      return {};
    });
  });
});
