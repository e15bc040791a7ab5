import { BadSignature, jsonSerializer, SignatureExpired, signing } from '@sess/core';
import { describe, expect, it } from 'vitest';

const secretKey = 'django-insecure-test-secret';
const at = (seconds: number) => ({ now: () => seconds * 1000 });
const clock = at(1_700_000_000);
const SESSION_SALT = 'django.contrib.sessions.SessionStore';
const COOKIE_SALT = 'django.contrib.sessions.backends.signed_cookies';

describe('Django 5.2 golden vectors (SECRET_KEY="django-insecure-test-secret", time 1700000000)', () => {
  it('session encode of {"a":1,"b":"x"} matches byte for byte', async () => {
    expect(
      await signing.dumps({ a: 1, b: 'x' }, { secretKey, salt: SESSION_SALT, compress: true, clock }),
    ).toBe('eyJhIjoxLCJiIjoieCJ9:1r31eq:A98KgeJ9JRqxs8uQ5xN78690U5teghF6I9m3fwPXDaw');
  });

  it('a compressed session decodes to the same data, and ours carries the same signature when zlib agrees', async () => {
    const django = '.eJyrVspWslJKHCZAqRYAlOZN7g:1r31eq:QtyphI5SsSpSPEbbypUKMXtBVaFZnDut4RS9vQqg_ds';
    expect(await signing.loads(django, { secretKey, salt: SESSION_SALT, clock })).toEqual({
      k: 'a'.repeat(200),
    });
    const ours = await signing.dumps(
      { k: 'a'.repeat(200) },
      { secretKey, salt: SESSION_SALT, compress: true, clock },
    );
    expect(ours.startsWith('.')).toBe(true);
    expect(await signing.loads(ours, { secretKey, salt: SESSION_SALT, clock })).toEqual({
      k: 'a'.repeat(200),
    });
  });

  it('the signed-cookies engine value matches', async () => {
    expect(
      await signing.dumps({ a: 1, b: 'x' }, { secretKey, salt: COOKIE_SALT, compress: true, clock }),
    ).toBe('eyJhIjoxLCJiIjoieCJ9:1r31eq:HnACTPuhUmtGAWItkQyNzryPpFzJA-TRQ9WD4Z7LOsA');
  });

  it('signing.dumps("hello") with the default salt matches', async () => {
    expect(await signing.dumps('hello', { secretKey, clock })).toBe(
      'ImhlbGxvIg:1r31eq:2Nl4wNrykX-Q2-luSmxJLOzJr5kQgEMJleNKjKgkhZE',
    );
    expect(
      await signing.loads('ImhlbGxvIg:1r31eq:2Nl4wNrykX-Q2-luSmxJLOzJr5kQgEMJleNKjKgkhZE', {
        secretKey,
        clock,
      }),
    ).toBe('hello');
  });
});

describe('Signer and TimestampSigner', () => {
  it('sign and unsign round-trip; the default salt is the class path', async () => {
    const signer = new signing.Signer({ secretKey });
    const signed = await signer.sign('value');
    expect(signed.startsWith('value:')).toBe(true);
    expect(await signer.unsign(signed)).toBe('value');
    expect(signer.salt).toBe('django.core.signing.Signer');
  });

  it('rejects tampering, a missing separator and trailing garbage', async () => {
    const signer = new signing.Signer({ secretKey });
    const signed = await signer.sign('value');
    await expect(signer.unsign(`${signed}x`)).rejects.toThrow(BadSignature);
    await expect(signer.unsign(signed.replace('value', 'valuf'))).rejects.toThrow(BadSignature);
    await expect(signer.unsign('novalue')).rejects.toThrow(/No ":" found/);
    await expect(signer.unsign('')).rejects.toThrow(BadSignature);
    await expect(signer.unsign('value:')).rejects.toThrow(BadSignature);
  });

  it('a different salt or key does not verify; fallback keys do', async () => {
    const signed = await new signing.Signer({ secretKey: 'old-key', salt: 's' }).sign('v');
    await expect(new signing.Signer({ secretKey, salt: 's' }).unsign(signed)).rejects.toThrow(BadSignature);
    await expect(new signing.Signer({ secretKey: 'old-key', salt: 't' }).unsign(signed)).rejects.toThrow(
      BadSignature,
    );
    expect(
      await new signing.Signer({ secretKey, fallbackKeys: ['x', 'old-key'], salt: 's' }).unsign(signed),
    ).toBe('v');
  });

  it('refuses an unsafe separator', () => {
    expect(() => new signing.Signer({ secretKey, sep: 'a' })).toThrow(/Unsafe Signer separator/);
    expect(() => new signing.Signer({ secretKey, sep: '' })).toThrow(/Unsafe/);
  });

  it('TimestampSigner enforces maxAge and an optional future skew', async () => {
    const signer = new signing.TimestampSigner({ secretKey, clock: at(1000) });
    const signed = await signer.sign('v');
    const later = new signing.TimestampSigner({ secretKey, clock: at(1100) });
    expect(await later.unsign(signed, { maxAge: 100 })).toBe('v');
    await expect(later.unsign(signed, { maxAge: 99 })).rejects.toThrow(SignatureExpired);
    await expect(later.unsign(signed, { maxAge: 99 })).rejects.toBeInstanceOf(BadSignature);
    const earlier = new signing.TimestampSigner({ secretKey, clock: at(900) });
    expect(await earlier.unsign(signed)).toBe('v');
    await expect(earlier.unsign(signed, { maxFutureSkew: 60 })).rejects.toThrow(/in the future/);
    expect((await later.unsignWithTimestamp(signed)).timestamp).toBe(1000);
  });

  it('loads checks the signature before decompressing or deserializing', async () => {
    let calls = 0;
    const serializer = {
      dumps: (v: unknown) => new TextEncoder().encode(JSON.stringify(v)),
      loads: (b: Uint8Array) => {
        calls++;
        return JSON.parse(new TextDecoder().decode(b));
      },
    };
    const signed = await signing.dumps({ a: 'x'.repeat(100) }, { secretKey, compress: true, serializer });
    const tampered = `${signed.slice(0, 5)}${signed[5] === 'A' ? 'B' : 'A'}${signed.slice(6)}`;
    await expect(signing.loads(tampered, { secretKey, serializer })).rejects.toThrow(BadSignature);
    expect(calls).toBe(0);
    expect(await signing.loads(signed, { secretKey, serializer })).toEqual({ a: 'x'.repeat(100) });
    expect(calls).toBe(1);
  });

  it('caps decompression even for validly signed data', async () => {
    const signed = await signing.dumps({ a: 'x'.repeat(100_000) }, { secretKey, compress: true });
    await expect(signing.loads(signed, { secretKey, maxDecompressedSize: 10_000 })).rejects.toThrow(
      RangeError,
    );
  });

  it('compresses only when it saves more than one byte', async () => {
    expect((await signing.dumps({ a: 1 }, { secretKey, compress: true })).startsWith('.')).toBe(false);
    expect((await signing.dumps({ a: 'b'.repeat(50) }, { secretKey, compress: true })).startsWith('.')).toBe(
      true,
    );
  });
});

