import type { ServerResponse } from 'node:http';

type Call = { method: 'writeHead' | 'write' | 'end' | 'flushHeaders'; args: unknown[] };

const HELD = ['writeHead', 'write', 'end', 'flushHeaders'] as const;

/**
 * Holds a response's first `writeHead`/`write`/`end`/`flushHeaders` until `before(status)` has settled,
 * so an asynchronous session save can still add headers or turn into an error response: headers are
 * never sent before the save is done. `on-headers` (what express-session uses) runs synchronously, which
 * is too late for an async save to fail into the error handler; hence this small hand-written hold.
 *
 * On success the held calls are replayed in order with the original methods. On failure the held calls
 * are dropped, the original methods are restored, and `onError` gets the error (the caller passes it to
 * the framework's error handling, which then writes its own response).
 */
export function holdResponse(
  res: ServerResponse,
  before: (status: number) => Promise<void>,
  onError: (error: unknown) => void,
): void {
  const originals = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
  };
  const own = new Set(HELD.filter((name) => Object.hasOwn(res, name)));
  const queue: Call[] = [];
  let started = false;
  let blocked = false;

  const restore = () => {
    for (const name of HELD) {
      if (own.has(name)) (res as unknown as Record<string, unknown>)[name] = originals[name];
      else delete (res as unknown as Record<string, unknown>)[name];
    }
  };

  const replay = () => {
    let last = true;
    for (const { method, args } of queue) {
      const fn = originals[method] as (...a: unknown[]) => unknown;
      const result = fn.apply(res, args);
      if (method === 'write') last = result !== false;
    }
    // A held `write` answered false (see below); tell a piping stream it may go on, unless the real
    // socket is itself full, in which case it emits 'drain' when it empties.
    if (blocked && last) res.emit('drain');
  };

  const start = (status: number) => {
    started = true;
    before(status).then(
      () => {
        restore();
        replay();
      },
      (error: unknown) => {
        restore();
        onError(error);
      },
    );
  };

  const hold =
    (method: Call['method']) =>
    (...args: unknown[]): unknown => {
      queue.push({ method, args });
      if (!started) {
        const status = method === 'writeHead' && typeof args[0] === 'number' ? args[0] : res.statusCode;
        start(status);
      }
      if (method === 'write') {
        blocked = true;
        return false;
      }
      return method === 'flushHeaders' ? undefined : res;
    };

  for (const name of HELD) (res as unknown as Record<string, unknown>)[name] = hold(name);
}
