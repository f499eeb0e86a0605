#!/usr/bin/env bash
# API cost: throughput and latency percentiles of GET /v1/tasks (1,000 tasks) as identity and as
# gzip, next to GET /v1/health, one after the other on the same server, with wrk (Debian's
# package, installed if missing); then the ratios, the body sizes, and what rendering and
# compressing each overview cost (from the demo's debug log).
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
# The server's own timings: one line per rendered overview and per compressed body.
DEMO_RUST_LOG="agentbar=warn,agentbar::server=debug"
start_demo 1000 bulk
PLAIN="$STATE/plain.lua"
GZIP="$STATE/gzip.lua"
printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$TOKEN" >"$PLAIN"
printf 'wrk.headers["Authorization"] = "Bearer %s"\nwrk.headers["Accept-Encoding"] = "gzip"\n' "$TOKEN" >"$GZIP"
auth=(-H "Authorization: Bearer $TOKEN")
tasks_bytes=$(curl -s "${auth[@]}" "$URL/v1/tasks" | wc -c)
gzip_bytes=$(curl -s "${auth[@]}" -H "Accept-Encoding: gzip" "$URL/v1/tasks" | wc -c)
tasks_count=$(curl -s "${auth[@]}" "$URL/v1/tasks" | grep -o '"id":' | wc -l)
health_bytes=$(curl -s "$URL/v1/health" | wc -c)
echo "api-load: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo '+changes')"
echo "api-load: $tasks_count tasks; /v1/tasks body $tasks_bytes bytes identity, $gzip_bytes gzip; /v1/health $health_bytes bytes"
echo "api-load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency"

# run NAME SCRIPT PATH: one wrk run, its output kept as $STATE/wrk-NAME.txt.
run() {
  echo "== $1: GET $3 (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$2" "$URL$3" | tee "$STATE/wrk-$1.txt"
}
run health "$PLAIN" /v1/health
run tasks "$PLAIN" /v1/tasks
run tasks-gzip "$GZIP" /v1/tasks

rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$STATE/wrk-$1.txt"; }
# percentile NAME P: wrk's latency distribution line for P% (50, 75, 90, 99).
percentile() { awk -v p="$2%" '$1 == p { print $2 }' "$STATE/wrk-$1.txt"; }
max_latency() { awk '$1 == "Latency" { print $4 }' "$STATE/wrk-$1.txt"; }
errors() { grep -h "Non-2xx\|Socket errors" "$STATE/wrk-$1.txt" | tr -s ' ' | paste -sd';' - || true; }
echo
echo "| route | req/s | p50 | p75 | p90 | p99 | max | errors |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for name in health tasks tasks-gzip; do
  echo "| $name | $(rps $name) | $(percentile $name 50) | $(percentile $name 75) | $(percentile $name 90) | $(percentile $name 99) | $(max_latency $name) | $(errors $name) |"
done
health=$(rps health)
echo
echo "api-load: tasks/health = $(echo "scale=3; $(rps tasks) / $health" | bc), tasks-gzip/health = $(echo "scale=3; $(rps tasks-gzip) / $health" | bc)"

# The server's cost per overview (microseconds; medians over the run).
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
renders=$(grep 'rendered an overview' "$STATE/demo.log" | grep -o 'micros=[0-9]*' | cut -d= -f2)
list_gzips=$(grep 'compressed a body' "$STATE/demo.log" | grep 'application/json' | grep -o 'micros=[0-9]*' | cut -d= -f2)
echo "api-load: overviews rendered: $(echo "$renders" | grep -c . || true), median $(echo "$renders" | median) µs (list + cc.xml, on the blocking pool)"
echo "api-load: list bodies compressed: $(echo "$list_gzips" | grep -c . || true), median $(echo "$list_gzips" | median) µs (once per overview, only while clients take gzip)"
