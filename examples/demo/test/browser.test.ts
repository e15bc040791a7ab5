/**
 * End to end in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
 * against the demo on loopback, on the embedded default engine (SQLite in a temporary directory).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDemo, startDemo } from '../src/demo.js';

const CHROMIUM = '/usr/bin/chromium';
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = mkdtempSync(join(tmpdir(), 'sess-demo-e2e-'));

let browser: Browser;
let lax: RunningDemo;
let strict: RunningDemo;

const demoOn = (name: string, sameSite: string) =>
  startDemo({
    SESS_ENGINE: 'sqlite',
    SESS_SQLITE_PATH: join(dir, `${name}.sqlite3`),
    SECRET_KEY: 'e2e-secret-key-for-the-browser-tests',
    SESS_COOKIE_SAMESITE: sameSite,
    PORT: '0',
  });

async function sessionCookie(context: BrowserContext) {
  return (await context.cookies()).find((c) => c.name === 'sessionid');
}

beforeAll(async () => {
  [lax, strict] = await Promise.all([demoOn('lax', 'Lax'), demoOn('strict', 'Strict')]);
  // Running as root needs --no-sandbox. A missing Chromium fails loudly: scripts/install-deps.sh installs it.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await lax?.close();
  await strict?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the demo in headless Chromium', () => {
  it('the counter survives reloads', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(lax.url);
    expect(await page.textContent('#visits')).toBe('1');
    await page.reload();
    expect(await page.textContent('#visits')).toBe('2');
    await page.reload();
    expect(await page.textContent('#visits')).toBe('3');
    await context.close();
  });

  it('the session cookie is HttpOnly: scripts cannot see it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(lax.url);
    const cookie = await sessionCookie(context);
    expect(cookie?.value).toMatch(/^[a-z0-9]{32}$/);
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    expect(await page.evaluate(() => document.cookie)).not.toContain('sessionid');
    await context.close();
  });

  it('logging in changes the key and keeps the data; logging out removes the cookie', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(lax.url);
    await page.reload();
    const before = (await sessionCookie(context))!.value;
    await page.fill('input[name=username]', 'alice');
    await Promise.all([page.waitForURL(lax.url), page.click('button[type=submit]')]);
    expect(await page.textContent('#user')).toBe('alice');
    expect(await page.textContent('#visits')).toBe('3');
    const after = (await sessionCookie(context))!.value;
    expect(after).toMatch(/^[a-z0-9]{32}$/);
    expect(after).not.toBe(before);

    await page.goto(`${lax.url}inspect`);
    expect(await page.textContent('#key')).toBe(`${after.slice(0, 4)}…`);
    expect(await page.content()).not.toContain(after);

    await page.goto(lax.url);
    await Promise.all([page.waitForURL(`${lax.url}logged-out`), page.click('form[action="/logout"] button')]);
    expect(await sessionCookie(context)).toBeUndefined();
    expect(await lax.sessions.open(after).exists(after)).toBe(false);
    await context.close();
  });

  it('a browser-close session has no expiry in the cookie jar; a seconds expiry has one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${lax.url}expiry`);
    await page.check('input[value=browser]');
    await Promise.all([page.waitForURL(`${lax.url}inspect`), page.click('button[type=submit]')]);
    expect((await sessionCookie(context))?.expires).toBe(-1);
    expect(await page.textContent('#expiry')).toContain('when the browser closes');

    await page.goto(`${lax.url}expiry`);
    await page.check('input[value=seconds]');
    await page.fill('input[name=seconds]', '600');
    await Promise.all([page.waitForURL(`${lax.url}inspect`), page.click('button[type=submit]')]);
    const expires = (await sessionCookie(context))!.expires;
    expect(expires).toBeGreaterThan(Date.now() / 1000 + 500);
    expect(expires).toBeLessThan(Date.now() / 1000 + 700);
    await context.close();
  });

  it('the test cookie works only on the request after the one that set it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${lax.url}test-cookie/check`);
    expect(await page.getAttribute('#result', 'class')).toBe('no');
    await page.goto(`${lax.url}test-cookie`);
    await Promise.all([page.waitForURL(`${lax.url}test-cookie/check`), page.click('#check')]);
    expect(await page.getAttribute('#result', 'class')).toBe('ok');
    await context.close();
  });

  describe('SameSite on a cross-site navigation (localhost → 127.0.0.1)', () => {
    async function crossSiteInspect(demo: RunningDemo): Promise<{ crossed: string; direct: string }> {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(demo.url);
      const key = (await sessionCookie(context))!.value;
      const port = new URL(demo.url).port;
      await page.goto(`http://localhost:${port}/cross-site`);
      const target = `${demo.url}inspect`;
      expect(await page.getAttribute('#cross', 'href')).toBe(target);
      await Promise.all([page.waitForURL(target), page.click('#cross')]);
      const crossed = (await page.textContent('#key'))!;
      // The cookie was not deleted by that visit: a same-site request still carries it.
      await page.goto(target);
      const direct = (await page.textContent('#key'))!;
      expect(direct).toBe(`${key.slice(0, 4)}…`);
      await context.close();
      return { crossed, direct };
    }

    it('Strict: the cookie is not sent, the session is not seen', async () => {
      const { crossed } = await crossSiteInspect(strict);
      expect(crossed).toBe('(none)');
    });

    it('Lax (the default): a top-level link still carries it', async () => {
      const { crossed, direct } = await crossSiteInspect(lax);
      expect(crossed).toBe(direct);
    });
  });

  it('renders the inspector (screenshot in test-results/demo-inspector.png)', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const page = await context.newPage();
    await page.goto(lax.url);
    await page.reload();
    await page.fill('input[name=username]', 'alice');
    await Promise.all([page.waitForURL(lax.url), page.click('button[type=submit]')]);
    await page.goto(`${lax.url}expiry`);
    await page.check('input[value=seconds]');
    await page.fill('input[name=seconds]', '3600');
    await Promise.all([page.waitForURL(`${lax.url}inspect`), page.click('button[type=submit]')]);
    expect(await page.textContent('#engine')).toContain('db:sqlite');
    expect(await page.textContent('#data')).toContain('"alice"');
    expect(await page.textContent('#expiry')).toContain('in 3600 s');
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, 'test-results', 'demo-inspector.png'), fullPage: true });
    await context.close();
  });
});
