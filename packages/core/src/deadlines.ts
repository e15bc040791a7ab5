/**
 * Deadlines for calls to network stores (caches, SQL databases), without a timer per call. Calls that share a
 * timeout reach their deadlines in the order they started, so they wait in one list, oldest first, under one
 * timer armed for the oldest: starting and settling a call is two list links instead of a `setTimeout` +
 * `clearTimeout` pair. Internal to sess's own engines (exported from `@sess/core/runtime`, not the main entry).
 */
import { isSessError, SessionStoreUnavailable } from './errors.js';

/** Node's longest timer; `setTimeout` turns anything outside [1, this] into 1 ms. */
const TIMEOUT_MAX = 2 ** 31 - 1;

/** A call as its queue sees it. */
interface Waiting {
  deadline: number;
  prev: Waiting | null;
  next: Waiting | null;
  expire(): void;
}

/** One call in flight: settled once, by its outcome or at its deadline, whichever comes first. */
export class PendingCall<T> implements Waiting {
  readonly promise: Promise<T>;
  readonly what: string;
  readonly queue: DeadlineQueue;
  deadline = 0;
  prev: Waiting | null = null;
  next: Waiting | null = null;
  settled = false;
  #resolve!: (value: T) => void;
  #reject!: (error: unknown) => void;

  /** Starts the clock: create it just before sending the call to the client. */
  constructor(queue: DeadlineQueue, what: string) {
    this.queue = queue;
    this.what = what;
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    queue.push(this);
  }

  succeed(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.queue.remove(this);
    this.#resolve(value);
  }

  /** Errors that are already sess errors (e.g. `SessionTooLarge`) pass through; others become `SessionStoreUnavailable`. */
  fail(error: unknown): void {
    if (this.settled) return;
    if (isSessError(error)) {
      this.reject(error);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.reject(new SessionStoreUnavailable(`${this.what} failed: ${message}`, { cause: error }));
  }

  /** Fails the call with `error` as it is (for callers that map the client's errors themselves). */
  reject(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.queue.remove(this);
    this.#reject(error);
  }

  /** Called by the queue at the deadline; a subclass may name the call's bound differently. */
  expire(): void {
    this.reject(new SessionStoreUnavailable(`${this.what} did not answer within ${this.queue.timeoutMs} ms`));
  }
}

/**
 * The calls in flight with one timeout, oldest first. The timer is referenced only while calls are pending,
 * so an idle queue never keeps the process alive; when it fires it expires the calls past their deadline and
 * re-arms itself for the oldest remaining one (so under steady traffic it fires about once per timeout).
 */
export class DeadlineQueue {
  /** As given, for error messages. */
  readonly timeoutMs: number;
  readonly #ms: number;
  #head: Waiting | null = null;
  #tail: Waiting | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The `setTimeout` that armed `#timer`. */
  #armedWith: typeof setTimeout | undefined;

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    // The bound `setTimeout` gave the old per-call timer, for callers of `boundedCall` with odd values.
    this.#ms = timeoutMs >= 1 && timeoutMs <= TIMEOUT_MAX ? timeoutMs : 1;
  }

  push(call: Waiting): void {
    const start = now();
    call.deadline = start + this.#ms;
    const tail = this.#tail;
    if (tail === null) {
      this.#head = call;
      this.#tail = call;
    } else {
      call.prev = tail;
      tail.next = call;
      this.#tail = call;
    }
    // An armed timer fires no later than the oldest call's deadline; the sweep re-arms it as needed. An idle
    // one armed by another `setTimeout` (fake timers came or went since) is replaced: it may never fire.
    if (this.#timer === undefined || (tail === null && this.#armedWith !== setTimeout)) {
      this.#arm(this.#ms);
    } else if (tail === null) {
      this.#timer.ref?.();
    }
  }

  remove(call: Waiting): void {
    const { prev, next } = call;
    if (prev === null) this.#head = next;
    else prev.next = next;
    if (next === null) this.#tail = prev;
    else next.prev = prev;
    call.prev = null;
    call.next = null;
    if (this.#head === null) this.#timer?.unref?.();
  }

  /** Calls in flight (for tests). */
  get size(): number {
    let n = 0;
    for (let call = this.#head; call !== null; call = call.next) n += 1;
    return n;
  }

  /** Whether a timer is armed and holding the process open (for tests). */
  get holdsProcess(): boolean {
    return this.#timer?.hasRef?.() ?? false;
  }

  #arm(delay: number): void {
    this.#timer?.unref?.(); // an idle timer replaced: if it still fires, it is no longer `#timer` and does nothing
    this.#armedWith = setTimeout;
    const timer = setTimeout(() => {
      if (this.#timer === timer) this.#sweep();
    }, delay);
    this.#timer = timer;
  }

  #sweep(): void {
    this.#timer = undefined;
    const time = performance.now();
    let call = this.#head;
    while (call !== null && call.deadline <= time) {
      const next: Waiting | null = call.next;
      call.expire();
      call = next;
    }
    if (this.#head !== null) {
      // Node may fire a little early (its loop clock lags); then this waits out the rest.
      this.#arm(Math.max(1, Math.ceil(this.#head.deadline - time)));
    }
  }
}

/**
 * The time calls start at, read once per turn of the microtask queue rather than once per call (a clock read
 * costs as much as the rest of the bookkeeping here). A call made later in the same turn gets a deadline a
 * little early, as the per-call `setTimeout` had (Node measures timers from the event loop's cached time).
 */
let turnStart = -1;
function endTurn(): void {
  turnStart = -1;
}
// A promise job rather than `queueMicrotask`, which fake timers may replace (and then never run).
const settled = Promise.resolve();
function now(): number {
  if (turnStart < 0) {
    turnStart = performance.now();
    settled.then(endTurn);
  }
  return turnStart;
}

/**
 * Starts a call's deadline, then sends it; its reply, through `map`, settles the call (a late outcome is
 * ignored). A client that throws instead of rejecting fails the call too.
 */
export function bounded<R, T>(
  queue: DeadlineQueue,
  what: string,
  send: () => PromiseLike<R>,
  map: (reply: R) => T,
): Promise<T> {
  const call = new PendingCall<T>(queue, what);
  try {
    send().then(
      (reply) => call.succeed(map(reply)),
      (error: unknown) => call.fail(error),
    );
  } catch (error) {
    call.fail(error);
  }
  return call.promise;
}

/** The `map` of `bounded` for a reply answered as it is. */
export const same = <T>(value: T): T => value;

const queues = new Map<number, DeadlineQueue>();

/** The shared queue for calls bounded by `timeoutMs`. */
export function deadlineQueue(timeoutMs: number): DeadlineQueue {
  let queue = queues.get(timeoutMs);
  if (queue === undefined) {
    queue = new DeadlineQueue(timeoutMs);
    queues.set(timeoutMs, queue);
  }
  return queue;
}
