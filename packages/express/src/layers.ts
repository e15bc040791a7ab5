/**
 * Prototype layers under Express's own `request` and `response` objects, for what every request would
 * otherwise get as own properties (`req.session`, the hold's wrappers on `res`).
 *
 * Why: Express swaps each `req`/`res` to its app's `app.request`/`app.response` prototype, after which V8
 * gives every property added to it a fresh hidden class copied from the ~40 it already has; one added
 * property cost more than the rest of a request that never touches its session. A getter or a method on
 * a prototype costs nothing per request.
 *
 * Where: under the object the apps' prototypes chain down to (Express's module-level `request` or
 * `response`), not under one app's: Express moves a request between apps' prototypes (a mounted sub-app
 * swaps it in, and back to the parent's when it passes the request on), and mounting re-parents a
 * sub-app's prototypes under the parent's. The base stays below all of them.
 */

export type Kind = 'request' | 'response';

interface Placement {
  /** The prototype's own prototype when this was worked out: a mount changes it. */
  readonly parent: object | null;
  /** The layer, or undefined when this prototype cannot be served by one (see `layerBelow`). */
  readonly layer: object | undefined;
}

/** Whether `proto` is an Express app's `app.request`/`app.response` (it has its own `app` pointing back). */
function isAppObject(proto: object | null, kind: Kind): proto is object {
  if (proto === null || !Object.hasOwn(proto, 'app')) return false;
  const app = (proto as { app?: Partial<Record<Kind, unknown>> }).app;
  return app?.[kind] === proto;
}

function shadows(proto: object, names: readonly string[]): boolean {
  for (const name of names) if (Object.hasOwn(proto, name)) return true;
  return false;
}

/**
 * The layers, one per Express base object and kind, and what each prototype seen so far resolves to.
 * WeakMaps: apps and their prototypes come and go (tests build hundreds).
 */
const layers = new WeakMap<object, object>();
const placements: Record<Kind, WeakMap<object, Placement>> = {
  request: new WeakMap(),
  response: new WeakMap(),
};

/**
 * The layer below `value`'s Express prototypes, inserted the first time, or undefined when `value` did
 * not come through an Express app (plain node:http, Connect), or when one of its app prototypes has its
 * own version of a name in `shadowing` (the layer would sit below it and never be reached).
 * `make(below)` builds a layer whose prototype is `below`.
 */
export function layerBelow(
  value: object,
  kind: Kind,
  shadowing: readonly string[],
  make: (below: object) => object,
): object | undefined {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (!isAppObject(proto, kind)) return undefined;
  const parent = Object.getPrototypeOf(proto) as object | null;
  const known = placements[kind].get(proto);
  if (known !== undefined && known.parent === parent) {
    // The app's own prototype is checked every time: it is the one an application patches.
    return known.layer !== undefined && !shadows(proto, shadowing) ? known.layer : undefined;
  }
  let layer: object | undefined;
  let base: object | null = proto;
  while (isAppObject(base, kind)) {
    if (shadows(base, shadowing)) break;
    base = Object.getPrototypeOf(base) as object | null;
  }
  if (base !== null && !isAppObject(base, kind)) {
    layer = layers.get(base);
    if (layer === undefined || Object.getPrototypeOf(base) !== layer) {
      layer = make(Object.getPrototypeOf(base) as object);
      Object.setPrototypeOf(base, layer);
      layers.set(base, layer);
    }
  }
  placements[kind].set(proto, { parent, layer });
  return layer;
}
