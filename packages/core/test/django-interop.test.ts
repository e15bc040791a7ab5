import { jsonSerializer, Sessions, signing } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { describe, expect, it } from 'vitest';
import { django } from './django.js';

const secretKey = 'interop-secret-key-that-is-long-enough-for-django';
const SESSION_SALT = 'django.contrib.sessions.SessionStore';

const values: unknown[] = [
  { a: 1, b: 'x' },
  { k: 'a'.repeat(500), nested: { list: [1, 2.5, -3, true, null], deep: { é: 'ünïcödé ✓ 😀' } } },
  { _auth_user_id: '42', _session_expiry: '2030-01-02T03:04:05+00:00', ctl: '\u0000\u001f\u007f' },
  'hello',
];

describe('signing against real Django', () => {
  it('Django loads what we dump (plain and compressed, several salts)', async () => {
    const cases = [];
    for (const value of values) {
      for (const salt of [undefined, SESSION_SALT]) {
        for (const compress of [false, true]) {
          cases.push({
            value,
            salt: salt ?? 'django.core.signing',
            signed: await signing.dumps(value, { secretKey, compress, ...(salt ? { salt } : {}) }),
          });
        }
      }
    }
    const loaded = django<unknown[]>(
      'print(json.dumps([signing.loads(c["signed"], salt=c["salt"]) for c in args]))',
      cases,
      secretKey,
    );
    expect(loaded).toEqual(cases.map((c) => c.value));
  });

  it('we load what Django dumps, including with fallback keys and a max age', async () => {
    const dumped = django<{ signed: string; salt: string; compress: boolean }[]>(
      `out = []
for v in args:
    for salt in ('django.core.signing', 'django.contrib.sessions.SessionStore'):
        for compress in (False, True):
            out.append({'signed': signing.dumps(v, salt=salt, compress=compress), 'salt': salt, 'compress': compress})
print(json.dumps(out))`,
      values,
      'old-secret-key-rotated-out-of-service-long-enough',
    );
    expect(dumped.some((d) => d.signed.startsWith('.'))).toBe(true);
    for (const [i, d] of dumped.entries()) {
      const value = values[Math.floor(i / 4)];
      expect(
        await signing.loads(d.signed, {
          secretKey,
          fallbackKeys: ['old-secret-key-rotated-out-of-service-long-enough'],
          salt: d.salt,
          maxAge: 60,
        }),
      ).toEqual(value);
    }
  });

  it('Django decodes what a Session encodes, and a Session decodes what Django encodes', async () => {
    const sessions = new Sessions({ engine: cacheEngine({ backend: memoryCache() }), secretKey });
    const session = sessions.open();
    const data = { user: 'é', n: 1, list: ['a', 'b'] };
    const encoded = await session.encode(data);
    const result = django<{ decoded: unknown; encoded: string }>(
      `from django.contrib.sessions.backends.db import SessionStore
s = SessionStore()
print(json.dumps({'decoded': s.decode(args['encoded']), 'encoded': s.encode(args['data'])}))`,
      { encoded, data },
      secretKey,
    );
    expect(result.decoded).toEqual(data);
    expect(await session.decode(result.encoded)).toEqual(data);
  });

  it('the JSON serializer writes exactly the bytes Django writes', () => {
    const samples = [
      { a: 1, b: 'x' },
      {
        s: 'héllo \u2028 😀 \u007f "q" \\ \n\t',
        n: [0, -1, 1.5, 1e21, 123456789012],
        t: true,
        f: false,
        z: null,
      },
    ];
    const ours = samples.map((v) => new TextDecoder().decode(jsonSerializer.dumps(v)));
    const theirs = django<string[]>(
      'print(json.dumps([signing.JSONSerializer().dumps(v).decode("latin-1") for v in args]))',
      samples,
      secretKey,
    );
    // Python writes 1e21 as 1e+21 and JS too; floats like 1.5 agree. Compare byte for byte.
    expect(ours).toEqual(theirs);
  });
});
