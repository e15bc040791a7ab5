/**
 * @sess/hono/fetch: sessions for any fetch handler — Web `Request` in, `Response` out — with nothing but
 * Web standards and @sess/core: Next.js route handlers, Bun.serve, Deno.serve, Cloudflare Workers.
 * The Hono middleware (`@sess/hono`) is built on the same pieces.
 */
import type { IncomingSession, Session, SessionData, SessionResponse, Sessions } from '@sess/core';
import { ImproperlyConfigured, isSessError, type SessError, varyWithCookie } from '@sess/core';

export interface WebSessionOptions<T extends SessionData = SessionData> {
  /** The configured `Sessions` (engine, secret key, cookie settings). */
  sessions: Sessions<T>;
  /**
   * false (default): a request whose cookie carries a valid key has its session loaded before the
   * handler runs. true: nothing is loaded; the handler calls `await session.load()` when it needs the
   * session, and a request that never does costs no store call.
   */
  lazy?: boolean;
}

export interface WithSessionOptions<T extends SessionData = SessionData> extends WebSessionOptions<T> {
  /**
   * The response for a session failure that has an HTTP status: `SessionStoreUnavailable` (503) and
   * `SessionInterrupted` (400), from loading, from the handler or from saving. The default answers
   * the status with a short plain-text body and sets no cookie. Other errors are rethrown.
   */
  onError?: (error: SessError & { status: number }, request: Request) => Response | Promise<Response>;
}

export type SessionHandler<T extends SessionData = SessionData> = (
  session: Session<T>,
  request: Request,
) => Response | Promise<Response>;

export type WithSession<T extends SessionData = SessionData> = (
  request: Request,
  handler: SessionHandler<T>,
) => Promise<Response>;

export function assertSessions(sessions: unknown, where: string): void {
  const s = sessions as { cookies?: { begin?: unknown } } | undefined;
  if (!s || typeof s.cookies?.begin !== 'function') {
    throw new ImproperlyConfigured(`${where}: \`sessions\` must be a Sessions instance from @sess/core`);
  }
}

/** Opens the request's session from its Cookie header and, unless lazy, loads it when the cookie holds a key. */
export async function openSession<T extends SessionData>(
  request: Request,
  options: WebSessionOptions<T>,
): Promise<IncomingSession<T>> {
  const incoming = options.sessions.cookies.begin(request.headers.get('Cookie'));
  if (!options.lazy && incoming.session.sessionKey !== null) await incoming.session.load();
  return incoming;
}

/** Adds what `commit` decided to a set of headers: the Set-Cookie values, and `Cookie` to `Vary`. */
export function applySessionHeaders(headers: Headers, result: SessionResponse): void {
  for (const value of result.setCookie) headers.append('Set-Cookie', value);
  if (result.vary) headers.set('Vary', varyWithCookie(headers.get('Vary')));
}

/**
 * Saves the session as Django's middleware would for `response` and returns the response carrying the
 * session's headers: the same object, or a copy when its headers are immutable (a `fetch()` response,
 * `Response.redirect()`). Throws `SessionInterrupted`/`SessionStoreUnavailable` as `commit` does.
 */
export async function commitSession<T extends SessionData>(
  incoming: IncomingSession<T>,
  response: Response,
  options: WebSessionOptions<T>,
): Promise<Response> {
  const result = await options.sessions.cookies.commit(incoming, { status: response.status });
  if (result.setCookie.length === 0 && !result.vary) return response;
  try {
    applySessionHeaders(response.headers, result);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    applySessionHeaders(copy.headers, result);
    return copy;
  }
}

function hasStatus(error: unknown): error is SessError & { status: number } {
  return isSessError(error) && typeof error.status === 'number';
}

function defaultErrorResponse(error: SessError & { status: number }): Response {
  const text = error.status === 503 ? 'Service Unavailable' : error.status === 400 ? 'Bad Request' : 'Error';
  return new Response(text, {
    status: error.status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

/**
 * `const withSession = createWithSession({ sessions })`, then in a fetch handler:
 * `return withSession(request, async (session) => Response.json({ visits: session.get('visits') }))`.
 */
export function createWithSession<T extends SessionData = SessionData>(
  options: WithSessionOptions<T>,
): WithSession<T> {
  assertSessions(options?.sessions, '@sess/hono createWithSession()');
  const onError = options.onError ?? defaultErrorResponse;
  return async (request, handler) => {
    try {
      const incoming = await openSession(request, options);
      const response = await handler(incoming.session, request);
      return await commitSession(incoming, response, options);
    } catch (error) {
      if (hasStatus(error)) return onError(error, request);
      throw error;
    }
  };
}
