// The deadline queue network stores share: calls that never answer fail at their deadline (each one, however
// many are in flight), answered calls settle with their outcome, late outcomes are ignored, and the timer
// holds the process open only while calls are pending. Real timers with short timeouts; nothing asserts a
// duration.
import { SessionStoreUnavailable, SessionTooLarge } from '@sess/core';
import { bounded, deadlineQueue, PendingCall, same } from '@sess/core/runtime';
import { describe, expect, it, vi } from 'vitest';

const never = () => new Promise<never>(() => {});

function later<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

/** What engine-cache's `boundedCall` is: a call bounded by the shared queue for its timeout. */
const call = <T>(what: string, timeoutMs: number, send: () => Promise<T>): Promise<T> =>
  bounded(deadlineQueue(timeoutMs), what, send, same);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

describe('bounded (the shared deadline queue)', () => {
  it('fails a call that never answers with SessionStoreUnavailable naming the call and the bound', async () => {
    const error = await rejection(call('cache GET', 40, never));
    expect(error).toBeInstanceOf(SessionStoreUnavailable);
    expect(error.message).toBe('cache GET did not answer within 40 ms');
  });

  it('settles answered calls with their outcome; client errors become SessionStoreUnavailable, sess errors pass', async () => {
    await expect(call('cache GET', 1000, async () => 'value')).resolves.toBe('value');
    const failed = await rejection(
      call('cache GET', 1000, () => Promise.reject(new Error('connection reset'))),
    );
    expect(failed).toBeInstanceOf(SessionStoreUnavailable);
    expect(failed.message).toBe('cache GET failed: connection reset');
    expect(failed.cause).toBeInstanceOf(Error);
    const thrown = await rejection(
      call('cache GET', 1000, () => {
        throw new Error('not connected');
      }),
    );
    expect(thrown.message).toBe('cache GET failed: not connected');
    const tooLarge = new SessionTooLarge('too large', 10, 5);
    expect(await rejection(call('cache SET', 1000, () => Promise.reject(tooLarge)))).toBe(tooLarge);
  });

  it('with many calls in flight under one timeout, each unanswered call expires and each answered one resolves', async () => {
    const timeoutMs = 60;
    const calls = Array.from({ length: 50 }, (_, i) =>
      call(`call ${i}`, timeoutMs, () => (i % 3 === 0 ? never() : later(i % 5, i))).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
    );
    // Started later than the first batch: still expires, at its own deadline.
    await later(20, null);
    const late = rejection(call('late call', timeoutMs, never));
    const outcomes = await Promise.all(calls);
    outcomes.forEach((outcome, i) => {
      if (i % 3 === 0) {
        expect(outcome).toEqual({ error: expect.any(SessionStoreUnavailable) });
        expect((outcome as { error: Error }).error.message).toBe(
          `call ${i} did not answer within ${timeoutMs} ms`,
        );
      } else {
        expect(outcome).toEqual({ value: i });
      }
    });
    expect((await late).message).toBe(`late call did not answer within ${timeoutMs} ms`);
    expect(deadlineQueue(timeoutMs).size).toBe(0);
  });

  it('ignores an outcome that arrives after the deadline', async () => {
    let answer!: (value: string) => void;
    const slow = call('slow GET', 30, () => new Promise<string>((resolve) => (answer = resolve)));
    const error = await rejection(slow);
    expect(error.message).toBe('slow GET did not answer within 30 ms');
    answer('too late');
    await later(5, null);
    expect(deadlineQueue(30).size).toBe(0);
  });

  it('holds the process open only while calls are pending', async () => {
    const timeoutMs = 5000;
    const queue = deadlineQueue(timeoutMs);
    let answer!: (value: number) => void;
    const pending = call('GET', timeoutMs, () => new Promise<number>((resolve) => (answer = resolve)));
    expect(queue.size).toBe(1);
    expect(queue.holdsProcess).toBe(true);
    answer(1);
    await expect(pending).resolves.toBe(1);
    expect(queue.size).toBe(0);
    expect(queue.holdsProcess).toBe(false);
    // The idle timer is re-referenced by the next call, and released again.
    const next = call('GET', timeoutMs, async () => 2);
    expect(queue.holdsProcess).toBe(true);
    await next;
    expect(queue.holdsProcess).toBe(false);
    const failing = call('GET', timeoutMs, () => Promise.reject(new Error('down')));
    await rejection(failing);
    expect(queue.holdsProcess).toBe(false);
  });

  it('does not strand calls on a timer armed under fake timers once real timers are back', async () => {
    const timeoutMs = 45;
    vi.useFakeTimers();
    try {
      await expect(call('GET', timeoutMs, async () => 1)).resolves.toBe(1);
    } finally {
      vi.useRealTimers();
    }
    const error = await rejection(call('GET', timeoutMs, never));
    expect(error.message).toBe(`GET did not answer within ${timeoutMs} ms`);
    // A call made under fake timers while another waits on the real timer: both still end.
    const first = rejection(call('first', timeoutMs, never));
    vi.useFakeTimers();
    let second: Promise<Error>;
    try {
      second = rejection(call('second', timeoutMs, never));
    } finally {
      vi.useRealTimers();
    }
    expect((await first).message).toBe(`first did not answer within ${timeoutMs} ms`);
    expect((await second).message).toBe(`second did not answer within ${timeoutMs} ms`);
  });

  it('treats timeouts outside what setTimeout accepts as setTimeout did (1 ms)', async () => {
    expect((await rejection(call('GET', 0, never))).message).toBe('GET did not answer within 0 ms');
    expect((await rejection(call('GET', Number.NaN, never))).message).toBe(
      'GET did not answer within NaN ms',
    );
  });
});

describe('PendingCall', () => {
  it('reject() settles with the error as it is, once; a subclass can name its bound in the expiry', async () => {
    const original = new Error('driver said no');
    const plain = new PendingCall<number>(deadlineQueue(1000), 'statement');
    plain.reject(original);
    plain.succeed(1);
    expect(await rejection(plain.promise)).toBe(original);
    expect(deadlineQueue(1000).size).toBe(0);

    class Named<T> extends PendingCall<T> {
      override expire(): void {
        this.reject(new SessionStoreUnavailable(`${this.what} gave up after ${this.queue.timeoutMs} ms`));
      }
    }
    const named = new Named<number>(deadlineQueue(25), 'sql');
    const error = await rejection(named.promise);
    expect(error).toBeInstanceOf(SessionStoreUnavailable);
    expect(error.message).toBe('sql gave up after 25 ms');
    expect(deadlineQueue(25).size).toBe(0);
  });
});
