import type { ServerResponse } from 'node:http';

type Call = { method: 'writeHead' | 'write' | 'end' | 'flushHeaders'; args: unknown[] };

const HELD = ['writeHead', 'write', 'end', 'flushHeaders'] as const;

/**
 * Holds a response's first `writeHead`/`write`/`end`/`flushHeaders` until `before(status)` has settled,
 * so an asynchronous session save can still add headers or turn into an error response: headers are
 * never sent before the save is done. `on-headers` (what express-session uses) runs synchronously, which
 * is too late for an async save to fail into the error handler; hence this small hand-written hold.
 * `before` answers null when there is nothing to wait for (the session was never touched): the calls
 * then go through at once.
 *
 * On success the held calls are replayed in order with the original methods. On failure the held calls
 * are dropped and `onError` gets the error (the caller passes it to the framework's error handling, which
 * then writes its own response). Once released, the wrappers only forward: they are never deleted from
 * `res`, since deleting properties would turn it into a slow dictionary-mode object.
 */
export function holdResponse(
  res: ServerResponse,
  before: (status: number) => Promise<void> | null,
  onError: (error: unknown) => void,
): void {
  const originals = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
  };
  const queue: Call[] = [];
  let state: 'open' | 'holding' | 'released' = 'open';
  let blocked = false;

  const replay = () => {
    state = 'released';
    let last = true;
    for (const { method, args } of queue) {
      const fn = originals[method] as (...a: unknown[]) => unknown;
      const result = fn.apply(res, args);
      if (method === 'write') last = result !== false;
    }
    queue.length = 0;
    // A held `write` answered false (see below); tell a piping stream it may go on, unless the real
    // socket is itself full, in which case it emits 'drain' when it empties.
    if (blocked && last) res.emit('drain');
  };

  const hold =
    (method: Call['method']) =>
    (...args: unknown[]): unknown => {
      const original = originals[method] as (...a: unknown[]) => unknown;
      if (state === 'released') return original.apply(res, args);
      if (state === 'open') {
        const status = method === 'writeHead' && typeof args[0] === 'number' ? args[0] : res.statusCode;
        const waiting = before(status);
        if (waiting === null) {
          state = 'released';
          return original.apply(res, args);
        }
        state = 'holding';
        waiting.then(replay, (error: unknown) => {
          state = 'released';
          queue.length = 0;
          onError(error);
        });
      }
      queue.push({ method, args });
      if (method === 'write') {
        blocked = true;
        return false;
      }
      return method === 'flushHeaders' ? undefined : res;
    };

  for (const name of HELD) (res as unknown as Record<string, unknown>)[name] = hold(name);
}
