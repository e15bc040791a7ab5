/**
 * The signed-cookies engine's own promises beyond the contract kit: key rotation and re-signing, the
 * 4096-byte browser limit, per-session expiry honoured, options checked at start-up, encryption that
 * hides the data, and the edge-runtime code path (Web Crypto, no static Node import).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordingLogger } from '@sess/contract';
import { ImproperlyConfigured, type SessionData, Sessions, SessionTooLarge, signing } from '@sess/core';
import { type SignedCookiesEngine, signedCookiesEngine } from '@sess/engine-signed-cookies';
import { describe, expect, it, vi } from 'vitest';
import { nodeAead, webAead } from '../src/runtime.ts';
import { cookieFor, ManualClock, rejections, SECRET_KEY, setup } from './helpers.ts';

const OLD_KEY = 'the-previous-secret-key-0123456789-abcdefghijklmnop';
const DATA: SessionData = { user: 'u1' };
const cookieValue = (setCookie: string) => /^sessionid=([^;]*);/.exec(setCookie)![1]!;

for (const encrypt of [false, true]) {
  const mode = encrypt ? 'encrypted' : 'signed';

  describe(`${mode}: key rotation`, () => {
    const rotated = (fallbacks: string[]) => {
      const logger = new RecordingLogger();
      const engine = signedCookiesEngine({ encrypt });
      return {
        logger,
        sessions: new Sessions({ engine, secretKey: SECRET_KEY, secretKeyFallbacks: fallbacks, logger }),
      };
    };
    const signedWithOldKey = () =>
      cookieFor(new Sessions({ engine: signedCookiesEngine({ encrypt }), secretKey: OLD_KEY }), DATA);

    it('a fallback key verifies; the next save re-signs with the current key', async () => {
      const old = await signedWithOldKey();
      const { sessions } = rotated([OLD_KEY]);
      const s = await sessions.open(old).load();
      expect(s.get('user')).toBe('u1');
      const engine = sessions.engine as SignedCookiesEngine;
      expect(await engine.signedWithCurrentKey(old, sessions.context)).toBe(false);
      s.set('seen', true);
      await s.save();
      expect(s.sessionKey).not.toBe(old);
      expect(await engine.signedWithCurrentKey(s.sessionKey!, sessions.context)).toBe(true);
      // Proof: it loads where only the current key is known.
      const current = rotated([]).sessions;
      expect(Object.fromEntries((await current.open(s.sessionKey).load()).items())).toEqual({
        user: 'u1',
        seen: true,
      });
    });

    it('once the fallback is removed, the old cookie is a new empty session', async () => {
      const old = await signedWithOldKey();
      const { sessions, logger } = rotated([]);
      expect((await sessions.open(old).load()).sessionKey).toBeNull();
      expect(rejections(logger)).toEqual(['bad signature']);
    });

    it('a read-only request re-issues a cookie signed with a fallback key under the current key', async () => {
      const old = await signedWithOldKey();
      const { sessions } = rotated([OLD_KEY]);

      const reissued = sessions.cookies.begin(`sessionid=${old}`);
      await reissued.session.load();
      expect(reissued.session.modified).toBe(true);
      reissued.session.get('user');
      const out = await sessions.cookies.commit(reissued, { status: 200 });
      expect(out.setCookie).toHaveLength(1);
      const fresh = cookieValue(out.setCookie[0]!);
      expect((await rotated([]).sessions.open(fresh).load()).get('user')).toBe('u1');

      // A cookie already under the current key is left alone.
      const again = sessions.cookies.begin(`sessionid=${fresh}`);
      await again.session.load();
      expect(again.session.modified).toBe(false);
      expect((await sessions.cookies.commit(again, { status: 200 })).setCookie).toEqual([]);
    });
  });

  describe(`${mode}: the 4096-byte browser limit`, () => {
    /** Random hex is incompressible enough that the value grows with the data. */
    const filler = (n: number) => {
      const bytes = new Uint8Array(Math.ceil(n / 2));
      crypto.getRandomValues(bytes);
      return Array.from(bytes, (b) => b.toString(16).padStart(2, '0'))
        .join('')
        .slice(0, n);
    };

    it('name=value of exactly 4096 bytes is emitted; one byte more is SessionTooLarge, with the size and the fix', async () => {
      const clock = new ManualClock();
      const data = { blob: filler(encrypt ? 2900 : 2600) };
      // The same data at the same second gives the same length; the cookie name moves the total byte by byte.
      const at = (cookieName: string) => {
        const sessions = new Sessions({
          engine: signedCookiesEngine({ encrypt }),
          secretKey: SECRET_KEY,
          clock,
          cookieName,
        });
        const s = sessions.open();
        s.update(data);
        return { sessions, save: () => s.save().then(() => s.sessionKey!) };
      };
      const probe = await at('n').save();
      expect(probe.length).toBeLessThan(4000);
      const exact = 'c'.repeat(4096 - 1 - probe.length);
      const value = await at(exact).save();
      expect(exact.length + 1 + value.length).toBe(4096);

      const over = at(`${exact}c`);
      const failure = over.save();
      await expect(failure).rejects.toThrow(SessionTooLarge);
      await expect(failure).rejects.toMatchObject({ size: 4097, limit: 4096 });
      await expect(failure).rejects.toThrow(/4097 bytes.*Store less.*server-side engine/);

      // Through the middleware: nothing is emitted, the failure reaches the caller.
      const incoming = over.sessions.cookies.begin(undefined);
      incoming.session.update(data);
      await expect(over.sessions.cookies.commit(incoming, { status: 200 })).rejects.toThrow(SessionTooLarge);
      const fits = at(exact).sessions;
      const ok = fits.cookies.begin(undefined);
      ok.session.update(data);
      const out = await fits.cookies.commit(ok, { status: 200 });
      expect(out.setCookie[0]!.split(';')[0]).toHaveLength(4096);
    });

    it('a lower limit is an option', async () => {
      const { sessions } = setup({ encrypt, maxCookieBytes: 200 });
      await expect(cookieFor(sessions, { blob: filler(300) })).rejects.toMatchObject({ limit: 200 });
    });
  });

  describe(`${mode}: setExpiry is honoured (Django ignores it here, ticket #27775)`, () => {
    it('seconds count from when the cookie was signed', async () => {
      const { sessions, clock } = setup({ encrypt });
      const value = await cookieFor(sessions, DATA, 60);
      clock.advance(59);
      expect((await sessions.open(value).load()).get('user')).toBe('u1');
      clock.advance(2);
      expect((await sessions.open(value).load()).sessionKey).toBeNull();
    });

    it('a date is the moment it expires, even beyond the cookie age', async () => {
      const { sessions, clock } = setup({ encrypt, sessions: { cookieAge: 100 } });
      const value = await cookieFor(sessions, DATA, new Date(clock.now() + 1000_000));
      clock.advance(500);
      expect((await sessions.open(value).load()).get('user')).toBe('u1');
      clock.advance(501);
      expect((await sessions.open(value).load()).sessionKey).toBeNull();
      const longer = await cookieFor(sessions, DATA, 1000);
      clock.advance(900);
      expect((await sessions.open(longer).load()).get('user')).toBe('u1');
    });

    it('0 (until the browser closes) and no expiry fall back to the cookie age', async () => {
      const { sessions, clock } = setup({ encrypt, sessions: { cookieAge: 100 } });
      const browser = await cookieFor(sessions, DATA, 0);
      const plain = await cookieFor(sessions, DATA);
      clock.advance(99);
      expect((await sessions.open(browser).load()).get('user')).toBe('u1');
      clock.advance(2);
      expect((await sessions.open(browser).load()).sessionKey).toBeNull();
      expect((await sessions.open(plain).load()).sessionKey).toBeNull();
    });
  });
}

