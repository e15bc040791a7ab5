// boundedCall is a call on core's shared deadline queue (its own tests are packages/core/test/deadlines.test.ts):
// an unanswered call fails at its deadline and leaves the queue empty, a client error becomes
// SessionStoreUnavailable. Also cacheKey's key check.
import { isValidSessionKey, SessionStoreUnavailable } from '@sess/core';
import { deadlineQueue } from '@sess/core/runtime';
import { boundedCall, cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { describe, expect, it } from 'vitest';
import { rejection } from './helpers.js';

describe('boundedCall', () => {
  it('bounds a call by the shared queue for its timeout', async () => {
    const error = await rejection(boundedCall('cache GET', 41, () => new Promise<never>(() => {})));
    expect(error).toBeInstanceOf(SessionStoreUnavailable);
    expect(error.message).toBe('cache GET did not answer within 41 ms');
    expect(deadlineQueue(41).size).toBe(0);
    const failed = await rejection(boundedCall('cache GET', 41, () => Promise.reject(new Error('reset'))));
    expect(failed.message).toBe('cache GET failed: reset');
  });
});

describe('cacheKey', () => {
  it('accepts exactly the keys core accepts', () => {
    const engine = cacheEngine({ backend: memoryCache() });
    const samples = [
      'abcdefgh',
      'abcdefg',
      'a'.repeat(40),
      'a'.repeat(41),
      '0123456789abcdefghijklmnopqrstuvwxyz',
      'ABCDEFGHIJ',
      'abcdefgh\n',
      'abcdefgh ',
      'abc/efgh',
      'abc:efgh',
      'abc`efgh',
      'abc{efgh',
      'abc@efgh',
      'abc[efgh',
      'abcdéfgh',
      'abcdefgh\u0000',
      '',
    ];
    for (let c = 0; c < 0x180; c++) samples.push(`abcdefg${String.fromCharCode(c)}`);
    for (const key of samples) {
      if (isValidSessionKey(key)) expect(engine.cacheKey(key)).toBe(`:1:django.contrib.sessions.cache${key}`);
      else expect(() => engine.cacheKey(key), JSON.stringify(key)).toThrow(/session keys are 8-40/);
    }
    for (const notString of [undefined, null, 12345678, {}]) {
      expect(() => engine.cacheKey(notString as unknown as string)).toThrow(/session keys are 8-40/);
    }
  });
});
