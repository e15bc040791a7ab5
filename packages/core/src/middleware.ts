/**
 * The framework-free middleware core, following Django's `SessionMiddleware`: read the session key from
 * the request's Cookie header, and after the handler decide what goes back: `Set-Cookie` (a fresh cookie
 * for a saved session, a deletion for an emptied one) and whether the response varies on `Cookie`.
 * Adapters for Express, Fastify, Koa and Hono are thin layers over this.
 */
import { parse, type SerializeOptions, serialize } from 'cookie';
import { isSessError, SessionInterrupted, UpdateError } from './errors.js';
import type { Session } from './session.js';
import type { Sessions } from './sessions.js';
import type { SessionData } from './types.js';

export interface IncomingSession<T extends object = SessionData> {
  readonly session: Session<T>;
  /** Whether the request carried a cookie of the session's name (even one that was not a valid key). */
  readonly cookieReceived: boolean;
}

export interface SessionResponse {
  /** `Set-Cookie` header values to append (zero or one). */
  readonly setCookie: string[];
  /** Whether to add `Cookie` to the response's `Vary` header. */
  readonly vary: boolean;
}

export interface CommitOptions {
  /** The response status; a response with status >= 500 does not save. */
  status: number;
}

// Session keys and signed values only use cookie-safe characters; percent-encoding ':' would break Django.
const identity = (value: string) => value;
const VALUE_MARK = 'SESSVALUEMARK';
// RFC 6265 cookie-octet: printable ASCII except space, '"', ',', ';' and '\\'.
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

export class CookieRules<T extends object = SessionData> {
  readonly #sessions: Sessions<T>;

  constructor(sessions: Sessions<T>) {
    this.#sessions = sessions;
  }

  /** The session cookie's value in a Cookie header. Duplicates: the first wins, in every adapter. */
  read(cookieHeader: string | null | undefined): string | undefined {
    if (!cookieHeader) return undefined;
    const name = this.#sessions.settings.cookieName;
    if (!cookieHeader.includes(name)) return undefined;
    try {
      return parse(cookieHeader)[name];
    } catch {
      return undefined;
    }
  }

