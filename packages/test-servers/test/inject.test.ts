import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';

it('globalSetup provides the redis info, typed, to the tests', async () => {
  const redis = inject('redis');
  expect(redis.host).toBe('127.0.0.1');
  expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
  const client = new Redis(redis.url);
  try {
    expect(await client.ping()).toBe('PONG');
  } finally {
    client.disconnect();
  }
});
