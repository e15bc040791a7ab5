// From raw repetitions to what a person reads: medians, paired ratios to the raw limits, targets, and the
// markdown of bench/results/latest.md. Pure functions of the results object.
import { median, pairedRatio, spread } from './stats.mjs';

const fmtInt = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
const fmtUs = (v) => (Number.isFinite(v) ? (v >= 100 ? fmtInt(v) : v.toFixed(1)) : '–');
const fmtMs = (v) => (Number.isFinite(v) ? (v >= 10 ? v.toFixed(1) : v.toFixed(2)) : '–');
const fmtPct = (v) => (Number.isFinite(v) ? `${Math.round(v * 100)}%` : '–');
export const fmtRatio = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');

const pick = (reps, path) =>
  reps.map((r) => {
    if (!r) return Number.NaN;
    let v = r;
    for (const k of path.split('.')) v = v?.[k];
    return typeof v === 'number' ? v : Number.NaN;
  });

function ratioOf(section, id, refId, path) {
  if (!refId || !section.runs[refId]) return Number.NaN;
  return pairedRatio(pick(section.runs[id] ?? [], path), pick(section.runs[refId], path));
}

/** One row per candidate: its own fields, how many repetitions measured it, `fields(c, reps, ok)`, its error. */
function rowsOf(section, fields) {
  return section.candidates.map((c) => {
    const reps = section.runs[c.id] ?? [];
    const ok = reps.filter(Boolean);
    return { ...c, measured: ok.length, ...fields(c, reps, ok), error: section.errors[c.id] };
  });
}

const allValid = (ok) => ok.length > 0 && ok.every((r) => r.valid);
const nameCell = (r) => (r.role === 'sess' ? `**${r.label}**` : r.label);
const roleCell = (r) => `${r.role}${r.info ? ' (info)' : ''}`;

/**
 * A markdown table: `head` names the columns, `cells(row)` fills a measured row. A row not measured keeps
 * its `lead(row)` cells and says why, then closes with `pad` pipes (W2's has always been one short).
 */
function mdTable(head, rows, { cells, lead, pad, measured = (r) => r.measured > 0, error = (r) => r.error }) {
  const lines = [`| ${head.join(' | ')} |`, `|${'---|'.repeat(head.length)}`];
  for (const r of rows) {
    lines.push(
      measured(r)
        ? `| ${cells(r).join(' | ')} |`
        : `| ${[...lead(r), `not measured: ${oneLine(error(r))}`].join(' | ')} ${'|'.repeat(pad)}`,
    );
  }
  return lines;
}

/** The footnote under W1 and W2: each candidate with a ref, and the raw limit it is divided by. */
function refPairs(section, rows) {
  const pairs = rows.filter((r) => r.ref).map((r) => `${r.label} → ${labelOf(section, r.ref)}`);
  return `"× ref" pairs: ${pairs.join('; ')}.`;
}

// -------------------------------------------------------------------------------------------- W1

export function w1Rows(section) {
  return rowsOf(section, (c, reps, ok) => ({
    create: median(pick(reps, 'create.opsPerSec')),
    c1: median(pick(reps, 'c1.opsPerSec')),
    c1p50: median(pick(reps, 'c1.p50us')),
    c1p99: median(pick(reps, 'c1.p99us')),
    c64: median(pick(reps, 'c64.opsPerSec')),
    c64p50: median(pick(reps, 'c64.p50us')),
    c64p99: median(pick(reps, 'c64.p99us')),
    rssMB: median(pick(reps, 'rssMB')),
    spreadC1: spread(pick(reps, 'c1.opsPerSec')),
    spreadC64: spread(pick(reps, 'c64.opsPerSec')),
    ratioC1: ratioOf(section, c.id, c.ref, 'c1.opsPerSec'),
    ratioC64: ratioOf(section, c.id, c.ref, 'c64.opsPerSec'),
    altC1: ratioOf(section, c.id, c.alsoRef, 'c1.opsPerSec'),
    altC64: ratioOf(section, c.id, c.alsoRef, 'c64.opsPerSec'),
    capped: ok.some((r) => r.create.capped || r.c1.capped || r.c64.capped),
    valid: allValid(ok),
  }));
}

