// The session every workload stores: ~1 KB of JSON in 10 keys (a nested object, an array of 20 numbers,
// strings and a counter), different for every session so nothing is shared or cached by accident.
import { randomBytes } from 'node:crypto';

export function makeSessionData(i) {
  const recent = [];
  for (let k = 0; k < 20; k++) recent.push(((i * 7919 + k * 104729) % 1_000_003) + k);
  return {
    userId: 100_000 + i,
    username: `customer.${i}@shop.example.com`,
    displayName: `Customer Number ${i} of the Benchmark Shop`,
    locale: 'en-GB',
    csrfToken: randomBytes(32).toString('hex'),
    cart: {
      items: [
        { sku: `SKU-${(i % 9000) + 1000}-A`, qty: 2, price: 19.99, title: 'Blue ceramic coffee mug' },
        { sku: `SKU-${(i % 7000) + 2000}-B`, qty: 1, price: 5.5, title: 'Paper filters, pack of 100' },
      ],
      currency: 'EUR',
      coupon: null,
      updatedAt: '2026-11-22T01:46:34.478Z',
    },
    recentlyViewed: recent,
    flash:
      'Your preferences were saved. You can change them at any time from your account page, where you will also find your orders, your addresses and the newsletters you receive from us.',
    preferences: {
      theme: 'dark',
      newsletter: true,
      itemsPerPage: 48,
      timezone: 'Europe/Berlin',
      currency: 'EUR',
    },
    counter: 0,
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A 32-character [a-z0-9] key from the CSPRNG, like Django's (and sess's) session keys. */
export function randomKey() {
  const bytes = randomBytes(32);
  let out = '';
  for (let k = 0; k < 32; k++) out += ALPHABET[bytes[k] % 36];
  return out;
}

/** A throwaway logger: the bench must not print, and must not pay for console I/O. */
export const quietLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

export const SECRET_KEY = 'bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz';
