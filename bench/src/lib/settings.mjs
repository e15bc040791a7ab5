// What `pnpm bench` (full) and `pnpm bench:quick` run: sizes, durations and which candidates.

export const MODES = {
  full: {
    reps: 3,
    w1: { n: 20_000, fileN: 5_000, capMs: 3_000, concurrency: 64, backends: null },
    w2: { durationMs: 2_000, warmupMs: 300 },
    w3: { durationS: 4, warmupS: 1, connections: 50, poolSize: 2_000, frameworks: null },
    scale: { rows: 1_000_000, loads: 20_000 },
  },
  quick: {
    reps: 3,
    w1: { n: 2_000, fileN: 1_000, capMs: 400, concurrency: 64, backends: ['memory', 'redis', 'memcached', 'file', 'sqlite'] },
    w2: { durationMs: 300, warmupMs: 100 },
    w3: { durationS: 1, warmupS: 0.5, connections: 50, poolSize: 200, frameworks: ['express', 'fastify'] },
    scale: null,
  },
};

/** `--mode=quick --only=w1,w3 --filter=redis --reps=1` */
export function parseArgs(argv) {
  const args = { mode: 'full', only: null, filter: null, reps: null, out: null };
  for (const arg of argv) {
    const [k, v = ''] = arg.replace(/^--/, '').split('=');
    if (k === 'mode') args.mode = v;
    else if (k === 'only') args.only = v.split(',');
    else if (k === 'filter') args.filter = v;
    else if (k === 'reps') args.reps = Number(v);
    else if (k === 'out') args.out = v;
    else throw new Error(`unknown argument ${arg} (known: --mode=full|quick --only=w1,w2,w3,scale --filter=TEXT --reps=N --out=DIR)`);
  }
  if (!MODES[args.mode]) throw new Error(`--mode must be full or quick, not ${args.mode}`);
  return args;
}
