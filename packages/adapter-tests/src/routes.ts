import type { Session, SessionData } from '@sess/core';

export interface RouteResult {
  status: number;
  /** Sent as JSON. */
  body: unknown;
  headers?: Record<string, string>;
}

/** One route of the scenario app; every adapter's test server mounts all of them with GET. */
export interface ScenarioRoute {
  path: string;
  /**
   * False for a route that never reads the session: a harness must not read it either (reading
   * `req.session` opens the session in an adapter that opens it lazily, as Express's does).
   */
  touchesSession?: false;
  /** Runs with the request's session (never read when `touchesSession` is false). A thrown error must reach the framework's error handling. */
  handle(session: Session<SessionData>, query: URLSearchParams): Promise<RouteResult>;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets a test hold a request after its session was loaded (for the concurrent-logout scenario). */
export class Gate {
  #loaded = deferred();
  #release = deferred();

  get loaded(): Promise<void> {
    return this.#loaded.promise;
  }

  markLoaded(): void {
    this.#loaded.resolve();
  }

  wait(): Promise<void> {
    return this.#release.promise;
  }

  release(): void {
    this.#release.resolve();
  }
}

export interface RouteState {
  gate: Gate;
  /** Makes the store unreachable (for a save that fails after the handler ran). */
  breakStore: () => Promise<void>;
}

const ok = (body: unknown = {}, status = 200): RouteResult => ({ status, body });

function statusOf(query: URLSearchParams): number {
  return Number(query.get('status') ?? 200);
}

/**
 * The scenario app. Each route loads the session itself (`await session.load()` is idempotent and does
 * no I/O once loaded), so the same routes serve eager and lazy mode; `/untouched` never touches it.
 */
export function scenarioRoutes(state: RouteState): ScenarioRoute[] {
  return [
    { path: '/untouched', touchesSession: false, handle: async () => ok({ untouched: true }) },
    {
      path: '/read',
      handle: async (session, q) => {
        await session.load();
        return ok({ value: session.get(q.get('name') ?? '') ?? null, key: session.sessionKey });
      },
    },
    {
      path: '/set',
      handle: async (session, q) => {
        await session.load();
        session.set(q.get('name') ?? 'x', q.get('value') ?? '');
        return ok({}, statusOf(q));
      },
    },
    {
      path: '/count',
      handle: async (session) => {
        await session.load();
        const count = Number(session.get('count', 0)) + 1;
        session.set('count', count);
        return ok({ count });
      },
    },
    {
      path: '/login',
      handle: async (session, q) => {
        await session.load();
        await session.cycleKey();
        session.set('user', q.get('user') ?? 'alice');
        return ok();
      },
    },
    {
      path: '/logout',
      handle: async (session) => {
        await session.load();
        await session.flush();
        return ok();
      },
    },
    {
      path: '/clear',
      handle: async (session) => {
        await session.load();
        session.clear();
        return ok();
      },
    },
    {
      path: '/expiry',
      handle: async (session, q) => {
        await session.load();
        const mode = q.get('mode');
        const value = q.get('value') ?? '';
        if (mode === 'seconds') session.setExpiry(Number(value));
        else if (mode === 'date') session.setExpiry(new Date(value));
        else if (mode === 'browser') session.setExpiry(0);
        else session.setExpiry(null);
        session.set('expiryMode', mode ?? 'default');
        return ok({ age: session.getExpiryAge(), browserClose: session.getExpireAtBrowserClose() });
      },
    },
    {
      path: '/test-cookie/set',
      handle: async (session) => {
        await session.load();
        session.setTestCookie();
        return ok();
      },
    },
    {
      path: '/test-cookie/check',
      handle: async (session) => {
        await session.load();
        const worked = session.testCookieWorked();
        if (worked) session.deleteTestCookie();
        return ok({ worked });
      },
    },
    {
      path: '/crash',
      handle: async (session, q) => {
        await session.load();
        session.set('count', 999);
        return ok({ crashed: true }, Number(q.get('status') ?? 500));
      },
    },
    {
      path: '/throw',
      handle: async (session) => {
        await session.load();
        session.set('count', 999);
        throw new Error('the handler failed (on purpose)');
      },
    },
    {
      path: '/vary',
      handle: async (session) => {
        await session.load();
        return {
          status: 200,
          body: { value: session.get('count') ?? null },
          headers: { Vary: 'Accept-Language' },
        };
      },
    },
    {
      path: '/count-then-break',
      handle: async (session) => {
        await session.load();
        const count = Number(session.get('count', 0)) + 1;
        session.set('count', count);
        await state.breakStore();
        return ok({ count });
      },
    },
    {
      path: '/slow-set',
      handle: async (session) => {
        await session.load();
        state.gate.markLoaded();
        await state.gate.wait();
        session.set('late', true);
        return ok();
      },
    },
  ];
}
