/** Deadlines for the network databases' statements, on core's shared deadline queue. */
import { SessionStoreUnavailable } from '@sess/core';
import { deadlineQueue, PendingCall } from '@sess/core/runtime';

/** A statement's call: the driver's errors pass as they are (the adapter maps them), and expiry names the option. */
class Statement<T> extends PendingCall<T> {
  override expire(): void {
    this.reject(
      new SessionStoreUnavailable(
        `${this.what} did not answer within ${this.queue.timeoutMs} ms (timeoutMs)`,
      ),
    );
  }
}

/**
 * Rejects with `SessionStoreUnavailable` when `work` has not settled after `ms` (the store is hanging); no
 * deadline when `ms` is not a positive finite number. Its outcome after the deadline is ignored.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  if (!(ms > 0) || !Number.isFinite(ms)) return work;
  const call = new Statement<T>(deadlineQueue(ms), what);
  work.then(
    (value) => call.succeed(value),
    (error: unknown) => call.reject(error),
  );
  return call.promise;
}
