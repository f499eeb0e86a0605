#!/usr/bin/env bash
# Idle cost of the local agents' sources, side by side in one run: two `agentbar run --headless`
# against one separate `agentbar sim` (1,000 listed tasks, all finished: the poller sits on its
# 60 s interval), started together and measured over the same window so the machine's load is
# the same for both:
# - "off": `AGENTBAR_LOCAL=0` (no local source at all);
# - "on": local sources on, `HOME` a temporary home holding every tool's fixture sessions
#   (tests/fixtures/local-agents copied into `.claude`, `.codex`, `.copilot`, `.gemini`; hook
#   payloads left out), so four watch loops run with their watches and 30 s rescans.
# (Not `agentbar demo`: the demo's local-agent player writes sessions all the time into a home
# of its own and never reads HOME, so it is never idle.)
# Per process, after the local tasks are listed and 5 s of warm-up: RSS at the end, CPU seconds
# (utime + stime) over the window, and wake-ups: voluntary context switches summed over the
# threads (/proc/PID/task/*/status), the first sample against the last.
# Usage: bench/local-idle.sh [IDLE_SECONDS]   (default 60; BENCH_PROFILE=bench-fast)
source "$(dirname "$0")/common.sh"
WINDOW="${1:-60}"
(cd "$ROOT" && cargo build --quiet --profile "$PROFILE" --bin agentbar --example bulk-scenario)
start_sim 1000 listed
echo "local-idle: $PROFILE build $(cd "$ROOT" && git rev-parse --short HEAD); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); window ${WINDOW} s"

FIXTURES="$ROOT/tests/fixtures/local-agents"
HOME_ON="$WORK/home-on"
declare -A DIRS=([claude-code]=.claude [codex]=.codex [copilot-cli]=.copilot [gemini-cli]=.gemini)
for tool in "${!DIRS[@]}"; do
  mkdir -p "$HOME_ON/${DIRS[$tool]}"
  (cd "$FIXTURES/$tool" && tar --exclude=./hooks --exclude=./notify --exclude=./agents.json -cf - .) |
    tar -xf - -C "$HOME_ON/${DIRS[$tool]}"
done
mkdir -p "$WORK/home-off"

declare -A PIDS STATES
launch() { # NAME HOME LOCAL
  local state="$WORK/state-$1"
  STATES[$1]=$state
  env $(run_env "$state") HOME="$2" AGENTBAR_LOCAL="$3" CLAUDE_CONFIG_DIR= CODEX_HOME= \
    COPILOT_HOME= GEMINI_CLI_HOME= DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent \
    RUST_LOG=agentbar=warn "$BIN" run --headless >"$state/run.log" 2>&1 &
  PIDS[$1]=$!
  CLEANUP_PIDS+=("$!")
}
launch off "$WORK/home-off" 0
launch on "$HOME_ON" 1

# count NAME KIND: how many listed tasks come from GitHub (gh) or local sources (local); empty
# until it answers.
count() {
  local state=${STATES[$1]} url token
  [ -s "$state/endpoint.json" ] || return 0
  url=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$state/endpoint.json")
  token=$(sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' "$state/endpoint.json")
  local flag=-c
  [ "$2" = local ] && flag=-vc
  curl -sf -H "Authorization: Bearer $token" "$url/v1/tasks" |
    grep -o '"source":"[a-z:.-]*"' | grep $flag '"source":"gh' || true
}
for _ in $(seq 1 600); do
  on=$(count on local); off=$(count off local); gh_on=$(count on gh); gh_off=$(count off gh)
  [ "${on:-0}" -gt 0 ] && [ "${gh_on:-0}" -ge 1000 ] && [ "${gh_off:-0}" -ge 1000 ] && break
  sleep 0.1
done
echo "local-idle: listed: on $gh_on cloud + $on local tasks, off $gh_off cloud + $off local"
sleep 5

# voluntary PID: "TID COUNT" per thread, its voluntary context switches (one per sleep and wake).
voluntary() {
  local status tid
  for status in /proc/"$1"/task/*/status; do
    tid=${status%/status}
    awk -v tid="${tid##*/}" '/^voluntary_ctxt_switches:/ {print tid, $2}' "$status" 2>/dev/null || true
  done
}
declare -A CPU0
for name in off on; do
  CPU0[$name]=$(cpu_s "${PIDS[$name]}")
  voluntary "${PIDS[$name]}" | sed 's/^/first /' >"$WORK/switches-$name"
done
# Sampled every half second, so a thread that ends within the window (tokio's blocking threads
# end after 10 s idle) still counts up to its last sample; one born in it counts from zero.
end=$(($(date +%s%N) + WINDOW * 1000000000))
while [ "$(date +%s%N)" -lt "$end" ]; do
  sleep 0.5
  for name in off on; do voluntary "${PIDS[$name]}" >>"$WORK/switches-$name"; done
done
wakeups() {
  awk '$1 == "first" {first[$2] = $3; next} {last[$1] = $2}
       END {for (t in last) n += last[t] - first[t]; print n + 0}' "$WORK/switches-$1"
}
printf 'local-idle: %-5s %9s %8s %14s %16s %8s\n' local "RSS (MB)" threads "CPU (s/window)" "wake-ups/window" "per min"
for name in off on; do
  pid=${PIDS[$name]}
  cpu=$(echo "$(cpu_s "$pid") - ${CPU0[$name]}" | bc)
  wakes=$(wakeups "$name")
  printf 'local-idle: %-5s %9s %8s %14s %16s %8s\n' "$name" "$(rss_mb "$pid")" "$(threads "$pid")" \
    "$cpu" "$wakes" "$(echo "scale=1; $wakes * 60 / $WINDOW" | bc)"
done
