// W1 peers: express-session stores (and the like) driven the way express-session drives them:
// get(sid) → counter++ → set(sid, sess), with the `cookie` object express-session keeps in every session.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const COOKIE_AGE_MS = 1_209_600_000;

/** What express-session's `Session` serializes to: the data plus its `cookie`. */
export function expressSession(data) {
  return {
    cookie: {
      originalMaxAge: COOKIE_AGE_MS,
      expires: new Date(Date.now() + COOKIE_AGE_MS).toISOString(),
      httpOnly: true,
      path: '/',
    },
    ...data,
  };
}

function call(store, method, ...args) {
  return new Promise((resolve, reject) => {
    store[method](...args, (error, value) => (error ? reject(error) : resolve(value)));
  });
}

/** A W1 runner over an express-session `Store` (callback API, as express-session calls it). */
export function storeRunner(store, makeId, close = async () => {}) {
  return {
    async create(data) {
      const sid = makeId();
      await call(store, 'set', sid, expressSession(data));
      return sid;
    },
    async roundtrip(sid) {
      const sess = await call(store, 'get', sid);
      sess.counter++;
      await call(store, 'set', sid, sess);
    },
    async read(sid) {
      const sess = await call(store, 'get', sid);
      return sess ? sess.counter : undefined;
    },
    close,
  };
}

export function expressSessionModule() {
  return require('express-session');
}
