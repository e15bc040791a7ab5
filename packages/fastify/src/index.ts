/**
 * @sess/fastify: Django's SessionMiddleware as a Fastify plugin. `onRequest` opens `request.session`
 * from the Cookie header (and loads it unless lazy); `onSend` saves it before the headers are written,
 * so a failed save goes through Fastify's error handling instead of a 200 with a lost write.
 */
import type { Session, SessionData, Sessions } from '@sess/core';
import { ImproperlyConfigured, type IncomingSession, varyWithCookie } from '@sess/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The session's fields, for typing `request.session`. Augment it:
 * `declare module '@sess/fastify' { interface SessionFields { userId: string } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by applications
export interface SessionFields {}

/** The type of `request.session`: `Session` over the augmented `SessionFields`. */
export type RequestSession = Session<SessionFields & SessionData>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's session, opened by the @sess/fastify plugin. */
    session: RequestSession;
  }
}

export interface SessionPluginOptions<T extends SessionData = SessionData> {
  /** The configured `Sessions` (engine, secret key, cookie settings). */
  sessions: Sessions<T>;
  /**
   * false (default): a request whose cookie carries a valid key has its session loaded in `onRequest`.
   * true: nothing is loaded; the handler calls `await request.session.load()` when it needs the session,
   * and a request that never does costs no store call.
   */
  lazy?: boolean;
}

// The request's incoming session once opened (and loaded), null again once committed: the error response
// of a failed commit is not committed again. A decorated property, so every request has it from the start.
const INCOMING = Symbol('@sess/fastify incoming');
type Opened = FastifyRequest & { [INCOMING]: IncomingSession<SessionData> | null };

const plugin: FastifyPluginAsync<SessionPluginOptions> = async (fastify, options) => {
  const { sessions, lazy = false } = options ?? ({} as SessionPluginOptions);
  if (!sessions || typeof sessions.cookies?.begin !== 'function') {
    throw new ImproperlyConfigured(
      '@sess/fastify: the `sessions` option must be a Sessions instance from @sess/core',
    );
  }
  fastify.decorateRequest('session', null as unknown as RequestSession);
  fastify.decorateRequest(INCOMING, null);

  // Callback hooks, not async ones: a request that needs no store call goes through both synchronously,
  // without a promise and a microtask per hook.
  fastify.addHook('onRequest', (request, _reply, done) => {
    const incoming = sessions.cookies.begin(request.headers.cookie);
    request.session = incoming.session as unknown as RequestSession;
    if (lazy || incoming.session.sessionKey === null) {
      (request as Opened)[INCOMING] = incoming;
      done();
      return;
    }
    // A load failure (the store is down) goes to the error handler before any cookie is touched.
    incoming.session.load().then(() => {
      (request as Opened)[INCOMING] = incoming;
      done();
    }, done);
  });

  fastify.addHook('onSend', (request, reply, payload, done) => {
    const incoming = (request as Opened)[INCOMING];
    if (incoming === null) {
      done(null, payload);
      return;
    }
    (request as Opened)[INCOMING] = null;
    // Untouched: commit() would answer no headers; skip its promise.
    if (!sessions.cookies.pending(incoming)) {
      done(null, payload);
      return;
    }
    sessions.cookies.commit(incoming, { status: reply.statusCode }).then(({ setCookie, vary }) => {
      try {
        for (const value of setCookie) reply.header('set-cookie', value);
        if (vary) reply.header('vary', varyWithCookie(headerText(reply.getHeader('vary'))));
      } catch (error) {
        done(error as Error);
        return;
      }
      done(null, payload);
    }, done);
  });
};

function headerText(value: ReturnType<FastifyReply['getHeader']>): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** The plugin: `await app.register(session, { sessions })`. */
export const session = fp(plugin, { fastify: '>=4', name: '@sess/fastify' });
