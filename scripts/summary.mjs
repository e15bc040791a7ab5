// Prints the plain closing line CI reads: "N passed, N failed" over vitest's tests and the package checks.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
const notes = [];
const [vitestFile, checksFile] = process.argv.slice(2);

if (vitestFile && existsSync(vitestFile)) {
  const report = JSON.parse(readFileSync(vitestFile, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
} else {
  failed += 1;
  notes.push('vitest wrote no report');
}
if (checksFile && existsSync(checksFile)) {
  const checks = JSON.parse(readFileSync(checksFile, 'utf8'));
  passed += checks.passed;
  failed += checks.failed;
} else {
  failed += 1;
  notes.push('package checks wrote no report');
}
const notRun = existsSync('test-results/not-run.txt')
  ? readFileSync('test-results/not-run.txt', 'utf8').trim()
  : '';
if (notRun) notes.push(...notRun.split('\n'));
for (const note of notes) console.log(`note: ${note}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
