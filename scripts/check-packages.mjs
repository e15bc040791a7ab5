// Runs publint and arethetypeswrong on the packed tarball of every published package.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const results = { passed: 0, failed: 0, failures: [] };
const root = process.cwd();
const packagesDir = join(root, 'packages');
const only = process.argv[2];

for (const name of readdirSync(packagesDir).sort()) {
  if (only && name !== only) continue;
  const dir = join(packagesDir, name);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    continue;
  }
  if (manifest.private) continue;
  const out = mkdtempSync(join(tmpdir(), 'sess-pack-'));
  try {
    execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, stdio: 'pipe' });
    const tarball = join(
      out,
      readdirSync(out).find((f) => f.endsWith('.tgz')),
    );
    for (const [label, cmd, args] of [
      ['publint', 'pnpm', ['exec', 'publint', '--strict', tarball]],
      ['attw', 'pnpm', ['exec', 'attw', '--profile', 'node16', '--format', 'table-flipped', tarball]],
    ]) {
      try {
        execFileSync(cmd, args, { cwd: root, stdio: 'pipe' });
        results.passed += 1;
        console.log(`  ok   ${label} ${manifest.name}`);
      } catch (err) {
        results.failed += 1;
        const output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
        results.failures.push({ package: manifest.name, check: label, output });
        console.log(`  FAIL ${label} ${manifest.name}\n${output}`);
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
mkdirSync(join(root, 'test-results'), { recursive: true });
writeFileSync(join(root, 'test-results', 'package-checks.json'), JSON.stringify(results, null, 2));
process.exit(results.failed ? 1 : 0);
