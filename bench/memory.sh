#!/usr/bin/env bash
# Memory, idle cost and start-up of `agentbar run --headless` holding 1,000 tasks from a
# separate `agentbar sim` (bulk-scenario `1000 listed`: every task finished and listed, so nothing
# runs and the poller sits on its 60 s interval). Two builds of agentbar, side by side: the
# default one (with the tray, so GTK's libraries are mapped even when headless) and
# `--no-default-features` (no tray, no GUI library: the build for servers). bare-api
# (bench/bare_api.rs: binds loopback and answers HTTP, nothing else) is the floor.
#
# Per build:
# 1. Cold start on an empty state dir: launch → first `GET /v1/tasks` answer, and → the answer
#    that lists all 1,000 tasks (the first load done). The list's counts are printed.
# 2. After a 5 s warm-up, an idle window of IDLE_SECONDS: RSS, PSS (and its anonymous part) from
#    /proc/PID/smaps_rollup at the end, threads, CPU seconds (utime + stime) over the window
#    extrapolated to an hour, and wake-ups (context switches of all threads) per minute.
# Then RUNS restarts over each build's warm state dir (SIGTERM, launch again; bare-api in turn):
# launch → the first answer that already lists the 1,000 cached tasks (bare-api: its first
# answer), and RSS/PSS 5 s later. Medians, and agentbar − bare.
# Start-up is timed by bench-probe (bench/probe.rs), which launches the program itself and polls
# the API every millisecond with a raw HTTP request.
# Usage: bench/memory.sh [IDLE_SECONDS]   (default 60; RUNS=5, BENCH_PROFILE=bench-fast)
source "$(dirname "$0")/common.sh"
WINDOW="${1:-60}"
RUNS="${RUNS:-5}"
TASKS=1000
# The build without the tray first, kept aside, then the default one (cargo keeps both).
(cd "$ROOT" && cargo build --quiet --profile "$PROFILE" --no-default-features --bin agentbar)
cp "$BIN" "$WORK/agentbar-no-tray"
build_bench_binaries
start_sim "$TASKS" listed
echo "memory: $PROFILE build; simulator at $SIM_URL with $TASKS tasks; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A EXE=([default]="$BIN" [no-tray]="$WORK/agentbar-no-tray")
declare -A PIDS
# launch BUILD: starts that build over its own state dir; prints pid, first answer, all tasks.
launch() {
  local state="$WORK/state-$1"
  env $(run_env "$state") BENCH_PROBE_OUTPUT="$state/agentbar.log" \
    "$PROBE" api "$state/endpoint.json" "$TASKS" -- "${EXE[$1]}" run --headless
}

for build in default no-tray; do
  read -r pid first loaded < <(launch "$build")
  PIDS[$build]=$pid
  CLEANUP_PIDS+=("$pid")
  state="$WORK/state-$build"
  url=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$state/endpoint.json")
  token=$(sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' "$state/endpoint.json")
  counts=$(curl -sf -H "Authorization: Bearer $token" "$url/v1/tasks" | grep -o '"counts":{[^}]*}')
  echo "memory: $build: $(stat -c %s "${EXE[$build]}") bytes; cold start (empty state dir): first answer after $first ms, all $TASKS tasks listed after $loaded ms; $counts"
  sleep 5
  echo "memory: $build: after 5 s warm-up: RSS $(rss_mb "$pid") MB, PSS $(pss_mb "$pid") MB, $(threads "$pid") threads, CPU so far $(cpu_s "$pid") s"
  idle_window "$pid" "$WINDOW" idle
  echo "memory: $build: after ${WINDOW} s idle: RSS ${idle_rss} MB, PSS ${idle_pss} MB (anonymous ${idle_anon} MB), ${idle_threads} threads"
  echo "memory: $build: idle CPU ${idle_cpu_hour} s per hour (extrapolated from ${WINDOW} s), ${idle_wakeups} wake-ups per minute (by thread: ${idle_by_thread})"
  stop_pid "$pid"
done

# Restarts over the cached snapshot, the builds and bare-api in turn.
declare -A first rss pss
for run in $(seq 1 "$RUNS"); do
  line="memory: restart $run:"
  for build in default no-tray; do
    read -r pid answer _ < <(launch "$build")
    CLEANUP_PIDS+=("$pid")
    sleep 5
    first[$build]+=" $answer"; rss[$build]+=" $(rss_mb "$pid")"; pss[$build]+=" $(pss_mb "$pid")"
    stop_pid "$pid"
    line+=" $build $answer ms;"
  done
  rm -f "$WORK/bare.json"
  read -r pid answer _ < <("$PROBE" api "$WORK/bare.json" 0 -- "$EXAMPLES/bare-api" "$WORK/bare.json")
  CLEANUP_PIDS+=("$pid")
  sleep 5
  first[bare]+=" $answer"; rss[bare]+=" $(rss_mb "$pid")"; pss[bare]+=" $(pss_mb "$pid")"
  stop_pid "$pid"
  echo "$line bare-api $answer ms"
done
echo "memory: restart medians of $RUNS (first answer with the 1,000 cached tasks; RSS and PSS 5 s later):"
printf 'memory: %-18s %12s %10s %10s\n' program "answer (ms)" "RSS (MB)" "PSS (MB)"
for name in default no-tray bare; do
  printf 'memory: %-18s %12s %10s %10s\n' "$name" "$(median ${first[$name]})" "$(median ${rss[$name]})" "$(median ${pss[$name]})"
done
