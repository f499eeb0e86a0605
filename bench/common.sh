# Shared by the measurement scripts: build the optimised binaries (profile bench-fast: release
# without LTO, so it builds in minutes on two cores; BENCH_PROFILE=release measures the shipped
# profile instead), write a scenario, and start agentbar on a private state dir.
# Source it. Demo mode (api-load.sh): `start_demo` sets BIN, STATE, PID, URL, TOKEN,
# FIRST_ANSWER_SECONDS (launch → first API answer, polled every 20 ms) and FIRST_OK_SECONDS
# (launch → health ok, the list loaded), and stops the demo on exit. A separate simulator
# (memory.sh, tray.sh): `start_sim` sets SIM_URL and SIM_PID; `run_env` prints the environment
# that points `agentbar run` at it; the helpers below read /proc.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
PROFILE="${BENCH_PROFILE:-bench-fast}"
BIN="$TARGET/$PROFILE/agentbar"
EXAMPLES="$TARGET/$PROFILE/examples"
SCENARIO_BIN="$EXAMPLES/bulk-scenario"
PROBE="$EXAMPLES/bench-probe"
TICKS=$(getconf CLK_TCK)

build_bench_binaries() {
  (cd "$ROOT" && cargo build --quiet --profile "$PROFILE" --bin agentbar --example bulk-scenario \
    --example bare-api --example bare-tray --example bench-probe)
}

# start_sim COUNT KIND: `agentbar sim` alone, serving COUNT tasks of kind idle|listed|busy|bulk
# (bulk_scenario.rs), on a free loopback port. Stopped on exit (with everything in CLEANUP).
WORK="$(mktemp -d)"
CLEANUP_PIDS=()
cleanup() {
  for pid in "${CLEANUP_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
start_sim() {
  "$SCENARIO_BIN" "$1" "$2" >"$WORK/scenario.json"
  # From a copy: the same file would share its pages with the measured agentbar and halve the
  # binary's share of its PSS.
  cp "$BIN" "$WORK/agentbar-sim"
  "$WORK/agentbar-sim" sim --scenario "$WORK/scenario.json" >"$WORK/sim.out" 2>"$WORK/sim.log" &
  SIM_PID=$!
  CLEANUP_PIDS+=("$SIM_PID")
  for _ in $(seq 1 500); do
    SIM_URL=$(sed -n 's/^GitHub simulator listening on //p' "$WORK/sim.out")
    [ -n "$SIM_URL" ] && return 0
    sleep 0.01
  done
  echo "the simulator did not start; its log:" >&2
  cat "$WORK/sim.log" >&2
  exit 1
}

# run_env STATE_DIR: `env` arguments for `agentbar run` against the simulator with a private
# state and config dir, a free API port, the token from the environment and no keychain.
run_env() {
  mkdir -p "$1/config"
  printf '%s\n' "AGENTBAR_STATE_DIR=$1" "AGENTBAR_CONFIG_DIR=$1/config" AGENTBAR_PORT=0 \
    "AGENTBAR_GITHUB_API_URL=$SIM_URL" "AGENTBAR_GITHUB_WEB_URL=$SIM_URL/web" \
    AGENTBAR_TOKEN=bench-token AGENTBAR_NO_KEYCHAIN=1
}

# stop_pid PID: SIGTERM, then wait until it is gone (it may not be this shell's child).
stop_pid() {
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 1 500); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.01
  done
  kill -KILL "$1" 2>/dev/null || true
}

# Figures from /proc: resident and proportional set size in MB (smaps_rollup), CPU seconds used
# so far (utime + stime), threads.
rss_mb() { awk '/^Rss:/ {printf "%.1f", $2 / 1024}' "/proc/$1/smaps_rollup"; }
pss_mb() { awk '/^Pss:/ {printf "%.1f", $2 / 1024}' "/proc/$1/smaps_rollup"; }
anon_mb() { awk '/^Pss_Anon:/ {printf "%.1f", $2 / 1024}' "/proc/$1/smaps_rollup"; }
cpu_s() { awk -v t="$TICKS" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
# Context switches (voluntary + involuntary) per thread, one "TID NAME COUNT" line each. A
# thread sleeps and wakes once per voluntary switch, so their sum over a window counts wake-ups.
switches() {
  local status tid
  for status in /proc/"$1"/task/*/status; do
    tid=${status%/status}
    awk -v tid="${tid##*/}" '/^Name:/ {name = $2} /ctxt_switches:/ {n += $2} END {if (NR) print tid, name, n}' "$status" 2>/dev/null || true
  done
}
# median V...: the median of the numbers given.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio() { if [ "$(echo "$2 == 0" | bc)" = 1 ]; then echo -; else echo "scale=2; $1 / $2" | bc; fi; }

# idle_window PID SECONDS PREFIX: measures PID over an idle window and sets PREFIX_rss, _pss,
# _anon, _threads (at the end), _cpu_hour (CPU seconds per hour, extrapolated) and _wakeups
# (context switches per minute), and _by_thread (the same per thread name). Threads are sampled every half second, so the switches of one
# that ends within the window (tokio's blocking threads end after 10 s idle) still count up to
# its last sample.
idle_window() {
  local pid=$1 window=$2 prefix=$3 cpu0 cpu1 end
  : >"$WORK/switches"
  cpu0=$(cpu_s "$pid")
  switches "$pid" | sed 's/^/first /' >>"$WORK/switches"
  end=$(($(date +%s%N) + window * 1000000000))
  while [ "$(date +%s%N)" -lt "$end" ]; do
    sleep 0.5
    switches "$pid" >>"$WORK/switches"
  done
  cpu1=$(cpu_s "$pid")
  printf -v "${prefix}_rss" '%s' "$(rss_mb "$pid")"
  printf -v "${prefix}_pss" '%s' "$(pss_mb "$pid")"
  printf -v "${prefix}_anon" '%s' "$(anon_mb "$pid")"
  printf -v "${prefix}_threads" '%s' "$(threads "$pid")"
  printf -v "${prefix}_cpu_hour" '%s' "$(echo "scale=2; ($cpu1 - $cpu0) * 3600 / $window" | bc)"
  # Per thread: last sample minus its first (0 for a thread born in the window).
  awk -v w="$window" '
    $1 == "first" {first[$2] = $4; next}
    {last[$1] = $3; name[$1] = $2}
    END {
      for (t in last) {d = last[t] - first[t]; n += d; by[name[t]] += d}
      printf "%.1f\n", n * 60 / w
      for (k in by) if (by[k]) printf "%s%s %.1f", (sep++ ? ", " : ""), k, by[k] * 60 / w
      print (sep ? "" : "none")
    }' "$WORK/switches" >"$WORK/wakeups"
  printf -v "${prefix}_wakeups" '%s' "$(sed -n 1p "$WORK/wakeups")"
  printf -v "${prefix}_by_thread" '%s' "$(sed -n 2p "$WORK/wakeups")"
}

# start_demo COUNT KIND: the demo with COUNT tasks of kind idle|busy|bulk, headless.
start_demo() {
  STATE="$(mktemp -d)"
  "$SCENARIO_BIN" "$1" "$2" >"$STATE/scenario.json"
  trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$STATE"; cleanup' EXIT
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
    DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent RUST_LOG=agentbar=warn \
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
