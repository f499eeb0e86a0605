#!/usr/bin/env bash
# An idle poll per GitHub account is one conditional request: two accounts, each against its own
# `agentbar sim` (1,000 listed tasks, all finished), one `agentbar run --headless` watching both
# (the default account through AGENTBAR_TOKEN, the second one added with `login --with-token`).
# The idle poll interval is shortened to POLL seconds in config.toml so that a WINDOW holds
# several polls. After the first loads and one idle poll, each simulator's request log and
# counters are cleared; after the window they say how many requests each account made, on which
# routes, and how many were answered 304.
# Usage: bench/accounts-idle.sh [WINDOW_SECONDS] [POLL_SECONDS]   (default 60 and 10)
source "$(dirname "$0")/common.sh"
WINDOW="${1:-60}"
POLL="${2:-10}"
(cd "$ROOT" && cargo build --quiet --profile "$PROFILE" --bin agentbar --example bulk-scenario)
start_sim 1000 listed
FIRST_URL=$SIM_URL
"$SCENARIO_BIN" 1000 listed >"$WORK/scenario2.json"
"$WORK/agentbar-sim" sim --scenario "$WORK/scenario2.json" >"$WORK/sim2.out" 2>"$WORK/sim2.log" &
CLEANUP_PIDS+=("$!")
for _ in $(seq 1 500); do
  SECOND_URL=$(sed -n 's/^GitHub simulator listening on //p' "$WORK/sim2.out")
  [ -n "$SECOND_URL" ] && break
  sleep 0.01
done
echo "accounts-idle: $PROFILE build $(cd "$ROOT" && git rev-parse --short HEAD); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); idle poll every $POLL s, window $WINDOW s"

STATE="$WORK/state"
mkdir -p "$STATE/config" "$STATE/home"
printf '[poll]\nslow_seconds = %s\n' "$POLL" >"$STATE/config/config.toml"
common=(AGENTBAR_STATE_DIR="$STATE" AGENTBAR_CONFIG_DIR="$STATE/config" AGENTBAR_PORT=0
  AGENTBAR_NO_KEYCHAIN=1 AGENTBAR_LOCAL=0 HOME="$STATE/home"
  DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent RUST_LOG=agentbar=warn)
echo gho_secondaccount000000000000000000000000 |
  env "${common[@]}" "$BIN" login --with-token --name second --api-url "$SECOND_URL" \
    --web-url "$SECOND_URL/web" >"$WORK/login.log" 2>&1
env "${common[@]}" AGENTBAR_TOKEN=gho_firstaccount0000000000000000000000000 \
  AGENTBAR_GITHUB_API_URL="$FIRST_URL" AGENTBAR_GITHUB_WEB_URL="$FIRST_URL/web" \
  "$BIN" run --headless >"$STATE/run.log" 2>&1 &
PID=$!
CLEANUP_PIDS+=("$PID")

listed() {
  [ -s "$STATE/endpoint.json" ] || { echo 0; return; }
  local url token
  url=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$STATE/endpoint.json")
  token=$(sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' "$STATE/endpoint.json")
  curl -sf -H "Authorization: Bearer $token" "$url/v1/tasks" | grep -o '"total":[0-9]*' | cut -d: -f2 || echo 0
}
for _ in $(seq 1 600); do
  [ "$(listed)" = 2000 ] && break
  sleep 0.1
done
echo "accounts-idle: both accounts loaded: $(listed) tasks listed"
sleep $((POLL + 2))
for url in "$FIRST_URL" "$SECOND_URL"; do
  curl -sf -X DELETE "$url/_sim/requests" >/dev/null
  curl -sf -X POST "$url/_sim/stats/reset" >/dev/null
done
sleep "$WINDOW"
for name in first second; do
  url=$FIRST_URL
  [ "$name" = second ] && url=$SECOND_URL
  requests=$(curl -sf "$url/_sim/requests")
  count=$(echo "$requests" | grep -o '"route":"[^"]*"' | wc -l)
  routes=$(echo "$requests" | grep -o '"route":"[^"]*"' | sort | uniq -c | awk '{printf "%s%s %s", (n++ ? ", " : ""), $2, $1}' | sed 's/"route"://g; s/"//g')
  stats=$(curl -sf "$url/_sim/stats")
  not_modified=$(echo "$stats" | grep -o '"total":{[^}]*}' | grep -o '"not_modified":[0-9]*' | cut -d: -f2)
  echo "accounts-idle: account $name: $count requests in ${WINDOW} s ($(echo "scale=1; $WINDOW / $POLL" | bc) polls due): ${routes:-none}; ${not_modified:-0} answered 304"
done
