// What `pnpm bench` (full) and `pnpm bench:quick` run: sizes, durations and which candidates.

export const MODES = {
  full: {
    reps: 3,
    w1: { n: 10_000, fileN: 2_500, capMs: 1_500, concurrency: 64, backends: null },
    w2: { durationMs: 700, warmupMs: 200 },
    w3: { durationS: 2, warmupS: 0.5, connections: 50, poolSize: 500, frameworks: null },
    scale: { rows: 1_000_000, loads: 10_000 },
  },
  quick: {
    reps: 3,
    // sess beside the raw limit its target names, and the main peer, at small sizes.
    w1: {
      n: 2_000,
      fileN: 500,
      capMs: 250,
      concurrency: 64,
      backends: null,
      ids: [
        'memory/sess',
        'memory/raw-map-json',
        'memory/express-session',
        'redis/sess',
        'redis/raw-ioredis',
        'memcached/sess',
        'memcached/raw-memjs',
        'file/sess',
        'file/raw-fs-fsync',
        'sqlite/sess',
        'sqlite/raw',
      ],
    },
    w2: {
      durationMs: 250,
      warmupMs: 100,
      ids: ['signed/sess', 'signed/raw-hmac-sha256-django', 'sealed/sess', 'sealed/raw-aes-256-gcm-deflate'],
    },
    w3: {
      durationS: 1,
      warmupS: 0.3,
      connections: 50,
      poolSize: 200,
      frameworks: null,
      ids: [
        'express/none',
        'express/sess-memory',
        'express/sess-lazy-memory',
        'fastify/none',
        'fastify/sess-memory',
      ],
    },
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
    else
      throw new Error(
        `unknown argument ${arg} (known: --mode=full|quick --only=w1,w2,w3,scale --filter=TEXT --reps=N --out=DIR)`,
      );
  }
  if (!MODES[args.mode]) throw new Error(`--mode must be full or quick, not ${args.mode}`);
  return args;
}
