// `pnpm bench` / `pnpm bench:quick`: starts the servers (via @sess/test-servers), runs W1, W2, W3 and the
// scale test side by side with the peers and the raw limits, prints the targets table and writes
// bench/results/latest.{md,svg,json}. Servers are stopped at the end, also when something fails.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdown, summary } from './lib/report.mjs';
import { serverVersions, startBenchServers } from './lib/servers.mjs';
import { MODES, parseArgs } from './lib/settings.mjs';
import { svgChart } from './lib/svg.mjs';
import { runScale, scaleServers } from './scale/run.mjs';
import { runW1, w1Selection } from './w1/run.mjs';
import { runW2 } from './w2/run.mjs';
import { runW3, w3Selection } from './w3/run.mjs';

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const PEER_PACKAGES = [
  '@fastify/cookie',
  '@fastify/secure-session',
  '@fastify/session',
  '@hono/node-server',
  'autocannon',
  'better-sqlite3',
  'better-sqlite3-session-store',
  'connect-memjs',
  'connect-pg-simple',
  'connect-redis',
  'cookie-session',
  'express',
  'express-session',
  'fastify',
  'hono',
  'ioredis',
  'iron-session',
  'koa',
  'koa-session',
  'memjs',
  'memorystore',
  'mysql2',
  'pg',
  'redis',
  'session-file-store',
  'sodium-native',
  '@aws-sdk/client-dynamodb',
];

function packageVersions() {
  return PEER_PACKAGES.map((name) => {
    try {
      const pkg = JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', name, 'package.json'), 'utf8'));
      return `${name}@${pkg.version}`;
    } catch {
      return `${name}@?`;
    }
  }).join(', ');
}

function machine() {
  const sh = (cmd) => {
    try {
      return execFileSync('sh', ['-c', cmd], { encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  const os = sh('. /etc/os-release && echo "$PRETTY_NAME"');
  const fs = sh(`df -T ${JSON.stringify(tmpdir())} | awk 'NR==2{print $2}'`);
  return `nproc=${sh('nproc')}, ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${os}, kernel ${sh('uname -r')}, temp dir on ${fs}`;
}

/** The commit measured, and whether the packages' sources differed from it (others may be editing them). */
function gitState() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: BENCH_DIR,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../packages'], {
      cwd: BENCH_DIR,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((line) => /^ ?[MADR]/.test(line) && line.includes('/src/')).length;
    return dirty > 0 ? `${head} + uncommitted changes in ${dirty} package source files` : head;
  } catch {
    return 'unknown';
  }
}

const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const mode = MODES[args.mode];
  const reps = args.reps ?? mode.reps;
  const only = args.only ?? ['w1', 'w2', 'w3', 'scale'];
  const want = (k) => only.includes(k) && (k !== 'scale' || mode.scale);
  const log = (line) => process.stderr.write(`${line}\n`);
  const started = Date.now();
  const meta = {
    mode: args.mode,
    reps,
    command: `pnpm bench${args.mode === 'quick' ? ':quick' : ''}${process.argv.length > 3 ? ` -- ${process.argv.slice(3).join(' ')}` : ''} (node --import tsx bench/src/run.mjs ${process.argv.slice(2).join(' ')}; children: node --expose-gc)`,
    date: new Date().toISOString(),
    git: gitState(),
    loadStart: load(),
    machine: machine(),
    node: process.version,
    v8: process.versions.v8,
    threadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
    packages: packageVersions(),
    sectionS: {},
  };

  const needs = new Set();
  if (want('w1')) for (const c of w1Selection(mode.w1, args.filter)) for (const n of c.needs) needs.add(n);
  if (want('w3')) for (const c of w3Selection(mode.w3, args.filter)) for (const n of c.needs) needs.add(n);
  if (want('scale')) for (const n of scaleServers()) needs.add(n);
  log(`starting servers: ${[...needs].join(', ') || 'none'} (load average ${meta.loadStart})`);
  const servers = await startBenchServers([...needs]);
  meta.serverVersions = serverVersions([...needs]);
  const pinnedNames = Object.entries(servers.pinned)
    .filter(([, ok]) => ok)
    .map(([n]) => n);
  meta.pinning =
    pinnedNames.length > 0
      ? `${pinnedNames.join(', ')} (and their child processes) on CPU ${servers.serverCpu} with taskset; W1 client processes of those backends on CPU 0; everything else unpinned`
      : 'none (taskset missing, a single CPU, or no server)';
  const results = { meta };
  try {
    const section = async (key, run) => {
      const t0 = Date.now();
      results[key] = await run();
      meta.sectionS[key.toUpperCase()] = (Date.now() - t0) / 1000;
    };
    if (want('w1'))
      await section('w1', () => runW1({ settings: mode.w1, reps, filter: args.filter, servers, log }));
    if (want('w2')) await section('w2', () => runW2({ settings: mode.w2, reps, filter: args.filter, log }));
    if (want('w3'))
      await section('w3', () => runW3({ settings: mode.w3, reps, filter: args.filter, servers, log }));
    if (want('scale')) await section('scale', () => runScale({ settings: mode.scale, servers, log }));
  } finally {
    await servers.stop();
  }
  meta.wallS = (Date.now() - started) / 1000;
  meta.loadEnd = load();
  const s = [];
  if (results.w1)
    s.push(
      `W1 N=${mode.w1.n.toLocaleString('en-US')} sessions per run (file ${mode.w1.fileN.toLocaleString('en-US')}), c1 and c${mode.w1.concurrency}, phase cap ${mode.w1.capMs / 1000} s`,
    );
  if (results.w2) s.push(`W2 ${mode.w2.durationMs} ms per run after ${mode.w2.warmupMs} ms warm-up`);
  if (results.w3)
    s.push(
      `W3 ${mode.w3.durationS} s after ${mode.w3.warmupS} s warm-up, ${mode.w3.connections} connections, pool of ${mode.w3.poolSize} sessions`,
    );
  if (results.scale)
    s.push(
      `scale ${mode.scale.rows.toLocaleString('en-US')} rows, ${mode.scale.loads.toLocaleString('en-US')} loads`,
    );
  meta.settingsText = `reps=${reps}; ${s.join('; ')}${args.filter ? `; filter '${args.filter}'` : ''}`;

  const outDir = args.out ? args.out : join(BENCH_DIR, 'results');
  mkdirSync(outDir, { recursive: true });
  const md = markdown(results);
  writeFileSync(join(outDir, 'latest.md'), md);
  writeFileSync(join(outDir, 'latest.svg'), svgChart(results));
  writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 1)}\n`);
  process.stdout.write(`${md}\n`);
  log(
    `\n${summary(results)}\n\nwrote ${join(outDir, 'latest.md')}, latest.svg, latest.json in ${Math.round(meta.wallS)} s`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
