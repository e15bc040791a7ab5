import { Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { createWithSession } from '@sess/hono/fetch';
import { describe, expect, it } from 'vitest';

const sessions = new Sessions({
  engine: cacheEngine({ backend: memoryCache() }),
  secretKey: 'fetch-test-secret',
});
const withSession = createWithSession({ sessions });

describe('@sess/hono/fetch', () => {
  it('adds the cookie to a response whose headers are immutable (Response.redirect) by copying it', async () => {
    const response = await withSession(new Request('http://127.0.0.1/login'), async (session) => {
      session.set('user', 'alice');
      return Response.redirect('http://127.0.0.1/home', 302);
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('http://127.0.0.1/home');
    expect(response.headers.getSetCookie()[0]).toMatch(/^sessionid=[a-z0-9]{32};/);
    expect(response.headers.get('Vary')).toBe('Cookie');
  });

  it('keeps the same Response object when its headers can change', async () => {
    const original = new Response('hi');
    const response = await withSession(new Request('http://127.0.0.1/'), async (session) => {
      session.set('n', 1);
      return original;
    });
    expect(response).toBe(original);
    expect(response.headers.getSetCookie()).toHaveLength(1);
  });

  it('a handler error that is no session error is rethrown to the caller', async () => {
    await expect(
      withSession(new Request('http://127.0.0.1/'), () => {
        throw new Error('handler bug');
      }),
    ).rejects.toThrow('handler bug');
  });
});
