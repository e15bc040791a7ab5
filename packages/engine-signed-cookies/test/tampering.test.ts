/**
 * Hostile cookies, in both modes: whatever is wrong with a cookie, it loads as a new empty session
 * (load returns null), is logged on the security logger with the reason, and never throws. The
 * signature (or GCM tag) is checked before anything is decoded, decompressed or deserialized.
 */
import { type Serializer, type SessionData, Sessions, signing } from '@sess/core';
import { signedCookiesEngine } from '@sess/engine-signed-cookies';
import { describe, expect, it, vi } from 'vitest';
import { cookieFor, django, rejections, SECRET_KEY, setup } from './helpers.ts';

const DATA: SessionData = { user: 'u1', roles: ['admin'] };
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `value` with the character at `index` replaced by a different one of the same alphabet. */
function flip(value: string, index: number): string {
  const ch = value[index]!;
  const other = B64[(B64.indexOf(ch) + 1) % 64]!;
  return value.slice(0, index) + other + value.slice(index + 1);
}

async function expectRejected(sessions: Sessions, value: string) {
  const engineResult = await sessions.engine.load(value, sessions.context);
  expect(engineResult, value).toBeNull();
  const s = sessions.open(value);
  await s.load();
  expect(s.sessionKey).toBeNull();
  expect(s.items()).toEqual([]);
  // Through the middleware: the bad cookie is deleted, nothing else is set, nothing throws.
  const incoming = sessions.cookies.begin(`sessionid=${value}`);
  await incoming.session.load();
  incoming.session.get('user');
  const out = await sessions.cookies.commit(incoming, { status: 200 });
  expect(out.setCookie).toHaveLength(value.length >= 8 ? 1 : 0);
  if (out.setCookie.length) expect(out.setCookie[0]).toMatch(/^sessionid=; Max-Age=0/);
}

