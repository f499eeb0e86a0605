#!/usr/bin/env bash
# API cost: throughput and latency percentiles of GET /v1/tasks (1,000 tasks) next to
# GET /v1/health on the same server, with wrk (Debian's package, installed if missing).
# Usage: bench/api-load.sh [SECONDS] [CONNECTIONS]   (defaults 10 s, 16 connections; 2 wrk threads, 1 for 1 connection)
source "$(dirname "$0")/common.sh"
DURATION="${1:-10}"
CONNECTIONS="${2:-16}"
THREADS=$(( CONNECTIONS < 2 ? 1 : 2 ))
if ! command -v wrk >/dev/null 2>&1; then
  echo "api-load: installing wrk from Debian" >&2
  apt-get install -y -qq wrk >/dev/null || { sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; }
fi
build_bench_binaries
start_demo 1000 bulk
LUA="$STATE/bearer.lua"
cat >"$LUA" <<LUA
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA
tasks_bytes=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/v1/tasks" | wc -c)
tasks_count=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/v1/tasks" | grep -o '"id":' | wc -l)
echo "api-load: $tasks_count tasks, /v1/tasks body $tasks_bytes bytes; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency"
run() {
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$LUA" "$URL$1" | tee "$STATE/wrk$(echo "$1" | tr / _).txt"
}
echo "== GET /v1/health"; run /v1/health
echo "== GET /v1/tasks"; run /v1/tasks
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$STATE/wrk$(echo "$1" | tr / _).txt"; }
health=$(rps /v1/health); tasks=$(rps /v1/tasks)
errors=$(cat "$STATE"/wrk*.txt | grep -c "Non-2xx\|Socket errors" || true)
echo "api-load: health $health req/s, tasks $tasks req/s, tasks/health = $(echo "scale=3; $tasks / $health" | bc); error lines: $errors"
