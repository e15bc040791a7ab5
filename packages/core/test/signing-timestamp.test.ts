import { BadSignature, jsonSerializer, SignatureExpired, signing } from '@sess/core';
import { b62Decode, loadsWithTimestamp } from '@sess/core/runtime';
import { describe, expect, it } from 'vitest';

const secretKey = 'django-insecure-test-secret';
const at = (seconds: number) => ({ now: () => seconds * 1000 });
const SALT = 'django.contrib.sessions.backends.signed_cookies';

// A subclass, even an empty one, takes the async path (the one Web Crypto runtimes use).
class AsyncSigner extends signing.TimestampSigner {}
class Upper extends signing.TimestampSigner {
  override async signature(value: string, key?: string): Promise<string> {
    return (await super.signature(value, key)).toUpperCase();
  }
}
const kinds = [signing.TimestampSigner, AsyncSigner, Upper];

/** The timestamp field of `payload:timestamp:signature`, as the signed text spells it. */
const timestampIn = (signed: string) => b62Decode(signed.split(':')[1] ?? '');

describe('loadsWithTimestamp (@sess/core/runtime)', () => {
  it('returns loadsWith’s value and the signed text’s timestamp, sync and async, compressed or not', async () => {
    const values = [{ a: 1 }, { text: 'x'.repeat(400), n: [1, 2, 3] }, 'plain', { u: 'é\u2028' }];
    for (const Kind of kinds) {
      for (const seconds of [1_700_000_000, 1_700_000_123.7, 61]) {
        const signer = new Kind({ secretKey, salt: SALT, clock: at(seconds) });
        for (const value of values) {
          for (const compress of [false, true]) {
            const signed = await signing.dumpsWith(signer, value, jsonSerializer, compress);
            const loaded = await loadsWithTimestamp(signer, signed, jsonSerializer);
            expect(loaded).toEqual({
              value: await signing.loadsWith(signer, signed, jsonSerializer),
              timestamp: Math.floor(seconds),
            });
            expect(loaded.timestamp).toBe(timestampIn(signed));
            expect(loaded.value).toEqual(value);
          }
        }
      }
    }
  });

  it('reads a value signed with a fallback key, with the signing time of that value', async () => {
    const old = new signing.TimestampSigner({ secretKey, salt: SALT, clock: at(1_000_000) });
    const signed = await signing.dumpsWith(old, { user: 'u1' }, jsonSerializer, true);
    for (const Kind of [signing.TimestampSigner, AsyncSigner]) {
      const reader = new Kind({
        secretKey: 'new-key',
        fallbackKeys: ['other', secretKey],
        salt: SALT,
        clock: at(1_000_500),
      });
      expect(await loadsWithTimestamp(reader, signed, jsonSerializer)).toEqual({
        value: await signing.loadsWith(reader, signed, jsonSerializer),
        timestamp: 1_000_000,
      });
      expect(timestampIn(signed)).toBe(1_000_000);
    }
  });

  it('rejects what loadsWith rejects, with the same errors', async () => {
    for (const Kind of kinds) {
      const signer = new Kind({ secretKey, salt: SALT, clock: at(1_000) });
      const signed = await signing.dumpsWith(signer, { a: 1 }, jsonSerializer, false);
      const cases: [string, signing.UnsignOptions, typeof BadSignature][] = [
        [`${signed}x`, {}, BadSignature],
        [signed.replace(':', ':!'), {}, BadSignature],
        [signed, { maxAge: 50 }, SignatureExpired],
        [signed, { maxFutureSkew: 10 }, SignatureExpired],
      ];
      for (const [text, options, error] of cases) {
        const reader = new Kind({
          secretKey,
          salt: SALT,
          clock: at(options.maxFutureSkew === undefined ? 1_100 : 900),
        });
        await expect(signing.loadsWith(reader, text, jsonSerializer, options)).rejects.toThrow(error);
        await expect(loadsWithTimestamp(reader, text, jsonSerializer, options)).rejects.toThrow(error);
      }
    }
  });
});