function labelOf(section, id) {
  return section.candidates.find((c) => c.id === id)?.label ?? id;
}

function w1Table(section) {
  const rows = w1Rows(section);
  const head = [
    'backend',
    'candidate',
    'role',
    'c1 ops/s',
    'c1 p50 / p99 µs',
    'c64 ops/s',
    'c64 p50 / p99 µs',
    'create ops/s',
    'spread c1 / c64',
    '× ref c1 / c64',
    'valid',
  ];
  const lines = mdTable(head, rows, {
    lead: (r) => [r.backend, r.label, r.role],
    pad: 8,
    cells: (r) => [
      r.backend,
      `${nameCell(r)}${r.capped ? ' ⏱' : ''}`,
      roleCell(r),
      fmtInt(r.c1),
      `${fmtUs(r.c1p50)} / ${fmtUs(r.c1p99)}`,
      fmtInt(r.c64),
      `${fmtUs(r.c64p50)} / ${fmtUs(r.c64p99)}`,
      fmtInt(r.create),
      `${fmtPct(r.spreadC1)} / ${fmtPct(r.spreadC64)}`,
      r.ref ? `${fmtRatio(r.ratioC1)} / ${fmtRatio(r.ratioC64)}` : '',
      r.valid ? 'yes' : 'NO',
    ],
  });
  lines.push('', refPairs(section, rows));
  return lines.join('\n');
}

// -------------------------------------------------------------------------------------------- W2

export function w2Rows(section) {
  return rowsOf(section, (c, reps, ok) => ({
    ops: median(pick(reps, 'opsPerSec')),
    p50: median(pick(reps, 'p50us')),
    p99: median(pick(reps, 'p99us')),
    bytes: median(pick(reps, 'cookieBytes')),
    spread: spread(pick(reps, 'opsPerSec')),
    ratio: ratioOf(section, c.id, c.ref, 'opsPerSec'),
    valid: allValid(ok),
  }));
}

function w2Table(section) {
  const rows = w2Rows(section);
  const head = [
    'family',
    'candidate',
    'role',
    'ops/s',
    'p50 / p99 µs',
    'cookie bytes',
    'spread',
    '× ref',
    'valid',
  ];
  const lines = mdTable(head, rows, {
    lead: (r) => [r.family, r.label, r.role],
    pad: 5,
    cells: (r) => [
      r.family,
      nameCell(r),
      roleCell(r),
      fmtInt(r.ops),
      `${fmtUs(r.p50)} / ${fmtUs(r.p99)}`,
      fmtInt(r.bytes),
      fmtPct(r.spread),
      r.ref ? fmtRatio(r.ratio) : '',
      r.valid ? 'yes' : 'NO',
    ],
  });
  lines.push('', refPairs(section, rows));
  return lines.join('\n');
}

// -------------------------------------------------------------------------------------------- W3

export function w3Rows(section) {
  return rowsOf(section, (c, reps, ok) => ({
    rps: median(pick(reps, 'reqPerSec')),
    mean: median(pick(reps, 'meanMs')),
    p50: median(pick(reps, 'p50ms')),
    p99: median(pick(reps, 'p99ms')),
    spread: spread(pick(reps, 'reqPerSec')),
    ratio: ratioOf(section, c.id, c.ref, 'reqPerSec'),
    // The bare node:http server runs in every framework's group: divide by the one measured beside it.
    ratioNode:
      c.server === 'node:http' ? Number.NaN : ratioOf(section, c.id, `${c.framework}/node-http`, 'reqPerSec'),
    bytes: median(pick(reps, 'cookieBytes')),
    non2xx: ok.reduce((s, r) => s + r.non2xx, 0),
    errors: ok.reduce((s, r) => s + r.errors, 0),
    storeCalls: ok.reduce((s, r) => s + (r.storeCalls ?? 0), 0),
    checks: ok.map((r) => r.check).join(', '),
  }));
}

