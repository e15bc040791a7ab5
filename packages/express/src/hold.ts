import { ServerResponse } from 'node:http';

type Method = 'writeHead' | 'write' | 'end' | 'flushHeaders';
type Fn = (this: ServerResponse, ...args: unknown[]) => unknown;

/** What the hold asks before the first header-sending call; created once per middleware, not per request. */
export interface HoldHooks<C> {
  /** Null: nothing to wait for, the calls go through at once. Else the calls wait for the promise. */
  before(context: C, res: ServerResponse, status: number): Promise<void> | null;
}

const OPEN = 0;
const HOLDING = 1;
const RELEASED = 2;

type Held = ServerResponse & Record<symbol, Hold<unknown> | undefined>;

/** The per-response state: one object, the only allocation a request that never holds pays for. */
class Hold<C> {
  phase: number = OPEN;
  blocked = false;
  queue: Array<Method | unknown[]> | null = null;
  readonly writeHead: Fn;
  readonly write: Fn;
  readonly end: Fn;
  readonly flushHeaders: Fn;

  constructor(
    readonly res: ServerResponse,
    readonly hooks: HoldHooks<C>,
    readonly context: C,
    readonly onError: (error: unknown) => void,
  ) {
    this.writeHead = res.writeHead as Fn;
    this.write = res.write as Fn;
    this.end = res.end as Fn;
    this.flushHeaders = res.flushHeaders as Fn;
  }

  call(method: Method, args: unknown[]): unknown {
    const res = this.res;
    if (this.phase === OPEN) {
      const status = method === 'writeHead' && typeof args[0] === 'number' ? args[0] : res.statusCode;
      const waiting = this.hooks.before(this.context, res, status);
      if (waiting === null) {
        this.phase = RELEASED;
        return this[method].apply(res, args);
      }
      this.phase = HOLDING;
      this.queue = [];
      waiting.then(
        () => this.replay(),
        (error: unknown) => {
          this.phase = RELEASED;
          this.queue = null;
          this.onError(error);
        },
      );
    }
    this.queue?.push(method, args);
    if (method === 'write') {
      this.blocked = true;
      return false;
    }
    return method === 'flushHeaders' ? undefined : res;
  }

  replay(): void {
    this.phase = RELEASED;
    const queue = this.queue ?? [];
    this.queue = null;
    let last = true;
    for (let i = 0; i < queue.length; i += 2) {
      const method = queue[i] as Method;
      const result = this[method].apply(this.res, queue[i + 1] as unknown[]);
      if (method === 'write') last = result !== false;
    }
    // A held `write` answered false; tell a piping stream it may go on, unless the real
    // socket is itself full, in which case it emits 'drain' when it empties.
    if (this.blocked && last) this.res.emit('drain');
  }
}

// The wrappers are shared by every response (no closures per request) and find their response's state
// through `this`, as Node's own methods do. A response held twice (two session middlewares, maybe with
// another wrapper in between) gets a second layer: its own key and wrappers, so each layer forwards to
// what it replaced. A call on an object that was never held (a copied method) falls back to Node's.
type Wrapper = (this: Held, ...args: unknown[]) => unknown;

interface Layer {
  key: symbol;
  writeHead: Wrapper;
  write: Wrapper;
  end: Wrapper;
  flushHeaders: Wrapper;
}

function makeLayer(depth: number): Layer {
  const key = Symbol(`@sess/express hold ${depth}`);
  const node = ServerResponse.prototype as unknown as Record<Method, Fn>;
  return {
    key,
    writeHead(this: Held, ...args: unknown[]): unknown {
      const hold = this[key];
      if (hold === undefined) return node.writeHead.apply(this, args);
      return hold.phase === RELEASED ? hold.writeHead.apply(hold.res, args) : hold.call('writeHead', args);
    },
    write(this: Held, ...args: unknown[]): unknown {
      const hold = this[key];
      if (hold === undefined) return node.write.apply(this, args);
      return hold.phase === RELEASED ? hold.write.apply(hold.res, args) : hold.call('write', args);
    },
    end(this: Held, ...args: unknown[]): unknown {
      const hold = this[key];
      if (hold === undefined) return node.end.apply(this, args);
      return hold.phase === RELEASED ? hold.end.apply(hold.res, args) : hold.call('end', args);
    },
    flushHeaders(this: Held, ...args: unknown[]): unknown {
      const hold = this[key];
      if (hold === undefined) return node.flushHeaders.apply(this, args);
      return hold.phase === RELEASED
        ? hold.flushHeaders.apply(hold.res, args)
        : hold.call('flushHeaders', args);
    },
  };
}

const layers: Layer[] = [makeLayer(0)];

/**
 * Holds a response's first `writeHead`/`write`/`end`/`flushHeaders` until `hooks.before(context, res,
 * status)` has settled, so an asynchronous session save can still add headers or turn into an error
 * response: headers are never sent before the save is done. `on-headers` (what express-session uses)
 * runs synchronously, which is too late for an async save to fail into the error handler; hence this
 * small hand-written hold. `before` answers null when there is nothing to wait for (the session was never
 * touched): the calls then go through at once.
 *
 * On success the held calls are replayed in order with the original methods (whatever `res` had before:
 * Node's, or another middleware's wrappers). On failure the held calls are dropped and `onError` gets the
 * error (the caller passes it to the framework's error handling, which then writes its own response).
 * Once released, the wrappers only forward: they are never deleted from `res`, since deleting properties
 * would turn it into a slow dictionary-mode object. The wrappers are own properties of `res`, not a
 * swapped prototype: Express resets the prototype of `res` when it enters and leaves a mounted sub-app.
 */
export function holdResponse<C>(
  res: ServerResponse,
  hooks: HoldHooks<C>,
  context: C,
  onError: (error: unknown) => void,
): void {
  let depth = 0;
  let layer = layers[0] as Layer;
  while ((res as Held)[layer.key] !== undefined) {
    depth++;
    layer = layers[depth] ??= makeLayer(depth);
  }
  (res as Held)[layer.key] = new Hold(res, hooks, context, onError) as Hold<unknown>;
  res.writeHead = layer.writeHead as ServerResponse['writeHead'];
  res.write = layer.write as ServerResponse['write'];
  res.end = layer.end as ServerResponse['end'];
  res.flushHeaders = layer.flushHeaders as ServerResponse['flushHeaders'];
}
