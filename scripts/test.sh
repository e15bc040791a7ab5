#!/usr/bin/env bash
# Runs every test of the workspace on a fresh Debian machine with Node >= 20:
# installs what is missing (Debian packages for the real servers, pnpm, the workspace's dependencies),
# builds the packages, runs vitest (the harness starts and stops its own servers), checks every
# published package with publint and arethetypeswrong, and ends with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

if ! command -v pnpm >/dev/null 2>&1; then
  echo "==> installing pnpm 10"
  npm i -g pnpm@10.34.9 >/dev/null
fi

echo "==> pnpm install"
if [ -n "${CI:-}" ]; then pnpm install --frozen-lockfile; else pnpm install; fi

echo "==> build"
pnpm -s build

rm -rf test-results && mkdir -p test-results
echo "==> vitest"
set +e
pnpm -s exec vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@"
vitest_rc=$?
echo "==> package checks (publint, arethetypeswrong)"
node scripts/check-packages.mjs
checks_rc=$?
set -e

node scripts/summary.mjs test-results/vitest.json test-results/package-checks.json
if [ $vitest_rc -ne 0 ] || [ $checks_rc -ne 0 ]; then exit 1; fi
