/** The demo app: plain server-rendered pages over @sess/express. */
import type { Sessions } from '@sess/core';
import { type RequestSession, session } from '@sess/express';
import express, { type Express, type Request } from 'express';
import { Html, html, page } from './views.js';

declare module '@sess/express' {
  interface SessionFields {
    visits: number;
    user: string;
  }
}

export interface DemoAppOptions {
  sessions: Sessions;
  /** Shown on the inspector page. */
  engine: { name: string; description: string };
}

/** The first 4 characters of a key: enough to see it change, too little to steal the session. */
export function maskKey(key: string | null): string {
  return key === null ? '(none)' : `${key.slice(0, 4)}…`;
}

function who(s: RequestSession): Html {
  const user = s.get('user');
  return user === undefined
    ? html`<p>You are <strong>not logged in</strong>.</p>
<form method="post" action="/login"><label>Name <input type="text" name="username" required maxlength="40" value="alice"></label>
<button type="submit">Log in</button></form>
<p class="note">Logging in calls <code>session.cycleKey()</code>: your data stays, the session key changes (no session fixation).</p>`
    : html`<p>Logged in as <strong id="user">${user}</strong>.</p>
<form method="post" action="/logout"><button type="submit">Log out</button></form>
<p class="note">Logging out calls <code>session.flush()</code>: the stored session is deleted and so is the cookie.</p>`;
}

function otherHost(host: string | undefined): string | null {
  if (!host) return null;
  const [name, port] = host.split(':');
  const other = name === '127.0.0.1' ? 'localhost' : name === 'localhost' ? '127.0.0.1' : null;
  return other === null ? null : `${other}${port ? `:${port}` : ''}`;
}

