// Copies the headline of results/latest.json (run facts, targets, key ratios) into README.md between the
// `<!-- latest:start -->` and `<!-- latest:end -->` markers. `node bench/src/tools/readme.mjs`
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keyRatios, targetsTable } from '../lib/report.mjs';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const results = JSON.parse(readFileSync(join(bench, 'results', 'latest.json'), 'utf8'));
const m = results.meta;
const block = [
  `${m.mode} run of ${m.date} (\`${m.command.split(' (')[0]}\`), ${Math.round(m.wallS)} s, load average ${m.loadStart} at the start and ${m.loadEnd} at the end; ${m.machine}; node ${m.node}.`,
  '',
  '![sess vs peers, ratios to the raw limits](results/latest.svg)',
  '',
  targetsTable(results),
  '',
  keyRatios(results),
].join('\n');
const readme = join(bench, 'README.md');
const text = readFileSync(readme, 'utf8');
const start = text.indexOf('<!-- latest:start -->');
const end = text.indexOf('<!-- latest:end -->');
if (start < 0 || end < 0) throw new Error('README.md has no latest markers');
writeFileSync(readme, `${text.slice(0, start)}<!-- latest:start -->\n${block}\n${text.slice(end)}`);
console.log('README.md updated from results/latest.json');
