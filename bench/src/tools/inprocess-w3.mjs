// W3's servers without the network: each request is a real IncomingMessage/ServerResponse pair handed to
// the server's 'request' listener, the response written to a socket that discards the bytes. What is left
// is the CPU each framework × candidate spends per request, which a loaded 2-core machine measures far
// more steadily than autocannon can. Candidates are interleaved round by round (A B A B); medians printed.
//   node --expose-gc bench/src/tools/inprocess-w3.mjs express none,sess-lazy:/untouched,sess [n] [rounds]
// Memory engine only (no servers).
import { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { FRAMEWORKS } from '../w3/apps.mjs';

const [framework = 'express', list = 'none,sess-lazy:/untouched,sess', n = '20000', rounds = '9'] =
  process.argv.slice(2);
const N = Number(n);

/** A socket stand-in: accepts and drops every write, as a client that reads everything would. */
function sink() {
  const socket = new Writable({
    writev(_chunks, cb) {
      cb();
    },
    write(_chunk, _enc, cb) {
      cb();
    },
  });
  socket.setTimeout = () => socket;
  socket.setNoDelay = () => socket;
  socket.remoteAddress = '127.0.0.1';
  return socket;
}

function request(socket, path, cookie) {
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = path;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.headers = cookie ? { host: 'localhost', cookie } : { host: 'localhost' };
  req.rawHeaders = cookie ? ['Host', 'localhost', 'Cookie', cookie] : ['Host', 'localhost'];
  req.complete = true;
  req.push(null);
  return req;
}

/** One request through `server`'s listener; resolves with the Set-Cookie header when the response ends. */
function once(server, socket, path, cookie) {
  const req = request(socket, path, cookie);
  const res = new ServerResponse(req);
  res.assignSocket(socket);
  return new Promise((resolve, reject) => {
    res.on('finish', () => {
      res.detachSocket(socket);
      if (res.statusCode >= 400) reject(new Error(`${path}: status ${res.statusCode}`));
      else resolve(res.getHeader('set-cookie'));
    });
    server.emit('request', req, res);
  });
}

async function candidate(spec) {
  const [name, path = '/'] = spec.split(':');
  const stats = { storeCalls: 0 };
  const server = await FRAMEWORKS[framework]({ candidate: name, engine: 'memory', env: {}, stats });
  const socket = sink();
  // A pool of cookies, as W3 makes them, each request taking the next.
  const cookies = [];
  if (name !== 'none' && name !== 'node-http') {
    for (let i = 0; i < 500; i++) {
      const set = await once(server, socket, '/new');
      const first = Array.isArray(set) ? set[0] : set;
      cookies.push(first ? first.split(';')[0] : undefined);
    }
  } else cookies.push('sessionid=0123456789abcdefghijklmnopqrstuv');
  return {
    spec,
    stats,
    async run() {
      const t0 = process.cpuUsage();
      for (let i = 0; i < N; i++) await once(server, socket, path, cookies[i % cookies.length]);
      const used = process.cpuUsage(t0);
      return (used.user + used.system) / N;
    },
  };
}

const candidates = [];
for (const spec of list.split(',')) candidates.push(await candidate(spec));
const times = new Map(candidates.map((c) => [c, []]));
for (let r = 0; r < Number(rounds); r++) {
  for (const c of candidates) {
    globalThis.gc?.();
    times.get(c).push(await c.run());
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times.get(candidates[0]));
const baseMin = Math.min(...times.get(candidates[0]));
for (const c of candidates) {
  const m = median(times.get(c));
  const least = Math.min(...times.get(c));
  console.log(
    `${c.spec.padEnd(28)} median ${m.toFixed(2).padStart(6)} µs/req CPU ×${(base / m).toFixed(3)}   least ${least.toFixed(2).padStart(6)} ×${(baseMin / least).toFixed(3)}   (× of ${candidates[0].spec}; store calls ${c.stats.storeCalls})`,
  );
}