  /** Opens the request's session from its Cookie header. No I/O. */
  begin(cookieHeader: string | null | undefined): IncomingSession<T> {
    const value = this.read(cookieHeader);
    return { session: this.#sessions.open(value ?? null), cookieReceived: value !== undefined };
  }

  /**
   * Whether `commit` has anything to do for this request (a cookie to set or delete, a save, a Vary
   * header). False for a request that never touched its session: adapters then skip the commit entirely.
   */
  pending(incoming: IncomingSession<T>): boolean {
    const { session, cookieReceived } = incoming;
    return (
      session.accessed ||
      session.modified ||
      this.#sessions.settings.saveEveryRequest ||
      (cookieReceived && session.isEmpty())
    );
  }

  /**
   * For adapters that open a session only when the handler first reads it: whether a request whose
   * session was never opened has anything to commit. The same answer as `pending(begin(cookieHeader))`
   * for an untouched session, without opening one: true with `saveEveryRequest`, or when the request
   * carried a session cookie that is not a valid key (Django deletes it). When true, `begin` and commit.
   */
  pendingUnopened(cookieHeader: string | null | undefined): boolean {
    if (this.#sessions.settings.saveEveryRequest) return true;
    const value = this.read(cookieHeader);
    return value !== undefined && !this.#sessions.isValidKey(value);
  }

  /**
   * After the handler: saves the session when Django would and says which headers to send.
   * Throws `SessionInterrupted` (400) when the session was deleted by a concurrent request, and lets
   * store failures (`SessionStoreUnavailable`, 503) and other save errors through: a lost write is never
   * reported as success.
   */
  async commit(incoming: IncomingSession<T>, options: CommitOptions): Promise<SessionResponse> {
    const { session, cookieReceived } = incoming;
    const settings = this.#sessions.settings;
    const { accessed, modified } = session;
    const empty = session.isEmpty();

    if (cookieReceived && empty) {
      return { setCookie: [this.deletion()], vary: true };
    }
    if (!(modified || settings.saveEveryRequest) || empty) {
      return { setCookie: [], vary: accessed };
    }
    if (options.status >= 500) return { setCookie: [], vary: accessed };

    if (!session.isLoaded) await session.load();
    if (session.isEmpty()) return { setCookie: cookieReceived ? [this.deletion()] : [], vary: true };
    const browserClose = session.getExpireAtBrowserClose();
    const maxAge = browserClose ? undefined : session.getExpiryAge();
    try {
      await session.save();
    } catch (error) {
      if (isSessError(error, UpdateError.code)) {
        throw new SessionInterrupted(
          "The request's session was deleted before the request completed. The user may have logged out in a concurrent request, for example.",
          { cause: error },
        );
      }
      throw error;
    }
    const key = session.sessionKey;
    if (key === null) return { setCookie: cookieReceived ? [this.deletion()] : [], vary: true };
    return { setCookie: [this.cookie(key, maxAge)], vary: true };
  }

  #attributes(): SerializeOptions {
    const s = this.#sessions.settings;
    const options: SerializeOptions = { path: s.cookiePath, encode: identity };
    if (s.cookieDomain !== null) options.domain = s.cookieDomain;
    if (s.cookieSameSite) options.sameSite = s.cookieSameSite.toLowerCase() as 'lax' | 'strict' | 'none';
    return options;
  }

  /** The Set-Cookie value carrying `value`; without `maxAge` it is a browser-session cookie. */
  cookie(value: string, maxAge?: number): string {
    if (!COOKIE_VALUE.test(value))
      throw new TypeError('a session cookie value must consist of cookie-octets');
    this.#templates ??= this.#makeTemplates();
    const t = this.#templates;
    if (maxAge === undefined) return t.session[0] + value + t.session[1];
    const expiresAt = Math.floor((this.#sessions.clock.now() + maxAge * 1000) / 1000);
    // Expires has whole seconds, and every response within a second carries the same one.
    if (this.#expires.at !== expiresAt) {
      this.#expires = { at: expiresAt, text: new Date(expiresAt * 1000).toUTCString() };
    }
    return `${t.persistent[0]}${value}${t.persistent[1]}${maxAge}${t.persistent[2]}${this.#expires.text}${t.persistent[3]}`;
  }

  #expires = { at: Number.NaN, text: '' };

  // The attributes are the same on every response: let the cookie library write them once, around
  // placeholders, and fill in the value, Max-Age and Expires per response.
  #templates: { session: string[]; persistent: string[] } | undefined;

  #makeTemplates(): { session: string[]; persistent: string[] } {
    const s = this.#sessions.settings;
    const options = this.#attributes();
    if (s.cookieHttpOnly) options.httpOnly = true;
    if (s.cookieSecure) options.secure = true;
    if (s.cookiePartitioned) options.partitioned = true;
    if (s.cookiePriority) options.priority = s.cookiePriority.toLowerCase() as 'low' | 'medium' | 'high';
    const session = serialize(s.cookieName, VALUE_MARK, options).split(VALUE_MARK);
    const persistent = serialize(s.cookieName, VALUE_MARK, { ...options, maxAge: 7, expires: new Date(0) });
    const [head = '', rest = ''] = persistent.split(VALUE_MARK);
    const [beforeAge = '', afterAge = ''] = rest.split('; Max-Age=7');
    const [middle = '', tail = ''] = afterAge.split(`; Expires=${new Date(0).toUTCString()}`);
    return { session, persistent: [head, `${beforeAge}; Max-Age=`, `${middle}; Expires=`, tail] };
  }

  /** The Set-Cookie value deleting the session cookie (same Path/Domain/SameSite as it was set with). */
  deletion(): string {
    const s = this.#sessions.settings;
    const options = this.#attributes();
    options.maxAge = 0;
    options.expires = new Date(0);
    // As Django's delete_cookie: Secure for prefixed names and SameSite=None, which browsers require.
    const lower = s.cookieName.toLowerCase();
    if (
      s.cookieSecure ||
      lower.startsWith('__secure-') ||
      lower.startsWith('__host-') ||
      s.cookieSameSite === 'None'
    ) {
      options.secure = true;
    }
    if (s.cookiePartitioned) options.partitioned = true;
    return serialize(s.cookieName, '', options);
  }
}

/** Adds `Cookie` to a Vary header value unless already there (Django's `patch_vary_headers`). */
export function varyWithCookie(existing: string | null | undefined): string {
  if (!existing) return 'Cookie';
  const fields = existing.split(',').map((f) => f.trim().toLowerCase());
  if (fields.includes('cookie') || fields.includes('*')) return existing;
  return `${existing}, Cookie`;
}
