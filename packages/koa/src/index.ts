/**
 * @sess/koa: Django's SessionMiddleware for Koa. It opens `ctx.session` from the Cookie header (and loads
 * it unless lazy), and after `await next()` saves it and sets the headers; Koa writes the response only
 * after every middleware returned, so a failed save becomes Koa's error response, never a 200.
 */
import type { Session, SessionData, Sessions } from '@sess/core';
import { ImproperlyConfigured, type IncomingSession, varyWithCookie } from '@sess/core';
import type { Middleware, ParameterizedContext } from 'koa';

/**
 * The session's fields, for typing `ctx.session`. Augment it:
 * `declare module '@sess/koa' { interface SessionFields { userId: string } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by applications
export interface SessionFields {}

/** The type of `ctx.session`: `Session` over the augmented `SessionFields`. */
export type ContextSession = Session<SessionFields & SessionData>;

declare module 'koa' {
  interface DefaultContext {
    /** The request's session, opened by `session()` from @sess/koa. */
    session: ContextSession;
  }
}

export interface SessionMiddlewareOptions<T extends SessionData = SessionData> {
  /** The configured `Sessions` (engine, secret key, cookie settings). */
  sessions: Sessions<T>;
  /**
   * false (default): a request whose cookie carries a valid key has its session loaded before the
   * downstream middleware runs. true: nothing is loaded; the handler calls `await ctx.session.load()`
   * when it needs the session, and a request that never does costs no store call.
   */
  lazy?: boolean;
}

/** The middleware: `app.use(session({ sessions }))`. */
export function session<T extends SessionData = SessionData>(
  options: SessionMiddlewareOptions<T>,
): Middleware {
  const { sessions, lazy = false } = options ?? ({} as SessionMiddlewareOptions<T>);
  if (!sessions || typeof sessions.cookies?.begin !== 'function') {
    throw new ImproperlyConfigured(
      '@sess/koa session(): `sessions` must be a Sessions instance from @sess/core',
    );
  }
  return async function sessionMiddleware(ctx: ParameterizedContext, next) {
    // What `ctx.get('Cookie') || undefined` answers, without Koa's getter chain.
    const incoming = sessions.cookies.begin(ctx.req.headers.cookie);
    ctx.session = incoming.session as unknown as ContextSession;
    // A load failure (the store is down) becomes Koa's error response before any cookie is touched.
    if (!lazy && incoming.session.sessionKey !== null) await incoming.session.load();
    try {
      await next();
    } catch (error) {
      await commitForError(sessions, incoming, error);
      throw error;
    }
    // Untouched: commit() would answer no headers; skip its promise.
    if (!sessions.cookies.pending(incoming)) return;
    const { setCookie, vary } = await sessions.cookies.commit(incoming, { status: ctx.status });
    for (const value of setCookie) ctx.append('Set-Cookie', value);
    if (vary) ctx.set('Vary', varyWithCookie(headerText(ctx.response.get('Vary'))));
  };
}

/**
 * Downstream threw: Koa answers with the error's status (4xx for `ctx.throw(404)`, else 500) and drops
 * every header set so far, keeping only `error.headers`. So the session is committed for that status (a
 * 4xx still saves, as in Django; a 5xx does not) and its headers ride on `error.headers`.
 */
async function commitForError<T extends SessionData>(
  sessions: Sessions<T>,
  incoming: IncomingSession<T>,
  error: unknown,
): Promise<void> {
  if (typeof error !== 'object' || error === null) return;
  const e = error as { status?: unknown; statusCode?: unknown; headers?: Record<string, string | string[]> };
  const raw = e.status ?? e.statusCode;
  const status = typeof raw === 'number' && raw >= 400 && raw <= 599 ? raw : 500;
  const { setCookie, vary } = await sessions.cookies.commit(incoming, { status });
  if (setCookie.length === 0 && !vary) return;
  const headers = { ...(e.headers ?? {}) };
  if (setCookie.length > 0) headers['Set-Cookie'] = setCookie;
  if (vary) headers.Vary = varyWithCookie(headerText(headers.Vary));
  e.headers = headers;
}

function headerText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}
