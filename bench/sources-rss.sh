#!/usr/bin/env bash
# Resident memory of `agentbar demo --headless` before and after a change, side by side in one
# run: BEFORE and AFTER are two agentbar binaries (e.g. the release build of the commit before
# the sources redesign and of HEAD). RUNS rounds; each round starts every build in turn, alone,
# on a fresh state dir, waits for its health to say ok, then SETTLE seconds, and reads its RSS
# (/proc/PID/smaps_rollup). AFTER runs twice: as is, and with AGENTBAR_LOCAL=0 (the local
# sources and the demo's local-agent player off), which is what BEFORE had. Medians printed, of
# RSS and of its anonymous part (heap and stacks: the rest is the binary's and libraries' pages),
# with the thread count, so a difference can be placed.
# Usage: bench/sources-rss.sh BEFORE AFTER   (RUNS=5, SETTLE=10)
source "$(dirname "$0")/common.sh"
BEFORE=$1
AFTER=$2
RUNS="${RUNS:-5}"
SETTLE="${SETTLE:-10}"
echo "sources-rss: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $RUNS rounds, RSS ${SETTLE} s after healthy"

# measure BIN LOCAL: one demo on a fresh state dir and home; prints "RSS ANON THREADS" (MB, MB,
# count).
measure() {
  local state
  state=$(mktemp -d "$WORK/demo.XXXX")
  mkdir -p "$state/home"
  AGENTBAR_STATE_DIR="$state" AGENTBAR_CONFIG_DIR="$state/config" AGENTBAR_PORT=0 \
    AGENTBAR_LOCAL="$2" HOME="$state/home" DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent \
    RUST_LOG=agentbar=warn "$1" demo --headless >"$state/demo.log" 2>&1 &
  local pid=$!
  CLEANUP_PIDS+=("$pid")
  for _ in $(seq 1 1500); do
    if [ -s "$state/endpoint.json" ]; then
      local url token
      url=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$state/endpoint.json")
      token=$(sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' "$state/endpoint.json")
      curl -sf -H "Authorization: Bearer $token" "$url/v1/health" | grep -q '"status":"ok"' && break
    fi
    sleep 0.02
  done
  sleep "$SETTLE"
  echo "$(rss_mb "$pid") $(awk '/^Anonymous:/ {printf "%.1f", $2 / 1024}' "/proc/$pid/smaps_rollup") $(threads "$pid")"
  stop_pid "$pid"
}

declare -A RSS ANON
for run in $(seq 1 "$RUNS"); do
  line="sources-rss: round $run (RSS MB, anonymous MB, threads):"
  for name in before after after-local-off; do
    case $name in
      before) read -r rss anon threads <<<"$(measure "$BEFORE" 1)" ;;
      after) read -r rss anon threads <<<"$(measure "$AFTER" 1)" ;;
      after-local-off) read -r rss anon threads <<<"$(measure "$AFTER" 0)" ;;
    esac
    RSS[$name]+=" $rss"; ANON[$name]+=" $anon"
    line+=" $name $rss / $anon / $threads;"
  done
  echo "$line"
done
for name in before after after-local-off; do
  echo "sources-rss: median $name: RSS $(median ${RSS[$name]}) MB, anonymous $(median ${ANON[$name]}) MB"
done
echo "sources-rss: after / before: $(ratio "$(median ${RSS[after]})" "$(median ${RSS[before]})"); after (local off) / before: $(ratio "$(median ${RSS[after-local-off]})" "$(median ${RSS[before]})")"
