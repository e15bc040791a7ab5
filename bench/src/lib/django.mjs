// Django's `signing.dumps(..., compress=True)` / `signing.loads` written straight on node:crypto and zlib,
// nothing else: JSON, zlib when it makes the payload shorter, base64url, base62 timestamp, HMAC-SHA256
// under the salted key. The raw limit for sess's Django-format encoding (W2, and W1's info rows).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { SECRET_KEY } from './data.mjs';

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function b62encode(n) {
  if (n === 0) return '0';
  let out = '';
  while (n > 0) {
    out = B62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function b62decode(s) {
  let n = 0;
  for (const ch of s) n = n * 62 + B62.indexOf(ch);
  return n;
}

export function rawDjangoSigner({ salt, maxAgeS = Number.POSITIVE_INFINITY, secretKey = SECRET_KEY }) {
  const key = createHash('sha256').update(`${salt}signer${secretKey}`).digest();
  const sign = (value) => createHmac('sha256', key).update(value).digest('base64url');
  return {
    dumps(data) {
      let body = Buffer.from(JSON.stringify(data));
      let dot = '';
      const packed = deflateSync(body);
      if (packed.length < body.length - 1) {
        body = packed;
        dot = '.';
      }
      const value = `${dot}${body.toString('base64url')}:${b62encode(Math.floor(Date.now() / 1000))}`;
      return `${value}:${sign(value)}`;
    },
    loads(signed) {
      const cut = signed.lastIndexOf(':');
      const value = signed.slice(0, cut);
      const given = Buffer.from(signed.slice(cut + 1));
      const expected = Buffer.from(sign(value));
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new Error('bad signature');
      const tsCut = value.lastIndexOf(':');
      if (Date.now() / 1000 - b62decode(value.slice(tsCut + 1)) > maxAgeS) throw new Error('expired');
      let payload = value.slice(0, tsCut);
      const compressed = payload[0] === '.';
      if (compressed) payload = payload.slice(1);
      let body = Buffer.from(payload, 'base64url');
      if (compressed) body = inflateSync(body);
      return JSON.parse(body.toString());
    },
  };
}