describe('encryption', () => {
  it('hides the data from the visitor and never repeats a value', async () => {
    // Uncompressed, so that plaintext would show through as-is if it were not encrypted.
    const { sessions } = setup({ encrypt: true, compress: false });
    const secret = { note: 'the visitor must not read this', card: '4111111111111111' };
    const a = await cookieFor(sessions, secret);
    const b = await cookieFor(sessions, secret);
    expect(a).not.toBe(b);
    for (const value of [a, b]) {
      const bytes = Buffer.from(value.slice(0, value.lastIndexOf(':')), 'base64url');
      expect(bytes.toString('latin1')).not.toMatch(/visitor|4111/);
      await expect(
        signing.loads(value, {
          secretKey: SECRET_KEY,
          salt: 'django.contrib.sessions.backends.signed_cookies',
        }),
      ).rejects.toThrow();
    }
    const plain = setup({ compress: false }).sessions;
    const readable = await cookieFor(plain, secret);
    expect(Buffer.from(readable.split(':')[0]!, 'base64url').toString('latin1')).toContain('visitor');
  });

  it('node:crypto and Web Crypto derive the same key and open each other’s values', async () => {
    expect(nodeAead).toBeDefined();
    const enc = new TextEncoder();
    const args = [enc.encode(SECRET_KEY), enc.encode('salt'), enc.encode('info')] as const;
    const [k1, k2] = [await nodeAead!.deriveKey(...args), await webAead.deriveKey(...args)];
    expect(k1).toEqual(k2);
    expect(k1).toHaveLength(32);
    const nonce = new Uint8Array(12).fill(7);
    const aad = enc.encode('aad');
    const message = enc.encode('hello, edge');
    const sealedByNode = await nodeAead!.seal(k1, nonce, message, aad);
    expect(await webAead.seal(k1, nonce, message, aad)).toEqual(sealedByNode);
    expect(await webAead.open(k1, nonce, sealedByNode, aad)).toEqual(message);
    const tampered = sealedByNode.slice();
    tampered[0]! ^= 1;
    await expect(webAead.open(k1, nonce, tampered, aad)).rejects.toThrow();
    await expect(nodeAead!.open(k1, nonce, tampered, aad)).rejects.toThrow();
    await expect(nodeAead!.open(k1, nonce, sealedByNode, enc.encode('other'))).rejects.toThrow();
    // The engine's one-pass value: b64url(nonce ‖ seal(flag ‖ body)), the same from both.
    for (const flag of [0, 1]) {
      const value = await nodeAead!.sealValue(k1, nonce, flag, message, aad);
      expect(await webAead.sealValue(k1, nonce, flag, message, aad)).toBe(value);
      const bytes = Buffer.from(value, 'base64url');
      expect(bytes.subarray(0, 12)).toEqual(Buffer.from(nonce));
      const opened = await webAead.open(k1, nonce, bytes.subarray(12), aad);
      expect(opened[0]).toBe(flag);
      expect(opened.subarray(1)).toEqual(message);
    }
  });
});

