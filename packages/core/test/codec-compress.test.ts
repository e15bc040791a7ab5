import { SESSION_KEY_SALT, signing } from '@sess/core';
import { describe, expect, it } from 'vitest';
import { recordingCodec } from './codec-helpers.js';

const secretKey = 'django-insecure-test-secret';
const clock = { now: () => 1_700_000_000_000 };
const REPETITIVE = { k: 'a'.repeat(200) };
// Django 3.2 (python3-django): signing.dumps({'k': 'a'*200}, salt=SESSION_KEY_SALT, compress=…) at time 1700000000.
const DJANGO_PLAIN = `${Buffer.from(JSON.stringify(REPETITIVE)).toString('base64url')}:1r31eq:AJodSyKwVXeYcs4y1ONwGTBqfwJOwMnJnYpagFH75kQ`;
const DJANGO_COMPRESSED = '.eJyrVspWslJKHCZAqRYAlOZN7g:1r31eq:QtyphI5SsSpSPEbbypUKMXtBVaFZnDut4RS9vQqg_ds';

function codec() {
  return recordingCodec({ secretKey, clock });
}

describe('SessionCodec.encode with { compress: false }', () => {
  it("writes Django's compress=False bytes: no leading '.', even for data zlib would shrink", async () => {
    const { codec: c } = codec();
    const plain = await c.encode(REPETITIVE, { compress: false });
    expect(plain.startsWith('.')).toBe(false);
    expect(plain).toBe(DJANGO_PLAIN);
    expect(plain).toBe(
      await signing.dumps(REPETITIVE, { secretKey, salt: SESSION_KEY_SALT, compress: false, clock }),
    );
  });

  it('round-trips through decode, as does Django’s uncompressed text', async () => {
    const { codec: c, warnings } = codec();
    const data = { user_id: 7, name: 'Zoë ✓ 😀', cart: [1, 2, 3], nested: { deep: 'x'.repeat(300) } };
    expect(await c.decode(await c.encode(data, { compress: false }))).toEqual(data);
    expect(await c.decode(DJANGO_PLAIN)).toEqual(REPETITIVE);
    expect(warnings).toEqual([]);
  });

  it("leaves the default unchanged: compressed when shorter, as Django's SessionBase.encode", async () => {
    const { codec: c } = codec();
    const byDefault = await c.encode(REPETITIVE);
    expect(byDefault.startsWith('.')).toBe(true);
    expect(await c.encode(REPETITIVE, {})).toBe(byDefault);
    expect(await c.encode(REPETITIVE, { compress: true })).toBe(byDefault);
    expect(await c.decode(DJANGO_COMPRESSED)).toEqual(REPETITIVE);
    expect(await c.decode(byDefault)).toEqual(REPETITIVE);
  });
});
