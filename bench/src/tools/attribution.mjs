// Where sess's time goes, building block by building block, each beside the native primitive doing the
// same job, over the W1 session (µs per operation, best of 7 rounds of 10 000 different sessions).
// In process, no server: `node bench/src/tools/attribution.mjs`. Use it to see what a hot-path change buys.
import { createHash, createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { deflateSync, inflateSync } from 'node:zlib';
import { isValidSessionKey, jsonSerializer, Sessions, signing } from '@sess/core';
import { cacheEngine } from '@sess/engine-cache';
import { memoryCache } from '@sess/engine-cache/memory';
import { makeSessionData, quietLogger, SECRET_KEY } from '../lib/data.mjs';
import { rawDjangoSigner } from '../lib/django.mjs';

const N = 10_000;
const SALT = 'django.contrib.sessions.SessionStore';
const data = Array.from({ length: N }, (_, i) => makeSessionData(i));
const texts = data.map((d) => JSON.stringify(d));
const bytes = data.map((d) => jsonSerializer.dumps(d));

const rows = [];
async function time(group, name, fn, { sync = false } = {}) {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 7; round++) {
    const t0 = performance.now();
    if (sync) for (let i = 0; i < N; i++) fn(i);
    else for (let i = 0; i < N; i++) await fn(i);
    best = Math.min(best, performance.now() - t0);
  }
  const us = (best * 1000) / N;
  rows.push({ group, name, us });
  process.stderr.write('.');
  return us;
}

// Serializer
await time(
  'serializer',
  'native: JSON.stringify + Buffer.from',
  (i) => Buffer.from(JSON.stringify(data[i])),
  { sync: true },
);
await time('serializer', 'sess: jsonSerializer.dumps', (i) => jsonSerializer.dumps(data[i]), { sync: true });
await time('serializer', '  of which JSON.stringify alone', (i) => JSON.stringify(data[i]), { sync: true });
await time(
  'serializer',
  '  of which .replace(/[^\\x20-\\x7e]/g) on ASCII text',
  (i) => texts[i].replace(/[^\x20-\x7e]/g, ''),
  { sync: true },
);
await time('serializer', '  of which TextEncoder.encode', (i) => new TextEncoder().encode(texts[i]), {
  sync: true,
});
await time(
  'serializer',
  'native: JSON.parse(Buffer latin1)',
  (i) => JSON.parse(Buffer.from(bytes[i]).latin1Slice()),
  { sync: true },
);
await time('serializer', 'sess: jsonSerializer.loads', (i) => jsonSerializer.loads(bytes[i]), { sync: true });

// Django signing (the db engines' and the signed-cookies engine's format)
const raw = rawDjangoSigner({ salt: SALT });
const signedRaw = data.map((d) => raw.dumps(d));
await time(
  'signing',
  'native: Django dumps (node:crypto, zlib, Buffer base64url)',
  (i) => raw.dumps(data[i]),
  { sync: true },
);
await time('signing', 'sess: signing.dumps(compress)', (i) =>
  signing.dumps(data[i], { secretKey: SECRET_KEY, salt: SALT, compress: true }),
);
await time('signing', 'native: Django loads', (i) => raw.loads(signedRaw[i]), { sync: true });
await time('signing', 'sess: signing.loads', (i) =>
  signing.loads(signedRaw[i], { secretKey: SECRET_KEY, salt: SALT }),
);
const packed = bytes.map((b) => deflateSync(b));
await time('signing', '  zlib deflateSync (in both)', (i) => deflateSync(bytes[i]), { sync: true });
await time('signing', '  zlib inflateSync (in both)', (i) => inflateSync(packed[i]), { sync: true });
const key = createHash('sha256').update(`${SALT}signer${SECRET_KEY}`).digest();
await time(
  'signing',
  '  createHmac sha256 over the payload (in both)',
  (i) => createHmac('sha256', key).update(signedRaw[i]).digest(),
  { sync: true },
);
await time('signing', '  base64url: Buffer.toString', (i) => Buffer.from(packed[i]).toString('base64url'), {
  sync: true,
});
const coreEncoding = await import('@sess/core').then((m) => m.signing);
void coreEncoding;

// Memory engine and the Session layer
const backend = memoryCache({ max: 100_000, maxBytes: 2 ** 30 });
const engine = cacheEngine({ backend });
const sessions = new Sessions({ engine, secretKey: SECRET_KEY, logger: quietLogger });
const keys = [];
for (let i = 0; i < N; i++) {
  const s = sessions.open();
  s.update(data[i]);
  await s.save();
  keys.push(s.sessionKey);
}
const map = new Map(keys.map((k, i) => [k, texts[i]]));
await time(
  'memory W1',
  'native: Map + JSON round trip',
  (i) => {
    const d = JSON.parse(map.get(keys[i]));
    d.counter++;
    map.set(keys[i], JSON.stringify(d));
  },
  { sync: true },
);
await time('memory W1', 'sess: Session round trip (open, load, set, save)', async (i) => {
  const s = sessions.open(keys[i]);
  await s.load();
  s.set('counter', s.get('counter') + 1);
  await s.save();
});
const options = { mustCreate: false, expiryAge: 1_209_600, expiryDate: new Date(Date.now() + 1_209_600_000) };
await time('memory W1', '  engine.load + engine.save, no Session', async (i) => {
  const d = await engine.load(keys[i], sessions.context);
  d.counter++;
  await engine.save(keys[i], d, options, sessions.context);
});
await time('memory W1', '  backend get + replace (lru-cache, copies the bytes)', async (i) => {
  const k = engine.cacheKey(keys[i]);
  await backend.replace(k, await backend.get(k), 1_209_600);
});
const m2 = new Map(keys.map((k, i) => [k, bytes[i]]));
await time('memory W1', '  same on a Map, no copy', async (i) => {
  const v = m2.get(keys[i]);
  if (m2.has(keys[i])) m2.set(keys[i], v);
});
await time('memory W1', '  isValidSessionKey (3 per round trip)', (i) => isValidSessionKey(keys[i]), {
  sync: true,
});
await time('memory W1', '  sessions.open + load (no save)', async (i) => {
  await sessions.open(keys[i]).load();
});

// Middleware core, per request
const cookieHeader = (i) => `sessionid=${keys[i]}`;
await time(
  'middleware',
  'cookies.begin (parse Cookie, open)',
  (i) => sessions.cookies.begin(cookieHeader(i)),
  { sync: true },
);
await time(
  'middleware',
  'cookies.cookie (Set-Cookie with Max-Age, Expires)',
  (i) => sessions.cookies.cookie(keys[i], 1_209_600),
  { sync: true },
);
await time('middleware', 'begin + load + set + commit (a full request, no framework)', async (i) => {
  const incoming = sessions.cookies.begin(cookieHeader(i));
  await incoming.session.load();
  incoming.session.set('counter', incoming.session.get('counter') + 1);
  await sessions.cookies.commit(incoming, { status: 200 });
});

process.stderr.write('\n');
let group = '';
console.log('| block | µs/op |\n|---|---|');
for (const r of rows) {
  if (r.group !== group) {
    group = r.group;
    console.log(`| **${group}** | |`);
  }
  console.log(`| ${r.name} | ${r.us.toFixed(2)} |`);
}
