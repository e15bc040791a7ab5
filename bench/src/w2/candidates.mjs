// W2 candidates: cookie codecs. Each step decodes the previous cookie, increments the counter and encodes
// the next cookie. `make()` returns { init(data) → cookie, step(cookie) → cookie, counter(cookie) → n }.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { createRequire } from 'node:module';
import { deflateSync, inflateSync } from 'node:zlib';
import { quietLogger, SECRET_KEY } from '../lib/data.mjs';
import { rawDjangoSigner } from '../lib/django.mjs';

const require = createRequire(import.meta.url);
const MAX_AGE_S = 1_209_600;

function codecCandidate(encode, decode) {
  return {
    init: (data) => encode(data),
    async step(cookie) {
      const data = await decode(cookie);
      data.counter++;
      return encode(data);
    },
    async counter(cookie) {
      return (await decode(cookie)).counter;
    },
  };
}

// --------------------------------------------------------------------------------- sess candidates

async function sessSignedCookies(options) {
  const { Sessions } = await import('@sess/core');
  const { signedCookiesEngine } = await import('@sess/engine-signed-cookies');
  const sessions = new Sessions({
    engine: signedCookiesEngine(options),
    secretKey: SECRET_KEY,
    logger: quietLogger,
  });
  return {
    async init(data) {
      const session = sessions.open();
      session.update(data);
      await session.save();
      return session.sessionKey;
    },
    async step(cookie) {
      const session = sessions.open(cookie);
      await session.load();
      session.set('counter', session.get('counter') + 1);
      await session.save();
      return session.sessionKey;
    },
    async counter(cookie) {
      const session = sessions.open(cookie);
      await session.load();
      return session.get('counter');
    },
  };
}

// ------------------------------------------------------------------------------------- AES-256-GCM

/** AES-256-GCM with a random 96-bit nonce over the JSON, zlib'd first when that is shorter (`compress`). */
function rawAesGcm({ compress }) {
  const key = createHash('sha256').update(`aes${SECRET_KEY}`).digest();
  return codecCandidate(
    (data) => {
      let body = Buffer.from(JSON.stringify(data));
      let flag = 0;
      if (compress) {
        const packed = deflateSync(body);
        if (packed.length < body.length) {
          body = packed;
          flag = 1;
        }
      }
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(body), cipher.final()]);
      return Buffer.concat([Buffer.of(flag), iv, cipher.getAuthTag(), sealed]).toString('base64url');
    },
    (cookie) => {
      const raw = Buffer.from(cookie, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(1, 13));
      decipher.setAuthTag(raw.subarray(13, 29));
      const body = Buffer.concat([decipher.update(raw.subarray(29)), decipher.final()]);
      return JSON.parse((raw[0] === 1 ? inflateSync(body) : body).toString());
    },
  );
}

function rawSecretbox() {
  const sodium = require('sodium-native');
  const key = Buffer.alloc(sodium.crypto_secretbox_KEYBYTES);
  sodium.randombytes_buf(key);
  return codecCandidate(
    (data) => {
      const nonce = Buffer.alloc(sodium.crypto_secretbox_NONCEBYTES);
      sodium.randombytes_buf(nonce);
      const msg = Buffer.from(JSON.stringify(data));
      const cipher = Buffer.alloc(msg.length + sodium.crypto_secretbox_MACBYTES);
      sodium.crypto_secretbox_easy(cipher, msg, nonce, key);
      return `${cipher.toString('base64')};${nonce.toString('base64')}`;
    },
    (cookie) => {
      const [c, n] = cookie.split(';');
      const cipher = Buffer.from(c, 'base64');
      const msg = Buffer.alloc(cipher.length - sodium.crypto_secretbox_MACBYTES);
      if (!sodium.crypto_secretbox_open_easy(msg, cipher, Buffer.from(n, 'base64'), key))
        throw new Error('bad box');
      return JSON.parse(msg.toString());
    },
  );
}

function rawHmac(algorithm) {
  const key = createHash('sha256').update(SECRET_KEY).digest();
  const sign = (value) => createHmac(algorithm, key).update(value).digest('base64url');
  return codecCandidate(
    (data) => {
      const value = Buffer.from(JSON.stringify(data)).toString('base64url');
      return `${value}.${sign(value)}`;
    },
    (cookie) => {
      const cut = cookie.lastIndexOf('.');
      const value = cookie.slice(0, cut);
      const given = Buffer.from(cookie.slice(cut + 1));
      const expected = Buffer.from(sign(value));
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new Error('bad signature');
      return JSON.parse(Buffer.from(value, 'base64url').toString());
    },
  );
}

// -------------------------------------------------------------------------------------------- peers

