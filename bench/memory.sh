#!/usr/bin/env bash
# Memory and idle cost of `agentbar demo --headless` holding 1,000 finished tasks (so nothing
# runs and the poller is on its slow interval): RSS and PSS from /proc/PID/smaps_rollup after
# warm-up and at the end, and CPU seconds (utime+stime) over a measured idle window,
# extrapolated to an hour. The simulator runs inside the same process in demo mode, so these
# figures include it (an upper bound for `agentbar run --headless`).
# Usage: bench/memory.sh [IDLE_SECONDS]   (default 60)
source "$(dirname "$0")/common.sh"
WINDOW="${1:-60}"
TICKS=$(getconf CLK_TCK)
build_bench_binaries
start_demo 1000 idle
echo "memory: start-up: first API answer after ${FIRST_ANSWER_SECONDS} s, health ok (list loaded) after ${FIRST_OK_SECONDS} s"
sleep 5 # warm-up: first load, snapshot write, the announcer's first pass
mem() { awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} END {printf "RSS %.1f MB, PSS %.1f MB", r/1024, p/1024}' "/proc/$PID/smaps_rollup"; }
cpu() { awk -v t="$TICKS" '{printf "%.2f", ($14 + $15) / t}' "/proc/$PID/stat"; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$PID/status"; }
echo "memory: after warm-up: $(mem), $(threads) threads, CPU so far $(cpu) s"
before=$(cpu)
sleep "$WINDOW"
after=$(cpu)
idle=$(echo "$after - $before" | bc)
echo "memory: after ${WINDOW} s idle: $(mem)"
echo "memory: CPU over the ${WINDOW} s idle window: ${idle} s = $(echo "scale=2; $idle * 3600 / $WINDOW" | bc) s per hour (extrapolated)"
restart_demo
echo "memory: restart over the cached snapshot: first API answer after ${FIRST_ANSWER_SECONDS} s, health ok after ${FIRST_OK_SECONDS} s"
