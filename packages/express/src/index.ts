/**
 * @sess/express: Django's SessionMiddleware for Express (and Connect). It opens `req.session` from the
 * Cookie header, and saves it before the response's headers leave, so a failed save reaches Express's
 * error handling instead of a 200 with a lost write.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IncomingSession, Session, SessionData, Sessions } from '@sess/core';
import { ImproperlyConfigured, varyWithCookie } from '@sess/core';
import { type HoldHooks, holdResponse } from './hold.js';
import { layerBelow } from './layers.js';

/**
 * The session's fields, for typing `req.session` across the app. Augment it:
 * `declare module '@sess/express' { interface SessionFields { userId: string } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by applications
export interface SessionFields {}

/** The type of `req.session`: `Session` over the augmented `SessionFields`. */
export type RequestSession = Session<SessionFields & SessionData>;

declare global {
  namespace Express {
    interface Request {
      /** The request's session, opened by `session()` from @sess/express. */
      session: RequestSession;
    }
  }
}

export interface SessionMiddlewareOptions<T extends SessionData = SessionData> {
  /** The configured `Sessions` (engine, secret key, cookie settings). */
  sessions: Sessions<T>;
  /**
   * false (default): a request whose cookie carries a valid key has its session loaded before the
   * handler runs. true: nothing is loaded; the handler calls `await req.session.load()` when it needs
   * the session, and a request that never does costs no store call.
   */
  lazy?: boolean;
}

type Next = (error?: unknown) => void;

/** The middleware: `app.use(session({ sessions }))`. */
export function session<T extends SessionData = SessionData>(
  options: SessionMiddlewareOptions<T>,
): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const { sessions, lazy = false } = options ?? ({} as SessionMiddlewareOptions<T>);
  if (!sessions || typeof sessions.cookies?.begin !== 'function') {
    throw new ImproperlyConfigured(
      '@sess/express session(): `sessions` must be a Sessions instance from @sess/core',
    );
  }
  const hooks: HoldHooks<Opening<T>> = {
    before(opening, res, status) {
      const incoming = opening.incoming;
      // Never opened (lazy mode, `req.session` never read): decided from the cookie alone.
      if (incoming === undefined) {
        return sessions.cookies.pendingUnopened(opening.cookieHeader)
          ? commit(sessions, opening.open(), res, status)
          : null;
      }
      return sessions.cookies.pending(incoming) ? commit(sessions, incoming, res, status) : null;
    },
  };
  return function sessionMiddleware(req, res, next) {
    const opening = new Opening(sessions, req.headers.cookie, hooks);
    if (attachSession(req, opening)) {
      // Lazy, under Express: nothing more until `req.session` is first read (which holds the response),
      // unless the cookie alone calls for a commit (an invalid key to delete, `saveEveryRequest`).
      if (lazy && typeof (req as ExpressRequest).next === 'function') {
        if (sessions.cookies.pendingUnopened(opening.cookieHeader)) opening.hold(res, next);
        next();
        return;
      }
    } else {
      (req as IncomingMessage & { session: Session<T> }).session = opening.open().session;
    }
    const incoming = opening.open();
    if (lazy || incoming.session.sessionKey === null) {
      opening.hold(res, next);
      next();
      return;
    }
    // A load failure (the store is down) goes to the error handler before any cookie is touched.
    incoming.session.load().then(() => {
      opening.hold(res, next);
      next();
    }, next);
  };
}

/** What Express sets on every request it routes. */
type ExpressRequest = IncomingMessage & { res?: ServerResponse; next?: Next };

/**
 * A request's session, opened from its Cookie header at first use. In lazy mode under Express, a request
 * whose handler never reads `req.session` is spared the opening and the hold: the hold starts at the
 * first read. It keeps no reference to the request or the response: it is the value of a WeakMap keyed
 * by the request, and a value reaching its own key makes every young-generation GC far slower.
 */
class Opening<T extends SessionData> {
  incoming: IncomingSession<T> | undefined = undefined;
  holding = false;

  constructor(
    readonly sessions: Sessions<T>,
    readonly cookieHeader: string | undefined,
    readonly hooks: HoldHooks<Opening<T>>,
  ) {}

  open(): IncomingSession<T> {
    this.incoming ??= this.sessions.cookies.begin(this.cookieHeader);
    return this.incoming;
  }

  hold(res: ServerResponse, onError: Next): void {
    this.holding = true;
    holdResponse(res, this.hooks, this, onError);
  }

  /**
   * `req.session` under Express. The first read holds the response, if its headers have not left; a
   * failed save then goes to the router's `next` of that moment (Express keeps it as `req.next`).
   */
  read(req: ExpressRequest): Session<T> {
    const { session } = this.open();
    if (!this.holding) {
      this.holding = true;
      const { res, next } = req;
      if (res !== undefined && next !== undefined && !res.headersSent) this.hold(res, next);
    }
    return session;
  }
}

async function commit<T extends SessionData>(
  sessions: Sessions<T>,
  incoming: IncomingSession<T>,
  res: ServerResponse,
  status: number,
): Promise<void> {
  const { setCookie, vary } = await sessions.cookies.commit(incoming, { status });
  if (setCookie.length > 0) appendSetCookie(res, setCookie);
  if (vary) res.setHeader('Vary', varyWithCookie(headerText(res.getHeader('Vary'))));
}

function headerText(value: number | string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function appendSetCookie(res: ServerResponse, values: string[]): void {
  const existing = res.getHeader('Set-Cookie');
  // `values` is a fresh array from commit(): it can become the header as is.
  if (existing === undefined) res.setHeader('Set-Cookie', values);
  else res.setHeader('Set-Cookie', (Array.isArray(existing) ? existing : [String(existing)]).concat(values));
}

// Each Express request's session, read by the `session` getter of a layer under Express's request
// object (see layers.ts): setting it as an own property of `req` was the largest cost of a request that
// never touches its session. Keyed by the request, so it lives as long as the request does.
const sessionOf = new WeakMap<object, Opening<SessionData>>();
const SESSION: readonly string[] = ['session'];

function sessionLayer(below: object): object {
  return Object.create(below, {
    session: {
      get(this: ExpressRequest) {
        return sessionOf.get(this)?.read(this);
      },
      // An application (or another session library) assigning `req.session` gets an ordinary property.
      set(this: IncomingMessage, value: unknown) {
        Object.defineProperty(this, 'session', {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      },
      configurable: true,
    },
  });
}

/** Gives `req` its session through the layer's getter, when `req` came through an Express app. */
function attachSession<T extends SessionData>(req: IncomingMessage, opening: Opening<T>): boolean {
  if (Object.hasOwn(req, 'session') || layerBelow(req, 'request', SESSION, sessionLayer) === undefined) {
    return false;
  }
  sessionOf.set(req, opening as unknown as Opening<SessionData>);
  return true;
}
