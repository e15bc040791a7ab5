// W3 orchestration: per framework, every candidate once per repetition, interleaved. For each: a server
// process, then the load process builds the cookie pool, runs autocannon, and checks cookie #0's counter.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNodeChild } from '../lib/proc.mjs';
import { interleave } from '../lib/stats.mjs';
import { isMissingModule } from '../w1/run.mjs';
import { FRAMEWORK_ORDER, W3_CANDIDATES } from './candidates.mjs';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const LOAD = new URL('./load.mjs', import.meta.url);
/** What a client without a session library sends: a session-sized cookie, so every server parses one. */
const PLAIN_COOKIE = 'sessionid=0123456789abcdefghijklmnopqrstuv';

export function w3Selection(settings, filter) {
  return W3_CANDIDATES.filter(
    (c) =>
      (!settings.frameworks || settings.frameworks.includes(c.framework)) &&
      (!settings.ids || settings.ids.includes(c.id)) &&
      (!filter || c.id.includes(filter) || c.role === 'limit'),
  );
}

function startServer(config, execArgv = []) {
  return new Promise((resolve, reject) => {
    const child = fork(SERVER, [JSON.stringify(config)], {
      execArgv,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const waiting = (message) => {
      if (message.type === 'listening') resolve({ child, port: message.port });
      if (message.type === 'error') reject(new Error(message.error));
    };
    child.on('message', waiting);
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr.slice(-600)}`)));
  });
}

function ask(child, question) {
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (message.type === question) {
        child.off('message', onMessage);
        resolve(message[question]);
      }
    };
    child.on('message', onMessage);
    child.send(question);
  });
}

export async function measureOnce(c, settings, servers, execArgv = []) {
  const server = await startServer(
    {
      framework: c.server,
      candidate: c.candidate,
      engine: c.engine,
      env: { servers: servers.info },
    },
    execArgv,
  );
  const dir = mkdtempSync(join(tmpdir(), 'sess-bench-w3-'));
  try {
    const base = {
      port: server.port,
      poolFile: join(dir, 'pool.json'),
      path: c.path,
      connections: settings.connections,
      durationS: settings.durationS,
      warmupS: settings.warmupS,
      poolSize: settings.poolSize,
      fixedCookie: c.role === 'limit' ? PLAIN_COOKIE : undefined,
    };
    const pool = await runNodeChild(LOAD, { ...base, step: 'pool' }, { nodeArgs: [] });
    if (!pool.ok) return pool;
    const before = await ask(server.child, 'stats');
    const run = await runNodeChild(
      LOAD,
      { ...base, step: 'run' },
      { nodeArgs: [], timeoutMs: 60_000 + 2000 * (settings.durationS + settings.warmupS) },
    );
    if (!run.ok) return run;
    const after = await ask(server.child, 'stats');
    const check = await runNodeChild(LOAD, { ...base, step: 'check' }, { nodeArgs: [] });
    return {
      ...run,
      cookieBytes: pool.cookieBytes,
      check: `${pool.counter}→${check.counter}`,
      storeCalls: after.storeCalls - before.storeCalls,
    };
  } finally {
    server.child.removeAllListeners('exit');
    server.child.send('stop');
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        server.child.kill('SIGKILL');
        resolve();
      }, 3000);
      server.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runW3({ settings, reps, filter, servers, log }) {
  const selected = w3Selection(settings, filter);
  const runs = Object.fromEntries(selected.map((c) => [c.id, []]));
  const errors = {};
  for (const framework of FRAMEWORK_ORDER) {
    const group = selected.filter((c) => c.framework === framework);
    for (let rep = 0; rep < reps; rep++) {
      for (const c of interleave(group, rep)) {
        if (errors[c.id] && isMissingModule(errors[c.id])) {
          runs[c.id].push(null);
          continue;
        }
        await servers.flush();
        let result;
        try {
          result = await measureOnce(c, settings, servers);
        } catch (error) {
          result = { ok: false, error: String(error?.message ?? error) };
        }
        if (result.ok) {
          runs[c.id].push(result);
          log(
            `W3 ${c.id.padEnd(38)} rep ${rep + 1}: ${Math.round(result.reqPerSec)} req/s, non-2xx ${result.non2xx}, errors ${result.errors}, check ${result.check}, store calls ${result.storeCalls}`,
          );
        } else {
          runs[c.id].push(null);
          errors[c.id] = result.error;
          log(`W3 ${c.id} rep ${rep + 1}: FAILED ${result.error.split('\n')[0]}`);
        }
      }
    }
  }
  return { settings, candidates: selected, runs, errors };
}
