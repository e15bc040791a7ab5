// The W3 load generator, a process of its own, in three steps so the server's store calls can be counted
// for the measured run alone: 'pool' builds the cookie pool (GET /new without a cookie, one session each)
// and reads cookie #0's counter; 'run' runs autocannon (warm-up, then the measured run), every request
// carrying the next cookie of the pool; 'check' reads cookie #0's counter again.

import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import autocannon from 'autocannon';
import { printResult } from '../lib/child-result.mjs';

const { step, poolFile, port, path, connections, durationS, warmupS, poolSize, fixedCookie } = JSON.parse(
  process.argv[2],
);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(urlPath, cookie) {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: urlPath, agent, headers: cookie ? { cookie } : {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
  });
}

/** The Cookie header a browser would send back: name=value of every Set-Cookie. */
function cookieHeader(setCookie) {
  return (setCookie ?? []).map((c) => c.split(';')[0]).join('; ');
}

function run(duration, pool) {
  let next = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration,
        requests: [
          {
            method: 'GET',
            path,
            setupRequest(req) {
              req.headers = { ...req.headers, cookie: pool[next++ % pool.length] };
              return req;
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

async function makePool() {
  if (fixedCookie) return [fixedCookie];
  const pool = [];
  for (let i = 0; i < poolSize; i++) {
    const res = await get('/new');
    const cookie = cookieHeader(res.headers['set-cookie']);
    if (res.status !== 200 || !cookie)
      throw new Error(`GET /new answered ${res.status} without a session cookie`);
    pool.push(cookie);
  }
  return pool;
}

/** The counter GET / answers for a cookie (store-backed sessions keep counting; cookie sessions cannot). */
async function counterOf(cookie) {
  const res = await get('/', cookie);
  return res.status === 200 ? res.body : `HTTP ${res.status}`;
}

async function main() {
  if (step === 'pool') {
    const pool = await makePool();
    writeFileSync(poolFile, JSON.stringify(pool));
    return {
      ok: true,
      counter: fixedCookie ? 'n/a' : await counterOf(pool[0]),
      cookieBytes: Buffer.byteLength(pool[0]),
    };
  }
  const pool = JSON.parse(readFileSync(poolFile, 'utf8'));
  if (step === 'check') return { ok: true, counter: fixedCookie ? 'n/a' : await counterOf(pool[0]) };
  if (warmupS > 0) await run(warmupS, pool);
  const r = await run(durationS, pool);
  return {
    ok: true,
    reqPerSec: r.requests.total / r.duration,
    total: r.requests.total,
    meanMs: r.latency.mean,
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

printResult(main());
