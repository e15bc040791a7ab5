// Pickle vs JSON on a typical ~1 KB session. Run after a build: `pnpm --filter @sess/serializer-pickle build`
// then `node packages/serializer-pickle/bench/bench.mjs` (or `pnpm --filter @sess/serializer-pickle bench`).
// Prints ops/s (median of rounds) for dumps, loads and both, for this package, @sess/core's JSON serializer
// (Django's format: checks, ASCII escapes) and bare JSON.stringify/parse with TextEncoder/TextDecoder.
import { jsonSerializer } from '@sess/core';
import { createPickleSerializer, pickleSerializer } from '../dist/index.js';

const session = {
  _auth_user_id: '48213',
  _auth_user_backend: 'django.contrib.auth.backends.ModelBackend',
  _auth_user_hash: '6c1f2b0e8d4a3f5b9c7e2d1a0f4b8c6e3d2a1f0b9c8e7d6a5f4b3c2d1e0f9a8b',
  _session_expiry: 1209600,
  cart: {
    items: [
      { sku: 'SKU-10042', name: 'Espresso beans 1kg', qty: 2, price: 24.5 },
      { sku: 'SKU-20077', name: 'Milk frother', qty: 1, price: 39.99 },
    ],
    currency: 'EUR',
    coupon: null,
    updated: '2024-06-11T09:21:44.512Z',
  },
  recently_viewed: [
    10042, 20077, 30311, 10043, 99120, 45012, 45013, 77001, 10042, 30312, 88100, 88101, 12345, 67890, 11111,
    22222, 33333, 44444, 55555, 66666,
  ],
  visits: 42,
  locale: 'en-GB',
  flash: 'Your profile was updated. We sent a confirmation to the address on file.',
  preferences: { theme: 'dark', newsletter: true, timezone: 'Europe/Berlin', items_per_page: 48 },
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bareJson = {
  dumps: (v) => encoder.encode(JSON.stringify(v)),
  loads: (b) => JSON.parse(decoder.decode(b)),
};

const candidates = [
  ['pickle (protocol 5)', pickleSerializer],
  ['pickle (protocol 2)', createPickleSerializer({ protocol: 2 })],
  ['@sess/core jsonSerializer', jsonSerializer],
  ['bare JSON', bareJson],
];

function opsPerSec(fn, ms) {
  let n = 0;
  const end = performance.now() + ms;
  let now = performance.now();
  while (now < end) {
    for (let i = 0; i < 200; i++) fn();
    n += 200;
    now = performance.now();
  }
  return (n / (now - (end - ms))) * 1000;
}

// Rounds interleave the candidates, so a busy machine slows them all alike; each figure is a median.
const ROUNDS = 9;
const rows = candidates.map(([name, s]) => {
  const bytes = s.dumps(session);
  const back = s.loads(bytes);
  if (JSON.stringify(back) !== JSON.stringify(session)) throw new Error(`${name} did not round-trip`);
  let sink = 0;
  const ops = {
    dumps: () => {
      sink += s.dumps(session).length;
    },
    loads: () => {
      sink += s.loads(bytes) === null ? 1 : 0;
    },
    both: () => {
      sink += s.loads(s.dumps(session)) === null ? 1 : 0;
    },
  };
  for (const fn of Object.values(ops)) opsPerSec(fn, 200);
  return { name, size: bytes.length, ops, samples: { dumps: [], loads: [], both: [] }, sink };
});
for (let r = 0; r < ROUNDS; r++) {
  for (const row of rows)
    for (const [k, fn] of Object.entries(row.ops)) row.samples[k].push(opsPerSec(fn, 150));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const row of rows) for (const k of ['dumps', 'loads', 'both']) row[k] = median(row.samples[k]);

const fmt = (n) => `${(n / 1000).toFixed(0)}k`;
const base = rows.find((r) => r.name === '@sess/core jsonSerializer');
const bare = rows.find((r) => r.name === 'bare JSON');
console.log(
  `node ${process.version}, ${process.platform}/${process.arch}; ops/s, median of ${ROUNDS} interleaved rounds`,
);
console.log('| serializer | bytes | dumps/s | loads/s | dumps+loads/s | vs core JSON | vs bare JSON |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.size} | ${fmt(r.dumps)} | ${fmt(r.loads)} | ${fmt(r.both)} | ${(r.both / base.both).toFixed(2)}× | ${(r.both / bare.both).toFixed(2)}× |`,
  );
}
