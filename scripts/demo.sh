#!/usr/bin/env bash
# The README's first command: install what is missing, build, and start agentbar on the built-in
# GitHub simulator (no account, no network). With a display it shows the tray; without one (or
# without the appindicator library) it says so and runs headless.
# Extra arguments go to `agentbar demo` (e.g. --speed 4). Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo build --locked --bin agentbar
bin="${CARGO_TARGET_DIR:-target}/debug/agentbar"
echo "agentbar demo: try \`$bin status\` and \`$bin tasks\` in another terminal" >&2
exec "$bin" demo "$@"
