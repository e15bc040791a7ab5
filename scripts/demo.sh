#!/usr/bin/env bash
# `pnpm demo`: installs what is missing, builds the demo and the packages it uses, and starts it.
# Settings (environment): PORT (3000), HOST (127.0.0.1), SESS_ENGINE (sqlite | memory | file |
# signed-cookies | redis with REDIS_URL | postgres with DATABASE_URL), SECRET_KEY, SESS_COOKIE_SAMESITE.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pnpm >/dev/null 2>&1; then
  echo "==> installing pnpm 10"
  npm i -g pnpm@10.34.9 >/dev/null
fi
if [ ! -d node_modules ]; then
  echo "==> pnpm install"
  pnpm install
fi

echo "==> building the demo and the packages it uses"
pnpm -s exec turbo run build --filter=sess-demo... --output-logs=errors-only

cd examples/demo
echo "==> starting (Ctrl-C stops it)"
exec node dist/server.js