function w3Table(section) {
  const head = [
    'framework',
    'candidate',
    'role',
    'route',
    'req/s',
    'mean ms',
    'p50 / p99 ms',
    'spread',
    '× fw',
    '× node:http',
    'cookie bytes',
    'non-2xx / errors',
    'store calls (sess)',
    'check',
  ];
  return mdTable(head, w3Rows(section), {
    lead: (r) => [r.framework, r.label, r.role, r.path],
    pad: 10,
    cells: (r) => [
      r.framework,
      nameCell(r),
      r.role,
      r.path,
      fmtInt(r.rps),
      fmtMs(r.mean),
      `${r.p50} / ${r.p99}`,
      fmtPct(r.spread),
      r.ref ? fmtRatio(r.ratio) : '',
      fmtRatio(r.ratioNode),
      fmtInt(r.bytes),
      `${r.non2xx} / ${r.errors}`,
      r.role === 'sess' ? r.storeCalls : '',
      r.checks,
    ],
  }).join('\n');
}

// ----------------------------------------------------------------------------------------- scale

function scaleTable(section) {
  const head = [
    'database',
    'rows',
    'insert (raw, bulk) s',
    'load p50 / p99 µs (Session, random keys)',
    'loads',
    'clearExpired s',
    'removed',
    'peak RSS MB (clearExpired process; idle baseline)',
  ];
  return mdTable(head, Object.entries(section.results), {
    measured: ([, r]) => r?.ok,
    error: ([, r]) => r?.error,
    lead: ([db]) => [db],
    pad: 7,
    cells: ([db, r]) => [
      db,
      fmtInt(r.rows),
      r.insertS.toFixed(1),
      `${fmtUs(r.load.p50us)} / ${fmtUs(r.load.p99us)}`,
      fmtInt(r.load.ops),
      r.clear.seconds.toFixed(2),
      fmtInt(r.clear.removed),
      `${fmtInt(r.clear.peakRssMB)} (${fmtInt(r.clear.baselineRssMB)})`,
    ],
  }).join('\n');
}

// ---------------------------------------------------------------------------------------- targets

