import type { SessionsOptions } from '@sess/core';
import { ImproperlyConfigured, Sessions } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { describe, expect, it } from 'vitest';

const quiet = { warn: () => {}, error: () => {} };
const engine = cacheEngine({ backend: memoryCache() });
const build = (options: Partial<SessionsOptions>) =>
  new Sessions({
    engine,
    secretKey: 'a-secret-key-long-enough-0123456789',
    logger: quiet,
    ...options,
  } as SessionsOptions);

describe('settings', () => {
  it("has Django's defaults", () => {
    const s = build({}).settings;
    expect(s).toMatchObject({
      cookieName: 'sessionid',
      cookieAge: 1209600,
      cookieDomain: null,
      cookieHttpOnly: true,
      cookiePath: '/',
      cookieSameSite: 'Lax',
      cookieSecure: false,
      expireAtBrowserClose: false,
      saveEveryRequest: false,
      secretKeyFallbacks: [],
    });
    expect(Object.isFrozen(s)).toBe(true);
  });

  const failures: [string, Partial<SessionsOptions> & Record<string, unknown>, RegExp][] = [
    ['a missing secret', { secretKey: '' }, /^secretKey: is required/],
    [
      'a missing secret (undefined)',
      { secretKey: undefined as unknown as string },
      /^secretKey: is required/,
    ],
    ['bad fallbacks', { secretKeyFallbacks: [''] }, /^secretKeyFallbacks:/],
    [
      'SameSite=None without Secure',
      { cookieSameSite: 'None' },
      /^cookieSameSite: 'None' requires cookieSecure/,
    ],
    [
      'an unknown SameSite',
      { cookieSameSite: 'sometimes' as 'Lax' },
      /^cookieSameSite: "sometimes" is not one of/,
    ],
    [
      '__Host- with a domain',
      { cookieName: '__Host-sid', cookieSecure: true, cookieDomain: 'example.com' },
      /^cookieDomain: a __Host- cookie/,
    ],
    [
      '__Host- without Secure',
      { cookieName: '__host-sid' },
      /^cookieName: a __Host- cookie requires cookieSecure/,
    ],
    [
      '__Host- with a path',
      { cookieName: '__Host-sid', cookieSecure: true, cookiePath: '/app' },
      /^cookiePath: a __Host- cookie/,
    ],
    ['__Secure- without Secure', { cookieName: '__Secure-sid' }, /^cookieName: a __Secure- cookie/],
    ['Partitioned without Secure', { cookiePartitioned: true }, /^cookiePartitioned:/],
    [
      'a cookie name with a separator',
      { cookieName: 'session id' },
      /^cookieName: "session id" is not a valid cookie name/,
    ],
    ['a name with ; (attribute injection)', { cookieName: 'sid;Domain=evil' }, /^cookieName:/],
    ['a path with ;', { cookiePath: '/;Domain=evil.com' }, /^cookiePath:/],
    ['a path with CRLF', { cookiePath: '/\r\nX: y' }, /^cookiePath:/],
    ['a relative path', { cookiePath: 'app' }, /^cookiePath:/],
    ['a domain with ;', { cookieDomain: 'a.com;Secure' }, /^cookieDomain:/],
    ['a negative age', { cookieAge: -1 }, /^cookieAge: must be a positive whole number/],
    ['a fractional age', { cookieAge: 1.5 }, /^cookieAge:/],
    [
      'a non-boolean flag',
      { cookieSecure: 'yes' as unknown as boolean },
      /^cookieSecure: must be true or false/,
    ],
    ['a bad priority', { cookiePriority: 'urgent' as 'High' }, /^cookiePriority:/],
    ['a bad serializer', { serializer: { dumps: () => new Uint8Array() } as never }, /^serializer:/],
    ['no engine', { engine: undefined as never }, /^engine: must be a session engine/],
    ['a bad createAttempts', { createAttempts: 0 }, /^createAttempts:/],
  ];
  for (const [what, options, message] of failures) {
    it(`refuses ${what} at construction, naming the setting`, () => {
      expect(() => build(options)).toThrow(ImproperlyConfigured);
      expect(() => build(options)).toThrow(message);
    });
  }

  it('accepts SameSite in any case and false to omit it', () => {
    expect(build({ cookieSameSite: 'strict' }).settings.cookieSameSite).toBe('Strict');
    expect(build({ cookieSameSite: 'none', cookieSecure: true }).settings.cookieSameSite).toBe('None');
    expect(build({ cookieSameSite: false }).settings.cookieSameSite).toBe(false);
  });

  it('warns about a short secret and an age browsers cap', () => {
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m), error: () => {} };
    build({ secretKey: 'short', logger });
    build({ cookieAge: 500 * 86400, logger });
    expect(warnings.some((w) => w.includes('shorter than 32'))).toBe(true);
    expect(warnings.some((w) => w.includes('400 days'))).toBe(true);
  });
});