/** cookie-session's codec exactly: base64 JSON value, signed by `cookies` with keygrip (HMAC-SHA1). */
function cookieSessionCodec() {
  const fromCookieSession = createRequire(require.resolve('cookie-session'));
  const Keygrip = createRequire(fromCookieSession.resolve('cookies'))('keygrip');
  const keys = new Keygrip([SECRET_KEY]);
  const name = 'session';
  return codecCandidate(
    (data) => {
      const value = Buffer.from(JSON.stringify(data)).toString('base64');
      return `${value}|${keys.sign(`${name}=${value}`)}`;
    },
    (cookie) => {
      const [value, sig] = cookie.split('|');
      if (keys.index(`${name}=${value}`, sig) < 0) throw new Error('bad signature');
      return JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
    },
  );
}

async function ironSession() {
  const { sealData, unsealData } = await import('iron-session');
  const password = `${SECRET_KEY}-iron-session-needs-32-chars`;
  return codecCandidate(
    (data) => sealData(data, { password, ttl: MAX_AGE_S }),
    (seal) => unsealData(seal, { password, ttl: MAX_AGE_S }),
  );
}

async function fastifySecureSession() {
  const { default: Fastify } = await import('fastify');
  const sodium = require('sodium-native');
  const key = Buffer.alloc(sodium.crypto_secretbox_KEYBYTES);
  sodium.randombytes_buf(key);
  const app = Fastify({ logger: false });
  await app.register(require('@fastify/secure-session'), { key, expiry: MAX_AGE_S });
  await app.ready();
  return {
    init: (data) => app.encodeSecureSession(app.createSecureSession(data)),
    step(cookie) {
      const session = app.decodeSecureSession(cookie);
      session.set('counter', session.get('counter') + 1);
      return app.encodeSecureSession(session);
    },
    counter: (cookie) => app.decodeSecureSession(cookie).get('counter'),
  };
}

export const W2_CANDIDATES = [
  {
    id: 'signed/sess',
    family: 'signed',
    label: 'sess signed cookies (Django format)',
    role: 'sess',
    ref: 'signed/raw-hmac-sha256-django',
    make: () => sessSignedCookies({}),
  },
  {
    id: 'signed/raw-hmac-sha256-django',
    family: 'signed',
    label: 'raw HMAC-SHA256 + JSON (+ zlib when shorter, as Django) + base64url',
    role: 'limit',
    make: async () => {
      const s = rawDjangoSigner({
        salt: 'django.contrib.sessions.backends.signed_cookies',
        maxAgeS: MAX_AGE_S,
      });
      return codecCandidate(s.dumps, s.loads);
    },
  },
  {
    id: 'signed/raw-hmac-sha256',
    family: 'signed',
    label: 'raw HMAC-SHA256 + JSON + base64url (no deflate)',
    role: 'limit',
    info: true,
    make: async () => rawHmac('sha256'),
  },
  {
    id: 'signed/raw-hmac-sha1',
    family: 'signed',
    label: 'raw HMAC-SHA1 + JSON + base64url',
    role: 'limit',
    make: async () => rawHmac('sha1'),
  },
  {
    id: 'signed/cookie-session',
    family: 'signed',
    label: 'cookie-session codec (keygrip HMAC-SHA1, base64 JSON)',
    role: 'peer',
    ref: 'signed/raw-hmac-sha1',
    make: async () => cookieSessionCodec(),
  },
  {
    id: 'sealed/sess',
    family: 'sealed',
    label: 'sess encrypted cookies (compress: true, default)',
    role: 'sess',
    ref: 'sealed/raw-aes-256-gcm-deflate',
    make: () => sessSignedCookies({ encrypt: true }),
  },
  {
    id: 'sealed/sess-nocompress',
    family: 'sealed',
    label: 'sess encrypted cookies, compress: false',
    role: 'sess',
    ref: 'sealed/raw-aes-256-gcm',
    make: () => sessSignedCookies({ encrypt: true, compress: false }),
  },
  {
    id: 'sealed/raw-aes-256-gcm-deflate',
    family: 'sealed',
    label: 'raw AES-256-GCM + JSON (+ deflate when shorter) + base64url',
    role: 'limit',
    make: async () => rawAesGcm({ compress: true }),
  },
  {
    id: 'sealed/raw-aes-256-gcm',
    family: 'sealed',
    label: 'raw AES-256-GCM + JSON + base64url',
    role: 'limit',
    make: async () => rawAesGcm({ compress: false }),
  },
  {
    id: 'sealed/raw-secretbox',
    family: 'sealed',
    label: 'raw sodium secretbox + JSON + base64',
    role: 'limit',
    make: async () => rawSecretbox(),
  },
  {
    id: 'sealed/fastify-secure-session',
    family: 'sealed',
    label: '@fastify/secure-session (sodium secretbox)',
    role: 'peer',
    ref: 'sealed/raw-secretbox',
    make: fastifySecureSession,
  },
  {
    id: 'sealed/iron-session',
    family: 'sealed',
    label: 'iron-session sealData / unsealData',
    role: 'peer',
    ref: 'sealed/raw-aes-256-gcm',
    make: ironSession,
  },
];

export function w2Candidate(id) {
  const found = W2_CANDIDATES.find((c) => c.id === id);
  if (!found) throw new Error(`unknown W2 candidate ${id}`);
  return found;
}