for (const encrypt of [false, true]) {
  describe(`${encrypt ? 'encrypted' : 'signed'} cookies: the tampering matrix`, () => {
    it('a bit flipped in the payload, the timestamp or the signature', async () => {
      const { sessions, logger } = setup({ encrypt });
      const value = await cookieFor(sessions, DATA);
      expect((await sessions.open(value).load()).get('user')).toBe('u1');
      const [payloadEnd, tsEnd] = [value.indexOf(':'), value.indexOf(':', value.indexOf(':') + 1)];
      const spots = encrypt
        ? [0, 5, 20, payloadEnd - 1] // nonce, ciphertext, tag
        : [0, 3, payloadEnd - 1, tsEnd + 1, value.length - 1];
      for (const at of spots) await expectRejected(sessions, flip(value, at));
      // The timestamp (authenticated as GCM associated data, or under the HMAC).
      const ts = encrypt ? value.length - 1 : tsEnd - 1;
      await expectRejected(
        sessions,
        value.slice(0, ts) + (value[ts] === '0' ? '1' : '0') + value.slice(ts + 1),
      );
      expect(rejections(logger)).toEqual(
        Array(spots.length + 1)
          .fill('bad signature')
          .flatMap((r) => [r, r, r]),
      );
    });

    it('trailing garbage, truncation, a missing separator, an empty or non-base64 value', async () => {
      const { sessions, logger } = setup({ encrypt });
      const value = await cookieFor(sessions, DATA);
      const hostile = [
        `${value}x`,
        `${value}:x`,
        `${value}.`,
        value.slice(0, -1),
        value.slice(0, Math.floor(value.length / 2)),
        value.replace(/:/g, ''),
        `${value.slice(0, value.lastIndexOf(':'))}:`,
        `:::${value}`,
        '........',
        '::::::::',
        'ZZZZZZZZZZZZ',
      ];
      for (const bad of hostile) await expectRejected(sessions, bad);
      expect(await sessions.engine.load('', sessions.context)).toBeNull();
      expect(logger.records.length).toBeGreaterThanOrEqual(hostile.length);
      expect(logger.records.every((r) => r.details?.logger === 'sess.security.SuspiciousSession')).toBe(true);
    });

    it('another secret key, and a value signed for another purpose (wrong salt)', async () => {
      const { sessions, logger } = setup({ encrypt });
      const foreign = new Sessions({
        engine: signedCookiesEngine({ encrypt }),
        secretKey: 'another-secret-key-0123456789-abcdefghijk',
      });
      await expectRejected(sessions, await cookieFor(foreign, DATA));
      // Django's signing.dumps with its default salt, and our db/file session salt: right key, wrong context.
      await expectRejected(sessions, django<{ value: string }>({ action: 'dumps', data: DATA }).value);
      await expectRejected(
        sessions,
        await signing.dumps(DATA, {
          secretKey: SECRET_KEY,
          salt: 'django.contrib.sessions.SessionStore',
          compress: true,
        }),
      );
      // A Django-format value is not even shaped like an encrypted one.
      const reasons = encrypt ? ['bad signature', 'malformed'] : ['bad signature'];
      for (const reason of rejections(logger)) expect(reasons).toContain(reason);
    });

    it('expired (older than the cookie age) and future-dated (beyond the clock-skew allowance)', async () => {
      const { sessions, clock, logger } = setup({ encrypt, sessions: { cookieAge: 3600 } });
      const value = await cookieFor(sessions, DATA);
      clock.advance(3599);
      expect((await sessions.open(value).load()).get('user')).toBe('u1');
      clock.advance(2);
      await expectRejected(sessions, value);
      expect(rejections(logger)).toEqual(['expired', 'expired', 'expired']);

      logger.clear();
      clock.setFromNow(600); // a cookie signed 10 minutes from now
      const future = await cookieFor(sessions, DATA);
      clock.setFromNow(0);
      await expectRejected(sessions, future);
      expect(rejections(logger)).toEqual(['future-dated', 'future-dated', 'future-dated']);

      clock.setFromNow(30); // within the default 60 s of skew
      const skewed = await cookieFor(sessions, DATA);
      clock.setFromNow(0);
      expect((await sessions.open(skewed).load()).get('user')).toBe('u1');
    });

    it('the skew allowance is an option', async () => {
      const { sessions, clock, logger } = setup({ encrypt, maxClockSkew: 0 });
      clock.advance(5);
      const value = await cookieFor(sessions, DATA);
      clock.advance(-5);
      await expectRejected(sessions, value);
      expect(rejections(logger)[0]).toBe('future-dated');
    });

    it('logs never carry the cookie value', async () => {
      const { sessions, logger } = setup({ encrypt });
      const value = await cookieFor(sessions, DATA);
      await sessions.open(flip(value, 2)).load();
      expect(logger.records).toHaveLength(1);
      expect(JSON.stringify(logger.records)).not.toContain(value.slice(4, 30));
    });
  });

  describe(`${encrypt ? 'encrypted' : 'signed'} cookies: verify before decode`, () => {
    const spy = () => {
      const serializer: Serializer = {
        dumps: (value) => new TextEncoder().encode(JSON.stringify(value)),
        loads: vi.fn((bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as unknown),
      };
      return serializer;
    };

    it('a bad MAC never reaches the decompressor or the serializer', async () => {
      const serializer = spy();
      const { sessions, logger } = setup({ encrypt, sessions: { serializer } });
      const big = { text: 'abc'.repeat(400) }; // compresses: the value carries a zlib stream
      const value = await cookieFor(sessions, big);
      if (!encrypt) expect(value.startsWith('.')).toBe(true);
      expect((await sessions.open(value).load()).get('text')).toBe(big.text);
      expect(serializer.loads).toHaveBeenCalledTimes(1);

      vi.mocked(serializer.loads).mockClear();
      logger.clear();
      for (const at of [1, 10, 30]) await sessions.open(flip(value, at)).load();
      expect(serializer.loads).not.toHaveBeenCalled();
      expect(rejections(logger)).toEqual(['bad signature', 'bad signature', 'bad signature']);
    });

    it('a correctly signed value that does not decode is rejected as undecodable, after verification', async () => {
      const serializer = spy();
      const { sessions, logger } = setup({ encrypt, sessions: { serializer } });
      vi.mocked(serializer.loads).mockImplementation(() => {
        throw new SyntaxError('not JSON');
      });
      const value = await cookieFor(sessions, DATA);
      expect(await sessions.engine.load(value, sessions.context)).toBeNull();
      expect(serializer.loads).toHaveBeenCalledTimes(1);
      expect(rejections(logger)).toEqual(['undecodable']);
    });
  });
}

describe('signed cookies: a forged zlib payload', () => {
  it('a signed but corrupt zlib stream fails decoding; unsigned, it is never inflated', async () => {
    const { sessions, logger } = setup();
    // '.' marks a compressed payload; these bytes are not a zlib stream.
    const payload = '.AAAAAAAAAAAAAAAA';
    const signer = new signing.TimestampSigner({
      secretKey: SECRET_KEY,
      salt: 'django.contrib.sessions.backends.signed_cookies',
    });
    const signed = await signer.sign(payload);
    expect(await sessions.engine.load(signed, sessions.context)).toBeNull();
    const forged = `${signed.slice(0, signed.lastIndexOf(':'))}:${'A'.repeat(43)}`;
    expect(await sessions.engine.load(forged, sessions.context)).toBeNull();
    expect(rejections(logger)).toEqual(['undecodable', 'bad signature']);
  });

  it('a verified value that is not a dict is rejected', async () => {
    const { sessions, logger } = setup();
    const list = await signing.dumps([1, 2], {
      secretKey: SECRET_KEY,
      salt: 'django.contrib.sessions.backends.signed_cookies',
    });
    expect(await sessions.engine.load(list, sessions.context)).toBeNull();
    expect(rejections(logger)).toEqual(['not a dict']);
  });
});

describe('encrypted cookies: the value’s shape is checked before it is decoded', () => {
  it('a ":" or "." inside the base64 part, or a base64 part of impossible length, is malformed', async () => {
    const { sessions, logger } = setup({ encrypt: true });
    const value = await cookieFor(sessions, DATA);
    const at = value.lastIndexOf(':');
    const hostile = [
      `${value.slice(0, 8)}.${value.slice(9)}`, // '.' in place of a base64 character
      `${value.slice(0, 8)}:${value.slice(9)}`, // a second ':'
      `.${value.slice(1)}`,
      `${value.slice(0, at)}A${value.slice(at)}`, // length % 4 === 1 once a character is added
    ];
    for (const bad of hostile) {
      expect(sessions.engine.isValidKey!(bad)).toBe(true); // only the engine's alphabet: load decides
      await expectRejected(sessions, bad);
    }
    expect(rejections(logger)).toEqual(hostile.flatMap(() => ['malformed', 'malformed', 'malformed']));
    // The value itself still loads after all that.
    expect((await sessions.open(value).load()).get('user')).toBe('u1');
  });

  it('isValidKey remembers only keys that passed, never lets a failing one through', () => {
    const { engine } = setup({ encrypt: true });
    const good = `${'A'.repeat(40)}:1abc`;
    expect(engine.isValidKey(good)).toBe(true);
    expect(engine.isValidKey(good)).toBe(true);
    expect(engine.isValidKey(`${good}=`)).toBe(false);
    expect(engine.isValidKey(`${good} `)).toBe(false);
    expect(engine.isValidKey('')).toBe(false);
    expect(engine.isValidKey(good)).toBe(true);
  });

  it('every save draws a fresh nonce, across many values in the same second', async () => {
    const { sessions } = setup({ encrypt: true, compress: false });
    const nonces = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const value = await cookieFor(sessions, DATA); // same data, same second
      nonces.add(value.slice(0, 16)); // 12 bytes of nonce: the first 16 base64 characters
      expect((await sessions.open(value).load()).get('user')).toBe('u1');
    }
    expect(nonces.size).toBe(600);
  });
});
