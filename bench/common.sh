# Shared by the measurement scripts: build the optimised binary (profile bench-fast: release
# without LTO, so it builds in minutes on two cores), write a scenario, start the demo headless
# on a private state dir, and wait for its loopback API. Source it; it sets BIN, STATE, PID, URL,
# TOKEN, FIRST_ANSWER_SECONDS (launch → first API answer, polled every 20 ms) and
# FIRST_OK_SECONDS (launch → health ok, the list loaded), and stops the demo on exit. The demo
# logs at RUST_LOG=$DEMO_RUST_LOG (default agentbar=warn) to $STATE/demo.log.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
# BENCH_BIN measures another build of agentbar (one from before a change, say) instead.
BIN="${BENCH_BIN:-$TARGET/bench-fast/agentbar}"
SCENARIO_BIN="$TARGET/bench-fast/examples/bulk-scenario"

build_bench_binaries() {
  (cd "$ROOT" && cargo build --quiet --profile bench-fast --bin agentbar --example bulk-scenario)
}

# start_demo COUNT KIND: the demo with COUNT tasks of kind idle|busy|bulk, headless.
start_demo() {
  STATE="$(mktemp -d)"
  "$SCENARIO_BIN" "$1" "$2" >"$STATE/scenario.json"
  trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$STATE"' EXIT
  launch_demo
}

# restart_demo: SIGTERM the demo, wait for it, and launch it again over the same state dir (the
# cached snapshot is there now).
restart_demo() {
  kill -TERM "$PID"
  wait "$PID" || true
  FIRST_ANSWER_SECONDS=""
  launch_demo
}

launch_demo() {
  local started
  started=$(date +%s.%N)
  AGENTBAR_STATE_DIR="$STATE" AGENTBAR_CONFIG_DIR="$STATE/config" AGENTBAR_PORT=0 \
    DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent RUST_LOG="${DEMO_RUST_LOG:-agentbar=warn}" \
    "$BIN" demo --headless --scenario "$STATE/scenario.json" >"$STATE/demo.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 1500); do
    if [ -s "$STATE/endpoint.json" ]; then
      URL=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$STATE/endpoint.json")
      TOKEN=$(sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' "$STATE/endpoint.json")
      health=$(curl -sf -H "Authorization: Bearer $TOKEN" "$URL/v1/health" || true)
      if [ -n "$health" ] && [ -z "${FIRST_ANSWER_SECONDS:-}" ]; then
        FIRST_ANSWER_SECONDS=$(echo "$(date +%s.%N) - $started" | bc)
      fi
      if echo "$health" | grep -q '"status":"ok"'; then
        FIRST_OK_SECONDS=$(echo "$(date +%s.%N) - $started" | bc)
        return 0
      fi
    fi
    sleep 0.02
  done
  echo "the demo never became healthy; its log:" >&2
  cat "$STATE/demo.log" >&2
  exit 1
}
