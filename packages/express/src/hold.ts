import type { ServerResponse } from 'node:http';
import { layerBelow } from './layers.js';

type Method = 'writeHead' | 'write' | 'end' | 'flushHeaders';
type Fn = (this: ServerResponse, ...args: unknown[]) => unknown;

/** What the hold asks before the first header-sending call; created once per middleware, not per request. */
export interface HoldHooks<C> {
  /** Null: nothing to wait for, the calls go through at once. Else the calls wait for the promise. */
  before(context: C, res: ServerResponse, status: number): Promise<void> | null;
}

type Methods = Record<Method, Fn>;
const METHODS: readonly Method[] = ['writeHead', 'write', 'end', 'flushHeaders'];

const OPEN = 0;
const HOLDING = 1;
const RELEASED = 2;

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
    /** Where the original methods are read: `res` itself, or what lies below our prototype layer. */
    origin: Methods,
    readonly hooks: HoldHooks<C>,
    readonly context: C,
    readonly onError: (error: unknown) => void,
  ) {
    this.writeHead = origin.writeHead;
    this.write = origin.write;
    this.end = origin.end;
    this.flushHeaders = origin.flushHeaders;
  }

  call(method: Method, args: unknown[]): unknown {
    const res = this.res;
    if (this.phase === OPEN) {
      const status = method === 'writeHead' && typeof args[0] === 'number' ? args[0] : res.statusCode;
      const waiting = this.hooks.before(this.context, res, status);
      if (waiting === null) {
        this.release();
        return this[method].apply(res, args);
      }
      this.phase = HOLDING;
      this.queue = [];
      waiting.then(
        () => this.replay(),
        (error: unknown) => {
          this.release();
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

  /** From now on the wrappers only forward; a released hold leaves the WeakMap at once (see `held`). */
  release(): void {
    this.phase = RELEASED;
    if (held.get(this.res) === this) held.delete(this.res);
  }

  replay(): void {
    this.release();
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

// Responses held through the prototype layer (below), until released: a response that is not in it is
// forwarded. Dropping entries at release keeps the map to the responses in flight, which matters: a
// WeakMap holding every response until it dies made each young-generation GC markedly slower.
const held = new WeakMap<object, Hold<unknown>>();

/**
 * The wrappers, as a prototype layer under Express's response object (see layers.ts): a response that
 * is not held forwards to the methods below.
 */
function wrappers(below: object): object {
  const methods = below as Methods;
  const wrap = (method: Method) =>
    function (this: ServerResponse, ...args: unknown[]): unknown {
      const hold = held.get(this);
      if (hold === undefined) return methods[method].apply(this, args);
      return hold.phase === RELEASED ? hold[method].apply(this, args) : hold.call(method, args);
    };
  const layer = Object.create(below) as Methods;
  for (const method of METHODS) {
    Object.defineProperty(layer, method, { value: wrap(method), writable: true, configurable: true });
  }
  return layer;
}

/**
 * The layer this response can be held through: it came through an Express app, no prototype above the
 * layer has own versions of the four methods (a wrapper installed before us, as compression does, must
 * stay below the hold), and it is not held already. Else undefined: the hold then wraps `res` with own
 * properties.
 */
function layerFor(res: ServerResponse): object | undefined {
  for (const method of METHODS) if (Object.hasOwn(res, method)) return undefined;
  if (held.has(res)) return undefined;
  return layerBelow(res, 'response', METHODS, wrappers);
}

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
 * would turn it into a slow dictionary-mode object.
 *
 * Under Express the wrappers are a prototype layer under Express's response object (see layers.ts), not
 * a per-request prototype swap, which Express would undo when entering a mounted sub-app; elsewhere, or
 * on top of another middleware's own wrappers, they are four closures set as own properties of `res`.
 */
export function holdResponse<C>(
  res: ServerResponse,
  hooks: HoldHooks<C>,
  context: C,
  onError: (error: unknown) => void,
): void {
  // Under Express the wrappers live in a prototype layer (adding them to `res` is costly, see layers.ts),
  // and a request only records its hold in a WeakMap.
  const layer = layerFor(res);
  if (layer !== undefined) {
    held.set(res, new Hold(res, Object.getPrototypeOf(layer) as Methods, hooks, context, onError));
    return;
  }
  const hold = new Hold(res, res as unknown as Methods, hooks, context, onError);
  const own = res as unknown as Methods;
  for (const method of METHODS) {
    own[method] = (...args: unknown[]) =>
      hold.phase === RELEASED ? hold[method].apply(res, args) : hold.call(method, args);
  }
}