describe('edge runtimes', () => {
  it('without Node built-ins (Web Crypto, CompressionStream), cookies round-trip and match Node’s', async () => {
    const node = setup({ encrypt: true });
    const nodeSigned = setup();
    const big = { text: 'abc'.repeat(300) };
    const fromNode = [await cookieFor(node.sessions, big), await cookieFor(nodeSigned.sessions, big)];

    const original = process.getBuiltinModule;
    let edge: typeof import('@sess/engine-signed-cookies');
    let edgeCore: typeof import('@sess/core');
    let runtime: typeof import('../src/runtime.ts');
    Object.defineProperty(process, 'getBuiltinModule', {
      value: undefined,
      configurable: true,
      writable: true,
    });
    try {
      vi.resetModules();
      edge = await import('@sess/engine-signed-cookies');
      edgeCore = await import('@sess/core');
      runtime = await import('../src/runtime.ts');
    } finally {
      Object.defineProperty(process, 'getBuiltinModule', {
        value: original,
        configurable: true,
        writable: true,
      });
      vi.resetModules();
    }
    expect(runtime.aead.name).toBe('web-crypto');
    expect(runtime.nodeAead).toBeUndefined();

    for (const [encrypt, value] of [
      [true, fromNode[0]!],
      [false, fromNode[1]!],
    ] as const) {
      const sessions = new edgeCore.Sessions({
        engine: edge.signedCookiesEngine({ encrypt }),
        secretKey: SECRET_KEY,
      });
      expect((await sessions.open(value).load()).get('text')).toBe(big.text);
      const s = sessions.open();
      s.update(big);
      await s.save();
      if (!encrypt) expect(s.sessionKey!.startsWith('.')).toBe(true);
      const back = encrypt ? node.sessions : nodeSigned.sessions;
      expect((await back.open(s.sessionKey).load()).get('text')).toBe(big.text);
    }
  });

  it('no source file imports a Node built-in at run time (type-only imports are erased)', () => {
    const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
    for (const file of readdirSync(src)) {
      const text = readFileSync(join(src, file), 'utf8');
      const imports = text.match(/^import\s[^;]*?from\s+'[^']+';/gms) ?? [];
      for (const line of imports) {
        if (/from\s+'node:/.test(line)) expect(line, file).toMatch(/^import type /);
      }
      expect(text, file).not.toMatch(/require\(|import\(\s*'node:/);
    }
  });
});

describe('configuration and keys', () => {
  it('bad options are ImproperlyConfigured at start-up', () => {
    const bad: Record<string, unknown>[] = [
      { encrypt: 'yes' },
      { compress: 1 },
      { maxClockSkew: -1 },
      { maxClockSkew: Number.NaN },
      { maxCookieBytes: 5000 },
      { maxCookieBytes: 10 },
      { maxCookieBytes: 100.5 },
    ];
    for (const options of bad)
      expect(() => signedCookiesEngine(options), JSON.stringify(options)).toThrow(ImproperlyConfigured);
    expect(signedCookiesEngine().capabilities).toEqual({ keyIsData: true, clearExpired: false });
  });

  it('isValidKey accepts the cookie-value alphabet up to 4096 characters', () => {
    const engine = signedCookiesEngine();
    for (const good of ['eyJhIjoxfQ:1r31eq:abc-_DEF', '.eJyrVkrMyclXslI:1r31eq:x', 'a'.repeat(4096)]) {
      expect(engine.isValidKey(good)).toBe(true);
    }
    for (const bad of [
      'a'.repeat(4097),
      'abc;def=ghi',
      'abc def ghij',
      'abc"defghij',
      'abcdefgh\u00e9',
      'abc,defghij',
      'short',
    ]) {
      expect(engine.isValidKey(bad), bad).toBe(false);
    }
  });

  it('nothing lives on the server: exists is false, destroy and clearExpired do nothing', async () => {
    const { sessions, engine, ctx } = setup();
    const value = await cookieFor(sessions, DATA);
    expect(await engine.exists()).toBe(false);
    await engine.destroy();
    expect(await sessions.clearExpired()).toBe(0);
    expect((await sessions.open(value).load()).get('user')).toBe('u1'); // replay: still valid, see the README
    expect(ctx.cookieName).toBe('sessionid');
  });
});
