// The chart of bench/results/latest.svg: every sess and peer candidate as a horizontal bar of its ratio to
// its raw limit (1.0 = as fast as the raw driver), with the issue's target marked on sess's rows.
// Hand-written SVG (a few dozen lines) rather than a charting dependency.
import { targets, w1Rows, w2Rows, w3Rows } from './report.mjs';

const WIDTH = 1200;
const LABEL_W = 470;
const PLOT_X = LABEL_W + 10;
const PLOT_W = 560;
const ROW_H = 26;
const MAX = 1.5;
const COLORS = {
  sess: '#1f6feb',
  sessLight: '#8cb4f5',
  peer: '#8b949e',
  peerLight: '#c9d1d9',
  fail: '#d1242f',
};

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const x = (ratio) => PLOT_X + (Math.min(ratio, MAX) / MAX) * PLOT_W;

function targetFor(id) {
  const map = {
    'redis/sess': 0.9,
    'memcached/sess': 0.9,
    'file/sess': 0.9,
    'sqlite/sess': 0.8,
    'memory/sess': 0.8,
    'signed/sess': 0.8,
    'sealed/sess': 0.8,
    'sealed/sess-nocompress': 0.8,
    'express/sess-memory': 0.8,
    'fastify/sess-memory': 0.7,
    'express/sess-lazy-memory': 0.95,
    'fastify/sess-lazy-memory': 0.95,
    'koa/sess-lazy-memory': 0.95,
    'hono/sess-lazy-memory': 0.95,
  };
  return map[id];
}

/** Rows of the chart: { section, label, bars: [{ value, kind, note }], role, target }. */
function chartRows(results) {
  const rows = [];
  if (results.w1) {
    for (const r of w1Rows(results.w1)) {
      if (!r.ref || r.measured === 0) continue;
      rows.push({
        section: 'W1 store round trip ÷ raw driver (upper bar c1, lower bar c64)',
        label: `${r.backend}: ${r.label}`,
        role: r.role,
        target: targetFor(r.id),
        bars: [
          { value: r.ratioC1, note: 'c1' },
          { value: r.ratioC64, note: 'c64', light: true },
        ],
      });
    }
  }
  if (results.w2) {
    for (const r of w2Rows(results.w2)) {
      if (!r.ref || r.measured === 0) continue;
      rows.push({
        section: 'W2 cookie codec ÷ raw crypto + JSON',
        label: r.label,
        role: r.role,
        target: targetFor(r.id),
        bars: [{ value: r.ratio }],
      });
    }
  }
  if (results.w3) {
    for (const r of w3Rows(results.w3)) {
      if (!r.ref || r.measured === 0) continue;
      rows.push({
        section: 'W3 HTTP req/s ÷ same framework without sessions',
        label: `${r.framework}: ${r.label}`,
        role: r.role,
        target: targetFor(r.id),
        bars: [{ value: r.ratio }],
      });
    }
  }
  return rows;
}

export function svgChart(results) {
  const rows = chartRows(results);
  const met = targets(results);
  const parts = [];
  let y = 70;
  let section = null;
  for (const row of rows) {
    if (row.section !== section) {
      section = row.section;
      y += 14;
      parts.push(`<text x="20" y="${y + 14}" class="h2">${esc(section)}</text>`);
      y += 26;
    }
    const sess = row.role === 'sess';
    const missed =
      row.target !== undefined && row.bars.some((b) => Number.isFinite(b.value) && b.value < row.target);
    parts.push(
      `<text x="${LABEL_W}" y="${y + ROW_H / 2 + 4}" text-anchor="end" class="${sess ? 'sess' : 'peer'}">${esc(row.label)}</text>`,
    );
    const barH = row.bars.length === 2 ? 9 : 16;
    row.bars.forEach((b, i) => {
      const by = y + (row.bars.length === 2 ? 3 + i * 11 : 5);
      const value = Number.isFinite(b.value) ? b.value : 0;
      const fill = sess
        ? b.light
          ? COLORS.sessLight
          : COLORS.sess
        : b.light
          ? COLORS.peerLight
          : COLORS.peer;
      parts.push(
        `<rect x="${PLOT_X}" y="${by}" width="${(x(value) - PLOT_X).toFixed(1)}" height="${barH}" fill="${fill}"/>`,
      );
      const over = b.value > MAX ? ' ▶' : '';
      // Past the bar and, when it is close, past the target mark, so the two never overlap.
      const tx = Math.max(
        x(value),
        row.target !== undefined && Math.abs(x(value) - x(row.target)) < 60 ? x(row.target) + 2 : 0,
      );
      parts.push(
        `<text x="${tx + 5}" y="${by + barH - 1}" class="val${sess && missed && b.value < row.target ? ' miss' : ''}">${Number.isFinite(b.value) ? `${b.value.toFixed(2)}×${over}` : 'n/a'}${b.note ? ` ${b.note}` : ''}</text>`,
      );
    });
    if (row.target !== undefined) {
      parts.push(
        `<line x1="${x(row.target)}" x2="${x(row.target)}" y1="${y + 1}" y2="${y + ROW_H - 1}" class="target"/>`,
      );
    }
    y += ROW_H;
  }
  const height = y + 60;
  const grid = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5]
    .map(
      (v) =>
        `<line x1="${x(v)}" x2="${x(v)}" y1="80" y2="${y}" class="${v === 1 ? 'one' : 'grid'}"/><text x="${x(v)}" y="${y + 16}" text-anchor="middle" class="axis">${v.toFixed(2)}×</text>`,
    )
    .join('');
  const metCount = met.filter((t) => t.met).length;
  const measured = met.filter((t) => t.met !== null).length;
  const m = results.meta;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">
<style>
.h1{font-size:20px;font-weight:600;fill:#1f2328}.h2{font-size:15px;font-weight:600;fill:#1f2328}
.sess{font-size:13px;font-weight:600;fill:#0b3d91}.peer{font-size:13px;fill:#57606a}
.val{font-size:11px;fill:#1f2328}.miss{fill:${COLORS.fail};font-weight:600}.axis{font-size:11px;fill:#57606a}
.sub{font-size:12px;fill:#57606a}.grid{stroke:#eaeef2}.one{stroke:#1f2328;stroke-dasharray:4 3}
.target{stroke:${COLORS.fail};stroke-width:2}
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="20" y="30" class="h1">sess vs peers: throughput ÷ the raw driver beneath each (1.00× = raw limit, higher is better)</text>
<text x="20" y="52" class="sub">${esc(`${m.mode} run, ${m.date}, node ${m.node}, ${m.machine.split(',').slice(0, 2).join(',')}; medians of ${m.reps} interleaved reps; targets met: ${metCount}/${measured}`)}</text>
<rect x="${PLOT_X + PLOT_W - 330}" y="62" width="12" height="12" fill="${COLORS.sess}"/><text x="${PLOT_X + PLOT_W - 314}" y="72" class="axis">sess</text>
<rect x="${PLOT_X + PLOT_W - 270}" y="62" width="12" height="12" fill="${COLORS.peer}"/><text x="${PLOT_X + PLOT_W - 254}" y="72" class="axis">peer</text>
<line x1="${PLOT_X + PLOT_W - 200}" x2="${PLOT_X + PLOT_W - 200}" y1="61" y2="75" class="target"/><text x="${PLOT_X + PLOT_W - 194}" y="72" class="axis">sess target</text>
${grid}
${parts.join('\n')}
</svg>
`;
}