export function createDemoApp({ sessions, engine }: DemoAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '2kb' }));
  app.use(session({ sessions }));

  app.get('/', (req, res) => {
    const visits = req.session.get('visits', 0) + 1;
    req.session.set('visits', visits);
    res.send(
      page(
        'Visit counter',
        '/',
        html`<p>You have seen this page</p><p class="big" id="visits">${visits}</p><p>time${visits === 1 ? '' : 's'} in this session. Reload to count on.</p>
${who(req.session)}`,
      ),
    );
  });

  app.post('/login', async (req, res) => {
    const name = String((req.body as Record<string, unknown> | undefined)?.username ?? '').trim();
    if (name === '' || name.length > 40) {
      res.status(400).send(page('Log in', '/', html`<p class="no">Give a name of 1 to 40 characters.</p>`));
      return;
    }
    await req.session.cycleKey();
    req.session.set('user', name);
    res.redirect(303, '/');
  });

  app.post('/logout', async (req, res) => {
    await req.session.flush();
    res.redirect(303, '/logged-out');
  });

  // Untouched session: no new one is started, so the cookie stays gone (the counter page would start one).
  app.get('/logged-out', (_req, res) => {
    res.send(
      page(
        'Logged out',
        '',
        html`<p id="logged-out">The session was flushed: its stored record and the cookie are gone.</p>
<p><a href="/">Back to the counter</a> (which starts a new session).</p>`,
      ),
    );
  });

  app.get('/test-cookie', (req, res) => {
    req.session.setTestCookie();
    res.send(
      page(
        'Test cookie',
        '/test-cookie',
        html`<p>Step 1 of 2: this response stored a test value in your session (<code>session.setTestCookie()</code>).</p>
<p>Whether your browser keeps cookies can only be known on the <em>next</em> request:</p>
<p><a id="check" href="/test-cookie/check">Step 2: check it</a></p>`,
      ),
    );
  });

  app.get('/test-cookie/check', (req, res) => {
    const worked = req.session.testCookieWorked();
    if (worked) req.session.deleteTestCookie();
    res.send(
      page(
        'Test cookie',
        '/test-cookie',
        html`<p id="result" class="${worked ? 'ok' : 'no'}">${worked ? 'The test cookie worked: your browser sent the session back.' : 'The test cookie did not work: no test value came back with this request.'}</p>
<p class="note"><code>session.testCookieWorked()</code> is only meaningful on a request after the one that set it.
${worked ? '' : new Html('<a href="/test-cookie">Set it first</a>.')}</p>`,
      ),
    );
  });

  app.get('/expiry', (_req, res) => {
    const soon = new Date(Date.now() + 3600_000).toISOString().slice(0, 16);
    res.send(
      page(
        'Expiry',
        '/expiry',
        html`<form method="post" action="/expiry"><fieldset>
<legend><code>session.setExpiry(…)</code></legend>
<p><label><input type="radio" name="mode" value="seconds" checked> after <input type="number" name="seconds" value="300" min="1"> seconds of inactivity</label></p>
<p><label><input type="radio" name="mode" value="date"> at <input type="datetime-local" name="date" value="${soon}"> (UTC)</label></p>
<p><label><input type="radio" name="mode" value="browser"> when the browser closes (<code>0</code>)</label></p>
<p><label><input type="radio" name="mode" value="default"> the default: ${sessions.settings.cookieAge} seconds (<code>null</code>)</label></p>
<button type="submit">Set expiry</button>
</fieldset></form>
<p class="note">The expiry lives in the session data (<code>_session_expiry</code>), as in Django; the cookie's Max-Age follows it.</p>`,
      ),
    );
  });

  app.post('/expiry', (req, res) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const mode = body.mode;
    if (mode === 'seconds') {
      const seconds = Number(body.seconds);
      if (!Number.isInteger(seconds) || seconds < 1) {
        res
          .status(400)
          .send(page('Expiry', '/expiry', html`<p class="no">Seconds must be a whole number above 0.</p>`));
        return;
      }
      req.session.setExpiry(seconds);
    } else if (mode === 'date') {
      const date = new Date(`${body.date ?? ''}Z`);
      if (Number.isNaN(date.getTime())) {
        res.status(400).send(page('Expiry', '/expiry', html`<p class="no">That is not a date.</p>`));
        return;
      }
      req.session.setExpiry(date);
    } else if (mode === 'browser') {
      req.session.setExpiry(0);
    } else {
      req.session.setExpiry(null);
      req.session.modified = true; // re-send the cookie with the default Max-Age
    }
    res.redirect(303, '/inspect');
  });

  app.get('/inspect', (req, res) => {
    const s = req.session;
    const items = s.items();
    const settings = sessions.settings;
    const browserClose = s.getExpireAtBrowserClose();
    res.send(
      page(
        'Inspector',
        '/inspect',
        html`<table>
<tr><th>Engine</th><td id="engine"><code>${engine.name}</code> (${s.engineName}): ${engine.description}</td></tr>
<tr><th>Session key</th><td id="key"><code>${maskKey(s.sessionKey)}</code></td></tr>
<tr><th>Data</th><td id="data">${
          items.length === 0
            ? html`<em>empty</em>`
            : html`<table>${items.map(([k, v]) => html`<tr><th><code>${k}</code></th><td><code>${JSON.stringify(v)}</code></td></tr>`)}</table>`
        }</td></tr>
<tr><th>Expires</th><td id="expiry">${
          browserClose
            ? html`when the browser closes (the server still drops it after ${s.getExpiryAge()} s of inactivity)`
            : html`${s.getExpiryDate().toUTCString()} (in ${s.getExpiryAge()} s)`
        }</td></tr>
<tr><th>Cookie</th><td><code>${settings.cookieName}</code>; HttpOnly: ${settings.cookieHttpOnly ? 'yes' : 'no'}; SameSite: ${settings.cookieSameSite || 'not set'}; Secure: ${settings.cookieSecure ? 'yes' : 'no'}</td></tr>
</table>
<p class="note">Reading the session does not modify it: this page sets no cookie, it only adds <code>Vary: Cookie</code>.</p>`,
      ),
    );
  });

  app.get('/cross-site', (req: Request, res) => {
    const other = otherHost(req.headers.host);
    const target = other === null ? null : `http://${other}/inspect`;
    res.send(
      page(
        'Cross-site',
        '/cross-site',
        html`<p>127.0.0.1 and localhost are two different <em>sites</em> to a browser. The link below goes from this site to the other one's inspector.</p>
${target === null ? html`<p class="no">Open the demo at 127.0.0.1 or localhost to try this.</p>` : html`<p><a id="cross" href="${target}">${target}</a></p>`}
<p class="note">With <code>SameSite=Strict</code> the browser does not send the session cookie on a navigation that starts on another site, so the inspector there shows no session; with <code>Lax</code> (the default) a top-level link still carries it. This demo runs with SameSite=${sessions.settings.cookieSameSite || 'not set'}.</p>`,
      ),
    );
  });

  return app;
}
