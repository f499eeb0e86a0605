#!/usr/bin/env bash
# The README's second command: install what is missing, then run every check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

echo "== cargo fmt --check" >&2
cargo fmt --all -- --check
echo "== cargo clippy" >&2
cargo clippy --locked --all-targets -- -D warnings
echo "== cargo test" >&2
cargo test --locked --all-targets

echo "== raycast: npm ci, build (type-check), lint, test" >&2
if ! command -v npm >/dev/null 2>&1; then
  echo "test: npm is missing; install Node.js 20 or newer (https://nodejs.org) and run this again" >&2
  exit 2
fi
(
  cd raycast
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund
  else
    npm install --no-audit --no-fund
  fi
  npm run build
  npm run lint
  npm test
)
echo "== all checks passed" >&2