describe('the synchronous node:crypto path and the async one agree', () => {
  // A subclass, even an empty one, takes the async path (the one Web Crypto runtimes use).
  class AsyncSigner extends signing.TimestampSigner {}

  it('dumpsWith writes the same text and loadsWith reads the other side’s, compressed or not, with fallbacks', async () => {
    const values = [{ a: 1 }, { text: 'x'.repeat(400), n: [1, 2, 3] }, 'plain', { u: 'é\u2028' }];
    const options = { secretKey, clock, salt: SESSION_SALT };
    const sync = new signing.TimestampSigner(options);
    const async = new AsyncSigner(options);
    const readers = [sync, async].map(
      (S) =>
        new (S.constructor as typeof signing.TimestampSigner)({
          ...options,
          secretKey: 'new-key',
          fallbackKeys: ['other', secretKey],
        }),
    );
    for (const value of values) {
      for (const compress of [false, true]) {
        const fromSync = await signing.dumpsWith(sync, value, jsonSerializer, compress);
        expect(await signing.dumpsWith(async, value, jsonSerializer, compress)).toBe(fromSync);
        expect(fromSync.startsWith('.')).toBe(compress && typeof value === 'object' && 'text' in value);
        for (const reader of readers)
          expect(await signing.loadsWith(reader, fromSync, jsonSerializer)).toEqual(value);
      }
    }
    const tampered = `${await signing.dumpsWith(sync, { a: 1 }, jsonSerializer, false)}x`;
    for (const reader of [sync, async]) {
      await expect(signing.loadsWith(reader, tampered, jsonSerializer)).rejects.toThrow(BadSignature);
    }
  });

  it('maxAge is enforced on the synchronous path', async () => {
    const signed = await signing.dumps({ a: 1 }, { secretKey, clock: at(1_000) });
    await expect(signing.loads(signed, { secretKey, clock: at(1_100), maxAge: 50 })).rejects.toThrow(
      SignatureExpired,
    );
    expect(await signing.loads(signed, { secretKey, clock: at(1_040), maxAge: 50 })).toEqual({ a: 1 });
  });

  it('a subclass that overrides signature() is honoured by sign, unsign, dumpsWith and loadsWith', async () => {
    class Upper extends signing.TimestampSigner {
      override async signature(value: string, key?: string): Promise<string> {
        return (await super.signature(value, key)).toUpperCase();
      }
    }
    const signer = new Upper({ secretKey, clock });
    const signed = await signing.dumpsWith(signer, { a: 1 }, jsonSerializer, false);
    const sig = signed.slice(signed.lastIndexOf(':') + 1);
    expect(sig).toBe(sig.toUpperCase());
    expect(await signing.loadsWith(signer, signed, jsonSerializer)).toEqual({ a: 1 });
    await expect(new signing.TimestampSigner({ secretKey, clock }).unsign(signed)).rejects.toThrow(
      BadSignature,
    );
    expect(await signer.unsign(await signer.sign('v'))).toBe('v');
  });
});
