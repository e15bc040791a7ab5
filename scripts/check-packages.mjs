// Static checks of every workspace package, counted like tests: TypeScript (tsc --noEmit) for each,
// and, for each published package, publint and arethetypeswrong on its packed tarball; plus Biome over
// the repository. Needs the packages built first (scripts/test.sh builds them).
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const results = { passed: 0, failed: 0, failures: [] };
const root = process.cwd();
const only = process.argv[2];

function check(label, name, cmd, args, cwd = root) {
  try {
    execFileSync(cmd, args, { cwd, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
    results.passed += 1;
    console.log(`  ok   ${label} ${name}`);
  } catch (err) {
    results.failed += 1;
    const output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    results.failures.push({ package: name, check: label, output });
    console.log(`  FAIL ${label} ${name}\n${output}`);
  }
}

const dirs = ['packages', 'examples']
  .filter((d) => existsSync(join(root, d)))
  .flatMap((d) => readdirSync(join(root, d)).map((name) => join(d, name)));

for (const rel of dirs.sort()) {
  if (only && !rel.endsWith(`/${only}`)) continue;
  const dir = join(root, rel);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    continue;
  }
  if (existsSync(join(dir, 'tsconfig.json')))
    check('tsc', manifest.name, 'pnpm', ['exec', 'tsc', '--noEmit', '-p', dir]);
  if (manifest.private) continue;
  const out = mkdtempSync(join(tmpdir(), 'sess-pack-'));
  try {
    execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, stdio: 'pipe' });
    const tarball = join(
      out,
      readdirSync(out).find((f) => f.endsWith('.tgz')),
    );
    check('publint', manifest.name, 'pnpm', ['exec', 'publint', '--strict', tarball]);
    check('attw', manifest.name, 'pnpm', [
      'exec',
      'attw',
      '--profile',
      'node16',
      '--format',
      'table-flipped',
      tarball,
    ]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
if (!only) check('biome', 'repository', 'pnpm', ['exec', 'biome', 'check', '.']);

mkdirSync(join(root, 'test-results'), { recursive: true });
writeFileSync(join(root, 'test-results', 'package-checks.json'), JSON.stringify(results, null, 2));
process.exit(results.failed ? 1 : 0);