/** The issue's targets, each a ratio to its raw limit measured in the same run. */
export function targets(results) {
  const out = [];
  const w1 = results.w1 ? w1Rows(results.w1) : [];
  const w1Target = (id, min, what) => {
    const r = w1.find((x) => x.id === id);
    if (!r) return;
    const value = Math.min(r.ratioC1, r.ratioC64);
    out.push({
      what,
      target: min,
      value,
      detail: `c1 ${fmtRatio(r.ratioC1)}, c64 ${fmtRatio(r.ratioC64)}`,
      group: 'W1',
    });
  };
  w1Target('redis/sess', 0.9, 'W1 Redis ÷ raw ioredis GET+SET EX');
  w1Target('memcached/sess', 0.9, 'W1 Memcached ÷ raw memjs get+set');
  w1Target('file/sess', 0.9, 'W1 file ÷ raw fs (same durability)');
  w1Target('sqlite/sess', 0.8, 'W1 SQLite ÷ raw better-sqlite3 upsert+select');
  w1Target('memory/sess', 0.8, 'W1 memory ÷ raw Map holding JSON');
  const w2 = results.w2 ? w2Rows(results.w2) : [];
  for (const [id, what] of [
    ['signed/sess', 'W2 signed ÷ raw HMAC-SHA256+JSON(+deflate as Django)'],
    ['sealed/sess', 'W2 encrypted (default, compresses) ÷ raw AES-256-GCM+JSON(+deflate when shorter)'],
    ['sealed/sess-nocompress', 'W2 encrypted, compress: false ÷ raw AES-256-GCM+JSON'],
  ]) {
    const r = w2.find((x) => x.id === id);
    if (r) out.push({ what, target: 0.8, value: r.ratio, detail: '', group: 'W2' });
  }
  const w3 = results.w3 ? w3Rows(results.w3) : [];
  const w3Target = (id, min, what, extra = '') => {
    const r = w3.find((x) => x.id === id);
    if (!r) return;
    const calls = r.lazy ? r.storeCalls : 0;
    out.push({
      what,
      target: min,
      value: r.ratio,
      detail: `${extra}${r.lazy ? `store calls: ${r.storeCalls}` : ''}`,
      group: 'W3',
      failExtra: calls !== 0,
    });
  };
  w3Target('express/sess-memory', 0.8, 'W3 Express + memory engine ÷ Express without sessions');
  w3Target('fastify/sess-memory', 0.7, 'W3 Fastify + memory engine ÷ Fastify without sessions');
  for (const fw of ['express', 'fastify', 'koa', 'hono']) {
    w3Target(`${fw}/sess-lazy-memory`, 0.95, `W3 ${fw}, lazy, untouched route ÷ ${fw} without sessions`);
  }
  return out.map((t) => ({
    ...t,
    met: Number.isFinite(t.value) ? t.value >= t.target && !t.failExtra : null,
  }));
}

export function targetsTable(results) {
  const rows = targets(results);
  if (rows.length === 0) return '';
  return mdTable(['target', 'goal', 'measured', 'met'], rows, {
    measured: () => true,
    cells: (t) => [
      t.what,
      `≥ ${t.target.toFixed(2)}×`,
      `${fmtRatio(t.value)}${t.detail ? ` (${t.detail})` : ''}`,
      t.met === null ? 'not measured' : t.met ? 'yes' : '**NO**',
    ],
  }).join('\n');
}

// ---------------------------------------------------------------------------------------- document

function oneLine(text) {
  return String(text ?? 'unknown')
    .split('\n')[0]
    .replace(/\|/g, '/')
    .slice(0, 160);
}

