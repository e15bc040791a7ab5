import { type Cookie, parse as parseSetCookie } from 'set-cookie-parser';

export interface Reply {
  status: number;
  body: unknown;
  /** The parsed `Set-Cookie` headers of the session cookie (and any other). */
  setCookies: Cookie[];
  /** The raw `Set-Cookie` header values. */
  rawSetCookies: string[];
  vary: string | null;
}

export interface RequestOptions {
  /** Send this Cookie header instead of the jar's cookie (null: send none). */
  cookie?: string | null;
  /** Do not store what the response sets (a browser refusing cookies). */
  ignoreSetCookie?: boolean;
}

/** An HTTP client with a one-cookie jar, for the session cookie, over `fetch`. */
export class Client {
  readonly baseUrl: string;
  readonly cookieName: string;
  /** The session cookie value the jar holds, or undefined. */
  value: string | undefined;

  constructor(baseUrl: string, cookieName = 'sessionid') {
    this.baseUrl = baseUrl;
    this.cookieName = cookieName;
  }

  async get(path: string, options: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    const cookie =
      options.cookie !== undefined
        ? options.cookie
        : this.value === undefined
          ? null
          : `${this.cookieName}=${this.value}`;
    if (cookie !== null) headers.cookie = cookie;
    const response = await fetch(new URL(path, this.baseUrl), { headers, redirect: 'manual' });
    const text = await response.text();
    let body: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text) as unknown;
    const rawSetCookies = response.headers.getSetCookie();
    const setCookies = parseSetCookie(rawSetCookies, { decodeValues: false });
    if (!options.ignoreSetCookie) {
      for (const c of setCookies) {
        if (c.name !== this.cookieName) continue;
        const expired =
          c.maxAge !== undefined
            ? c.maxAge <= 0
            : c.expires !== undefined && c.expires.getTime() < Date.now();
        this.value = expired ? undefined : c.value;
      }
    }
    return { status: response.status, body, setCookies, rawSetCookies, vary: response.headers.get('vary') };
  }

  /** The session cookie set by a reply, if any. */
  sessionCookie(reply: Reply): Cookie | undefined {
    return reply.setCookies.find((c) => c.name === this.cookieName);
  }
}
