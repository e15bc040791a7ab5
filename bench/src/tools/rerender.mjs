// Rebuilds latest.md and latest.svg from a latest.json (after a change to the report's layout, without
// measuring again). `node bench/src/tools/rerender.mjs bench/results`
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdown } from '../lib/report.mjs';
import { svgChart } from '../lib/svg.mjs';

const dir = process.argv[2] ?? 'results';
const results = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'));
writeFileSync(join(dir, 'latest.md'), markdown(results));
writeFileSync(join(dir, 'latest.svg'), svgChart(results));
console.log(`rewrote ${join(dir, 'latest.md')} and latest.svg`);
