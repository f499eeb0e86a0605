#!/usr/bin/env bash
# The README's first command: install what is missing, build, and start agentbar on the built-in
# GitHub simulator (no account, no network). Headless: the tray arrives in a later release.
# Extra arguments go to `agentbar demo` (e.g. --speed 4). Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo build --locked --bin agentbar
echo "agentbar demo: try \`target/debug/agentbar status\` and \`target/debug/agentbar tasks\` in another terminal" >&2
exec target/debug/agentbar demo --headless "$@"
