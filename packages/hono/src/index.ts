/**
 * @sess/hono: Django's SessionMiddleware for Hono. `c.get('session')` is the request's session; it is
 * saved after `await next()`, before Hono sends the response, so a failed save goes to `app.onError`
 * (as an `HTTPException` with the status and the session error as `cause`) instead of a 200.
 * The framework-free core for plain fetch handlers is `@sess/hono/fetch`.
 */
import type { Session, SessionData, Sessions } from '@sess/core';
import { isSessError, varyWithCookie } from '@sess/core';
import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { applySessionHeaders, assertSessions } from './fetch.js';

export {
  applySessionHeaders,
  commitSession,
  createWithSession,
  openSession,
  type SessionHandler,
  type WebSessionOptions,
  type WithSession,
  type WithSessionOptions,
} from './fetch.js';

/** The Hono `Env` for apps using the middleware: `new Hono<SessionEnv<{ userId: string }>>()`. */
export type SessionEnv<T extends SessionData = SessionData> = {
  Variables: { session: Session<T> };
};

export interface SessionMiddlewareOptions<T extends SessionData = SessionData> {
  /** The configured `Sessions` (engine, secret key, cookie settings). */
  sessions: Sessions<T>;
  /**
   * false (default): a request whose cookie carries a valid key has its session loaded before the
   * handler runs. true: nothing is loaded; the handler calls `await c.get('session').load()` when it
   * needs the session, and a request that never does costs no store call.
   */
  lazy?: boolean;
}

/** A session error with an HTTP status becomes Hono's `HTTPException` (the error stays its `cause`). */
function toHttpError(error: unknown): unknown {
  if (isSessError(error) && typeof error.status === 'number') {
    return new HTTPException(error.status as ConstructorParameters<typeof HTTPException>[0], {
      message: error.message,
      cause: error,
    });
  }
  return error;
}

/** The middleware: `app.use(session({ sessions }))`. */
export function session<T extends SessionData = SessionData>(
  options: SessionMiddlewareOptions<T>,
): MiddlewareHandler<SessionEnv<T>> {
  assertSessions(options?.sessions, '@sess/hono session()');
  const { sessions, lazy = false } = options;
  return async (c, next) => {
    const incoming = sessions.cookies.begin(c.req.header('Cookie'));
    c.set('session', incoming.session);
    if (!lazy && incoming.session.sessionKey !== null) {
      // A load failure (the store is down) goes to the error handler before any cookie is touched.
      await incoming.session.load().catch((error: unknown) => {
        throw toHttpError(error);
      });
    }
    await next();
    // A handler's own `await session.load()` that failed (lazy mode) reaches Hono's onError, whose default
    // answers 500; an app that did not map the error itself gets the session error's status (503, 400).
    if (c.error && c.res.status === 500) {
      const mapped = toHttpError(c.error);
      if (mapped instanceof HTTPException) c.res = mapped.getResponse();
    }
    let result: Awaited<ReturnType<typeof sessions.cookies.commit>>;
    try {
      result = await sessions.cookies.commit(incoming, { status: c.res.status });
    } catch (error) {
      throw toHttpError(error);
    }
    if (result.setCookie.length === 0 && !result.vary) return;
    // The response's own headers are changed in place: `c.header()` after the handler rebuilds the
    // response from its body, which turns @hono/node-server's lightweight response into a full undici
    // Response with a stream (a third of the request's cost). Immutable headers (a proxied `fetch()`
    // response, `Response.redirect()`) throw, and only then is the response rebuilt, by `c.header()`.
    try {
      applySessionHeaders(c.res.headers, result);
    } catch {
      for (const value of result.setCookie) c.header('Set-Cookie', value, { append: true });
      if (result.vary) c.header('Vary', varyWithCookie(c.res.headers.get('Vary')));
    }
  };
}
