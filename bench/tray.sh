#!/usr/bin/env bash
# The tray's cost next to the floor: `agentbar run` with its tray, holding 1,000 tasks from a
# separate `agentbar sim` (bulk-scenario `1000 listed`, the same set-up as bench/memory.sh), and
# bare-tray (bench/bare_tray.rs: tao's loop + tray-icon with an icon and a small menu, nothing
# else), each alone under Xvfb with a session bus and a StatusNotifierWatcher stand-in
# (`bench-probe watcher`, bench/probe.rs) as the tray host.
#
# First paint: bench-probe launches the program and reads the watcher's log. "register" is the
# moment the item's RegisterStatusNotifierItem call reaches the watcher; "icon" (the figure
# called first paint) is the first moment the watcher can read the item's icon over D-Bus (a
# pixmap, or an icon name whose PNG exists in the item's theme path), i.e. when a host could
# draw it. agentbar starts over a warm state dir (one cold run first fills the snapshot cache),
# so its first paint already shows the 1,000 cached tasks' counts.
# Then, per program and run: a 5 s warm-up and an idle window of IDLE_SECONDS with RSS, PSS
# (smaps_rollup, at the end), threads, CPU seconds per hour (extrapolated) and wake-ups (context
# switches of all threads) per minute. RUNS runs, alternating bare and agentbar; medians and
# agentbar ÷ bare. Installs what it needs (scripts/setup.sh: Xvfb, D-Bus, the appindicator
# library; bc) with apt-get when missing.
# Usage: bench/tray.sh [IDLE_SECONDS]   (default 60; RUNS=5, BENCH_PROFILE=bench-fast)
if [ "${1:-}" = "--inside" ]; then
  INSIDE=1
  shift
fi
source "$(dirname "$0")/common.sh"
WINDOW="${1:-60}"
RUNS="${RUNS:-5}"
TASKS=1000

if [ -z "${INSIDE:-}" ]; then
  # Xvfb, dbus-run-session and the appindicator library, as the tests need them.
  source "$ROOT/scripts/setup.sh"
  command -v bc >/dev/null 2>&1 || { apt-get install -y -qq bc >/dev/null || { sudo apt-get update -qq && sudo apt-get install -y -qq bc >/dev/null; }; }
  build_bench_binaries
  start_sim "$TASKS" listed
  echo "tray: $BIN ($PROFILE); simulator at $SIM_URL with $TASKS tasks; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  SIM_URL="$SIM_URL" NO_AT_BRIDGE=1 xvfb-run -a dbus-run-session -- "$0" --inside "$WINDOW"
  exit
fi

# Inside the virtual display and the session bus; SIM_URL comes from outside.
LOG="$WORK/watcher.log"
: >"$LOG"
"$PROBE" watcher "$LOG" 2>"$WORK/watcher.err" &
CLEANUP_PIDS+=($!)
for _ in $(seq 1 500); do
  grep -q "on the session bus" "$WORK/watcher.err" && break
  sleep 0.01
done
STATE="$WORK/state"
export XDG_CONFIG_HOME="$WORK/xdg-config"

# launch NAME: the program's pid and its register and icon times (ms after launch).
launch() {
  case "$1" in
    bare) BENCH_PROBE_OUTPUT="$WORK/bare.log" "$PROBE" tray "$LOG" -- "$EXAMPLES/bare-tray" ;;
    agentbar) env $(run_env "$STATE") BENCH_PROBE_OUTPUT="$STATE/agentbar.log" \
      "$PROBE" tray "$LOG" -- "$BIN" run ;;
  esac
}

# The cold run fills the snapshot cache; it is measured but not counted.
read -r PID registered icon < <(launch agentbar)
CLEANUP_PIDS+=("$PID")
for _ in $(seq 1 1000); do
  [ -s "$STATE/snapshot.json" ] && break
  sleep 0.01
done
sleep 2
stop_pid "$PID"
echo "tray: cold agentbar (empty state dir, not counted): registered after $registered ms, icon readable after $icon ms"

declare -A first rss pss threads cpu wake
for run in $(seq 1 "$RUNS"); do
  for name in bare agentbar; do
    read -r PID registered icon < <(launch "$name")
    CLEANUP_PIDS+=("$PID")
    sleep 5
    idle_window "$PID" "$WINDOW" m
    stop_pid "$PID"
    first[$name]+=" $icon"; rss[$name]+=" $m_rss"; pss[$name]+=" $m_pss"
    threads[$name]+=" $m_threads"; cpu[$name]+=" $m_cpu_hour"; wake[$name]+=" $m_wakeups"
    echo "tray: run $run $name: registered $registered ms, first paint (icon readable) $icon ms; after ${WINDOW} s idle: RSS $m_rss MB, PSS $m_pss MB, $m_threads threads, CPU $m_cpu_hour s/h, $m_wakeups wake-ups/min ($m_by_thread)"
  done
done

echo "tray: medians of $RUNS runs (${WINDOW} s idle windows):"
printf 'tray: %-26s %10s %10s %10s\n' measure bare-tray agentbar ratio
row() {
  local label=$1 var=$2 b a
  local -n values=$var
  b=$(median ${values[bare]}); a=$(median ${values[agentbar]})
  printf 'tray: %-26s %10s %10s %10s\n' "$label" "$b" "$a" "$(ratio "$a" "$b")"
}
row "first paint (ms)" first
row "RSS (MB)" rss
row "PSS (MB)" pss
row "threads" threads
row "CPU (s per idle hour)" cpu
row "wake-ups per minute" wake