export function markdown(results) {
  const m = results.meta;
  const out = [
    `# sess benchmarks — ${m.mode} run`,
    '',
    'Each candidate as a ratio of the raw driver doing the same work beneath it, measured side by side in one run',
    `(${m.reps} interleaved repetitions, A B C / C B A; medians; ratios are the median of per-repetition ratios).`,
    'Numbers are from a shared 2-core machine: compare ratios, not absolute figures.',
    '',
    `- command: \`${m.command}\`${m.git ? ` at commit ${m.git}` : ''}`,
    `- date: ${m.date}; wall time ${Math.round(m.wallS)} s (${Object.entries(m.sectionS)
      .map(([k, v]) => `${k} ${Math.round(v)} s`)
      .join(', ')})`,
    `- load average: at the start ${m.loadStart}; at the end ${m.loadEnd}`,
    `- machine: ${m.machine}`,
    `- node ${m.node} (V8 ${m.v8}), libuv threadpool ${m.threadpool}`,
    `- servers: ${Object.values(m.serverVersions).join('; ') || 'none'}`,
    `- CPU pinning: ${m.pinning}`,
    `- settings: ${m.settingsText}`,
    `- packages: ${m.packages}`,
    '',
  ];
  const t = targetsTable(results);
  if (t) out.push('## Targets (ratio to the raw limit, same run)', '', t, '');
  const k = keyRatios(results);
  if (k)
    out.push(
      '## Key ratios (sess and peers ÷ the raw limit beneath each, medians of paired ratios)',
      '',
      k,
      '',
    );
  if (results.w1) {
    out.push(
      '## W1 — store round trip in process: load → counter++ → save, through `Session` for sess',
      '',
      'ops/s = round trips per second; latency in µs per round trip (at c64 it includes queueing behind the other 63). "× ref" is paired per repetition with the raw limit named below (same client library, same durability). ⏱ = a phase hit the time cap, so fewer than N sessions were used (the rate is still comparable).',
      '',
      w1Table(results.w1),
      '',
    );
  }
  if (results.w2) {
    out.push(
      '## W2 — cookie codecs: decode the previous cookie → counter++ → encode, one at a time',
      '',
      w2Table(results.w2),
      '',
    );
  }
  if (results.w3) {
    out.push(
      '## W3 — HTTP end to end: GET / loads the session, counter++, saves (autocannon, separate process)',
      '',
      `${results.w3.settings.connections} connections; every request carries the next cookie of a pool of ${results.w3.settings.poolSize} pre-created sessions (steady state, not creation). "× fw" divides by the same framework with no session, "× node:http" by the bare node:http server. autocannon reports percentiles in whole milliseconds, hence the mean column. check = the counter GET / answers for pool cookie #0 before → after each repetition (store-backed sessions keep counting; cookie sessions cannot, the client resends its old cookie). Store calls are counted on sess's engine during the load runs, warm-up included (the lazy route must make none). The bare node:http server runs inside every framework's group, so "× node:http" is paired in time like "× fw".`,
      '',
      w3Table(results.w3),
      '',
    );
  }
  if (results.scale) {
    out.push(
      '## Scale — 1M sessions in SQLite and PostgreSQL',
      '',
      "Rows inserted in bulk with the raw driver in Django's format (one encoded payload), then random loads through `Session`; then every row is made expired and `sessions.clearExpired()` runs in a fresh process whose peak RSS is reported beside its idle baseline.",
      '',
      scaleTable(results.scale),
      '',
    );
  }
  const errors = ['w1', 'w2', 'w3'].flatMap((k) =>
    Object.entries(results[k]?.errors ?? {}).map(([id, e]) => `- ${k.toUpperCase()} ${id}: ${oneLine(e)}`),
  );
  if (errors.length) out.push('## Candidates that failed', '', ...errors, '');
  return out.join('\n');
}

/** One line per sess or peer candidate: its ratio to its raw limit, as the peer baselines list them. */
export function keyRatios(results) {
  const lines = [];
  if (results.w1) {
    for (const r of w1Rows(results.w1)) {
      if (!r.ref || r.measured === 0) continue;
      const ref = labelOf(results.w1, r.ref);
      const alt =
        r.alsoRef && results.w1.runs[r.alsoRef]
          ? `; ${fmtRatio(r.altC1)} / ${fmtRatio(r.altC64)} of *${labelOf(results.w1, r.alsoRef)}*`
          : '';
      lines.push(
        `- W1 ${r.backend}: ${nameCell(r)} = ${fmtRatio(r.ratioC1)} at c1, ${fmtRatio(r.ratioC64)} at c64 of *${ref}*${alt}`,
      );
    }
  }
  if (results.w2) {
    for (const r of w2Rows(results.w2)) {
      if (!r.ref || r.measured === 0) continue;
      lines.push(
        `- W2 ${r.family}: ${nameCell(r)} = ${fmtRatio(r.ratio)} of *${labelOf(results.w2, r.ref)}*`,
      );
    }
  }
  if (results.w3) {
    for (const r of w3Rows(results.w3)) {
      if (!r.ref || r.measured === 0) continue;
      lines.push(
        `- W3 ${r.framework}: ${nameCell(r)} = ${fmtRatio(r.ratio)} of *${r.framework}, no session*, ${fmtRatio(r.ratioNode)} of bare node:http${r.lazy ? ` (store calls: ${r.storeCalls})` : ''}`,
      );
    }
  }
  return lines.join('\n');
}

/** The short table printed at the end of a run. */
export function summary(results) {
  return targetsTable(results);
}
