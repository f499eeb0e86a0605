#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time and prints the executions each reached.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60; FUZZ_SECONDS works too)
# Installs cargo-fuzz when missing. Uses the nightly toolchain when one is installed, else the
# stable one with RUSTC_BOOTSTRAP=1 (libFuzzer's instrumentation needs unstable flags).
# Seeds come from fuzz/seeds/<target>; what a run finds stays in fuzz/corpus/ (ignored by git),
# and a crash leaves its input in fuzz/artifacts/<target>/ and fails this script.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-${FUZZ_SECONDS:-60}}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz" >&2
  cargo install --locked cargo-fuzz >&2
fi
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  export RUSTC_BOOTSTRAP=1
fi

targets=$(cargo "${toolchain[@]}" fuzz list)
summary=()
for target in $targets; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  echo "== fuzz $target for ${SECONDS_PER_TARGET} s" >&2
  log=$(mktemp)
  # -O: optimised with debug assertions, so a minute covers many inputs.
  if ! cargo "${toolchain[@]}" fuzz run -O "$target" "$corpus" "fuzz/seeds/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz: $target failed; the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log" | tail -n 1)
  rm -f "$log"
  summary+=("$target: ${runs:-no run count printed}")
done
echo "== fuzz summary (${SECONDS_PER_TARGET} s per target)" >&2
printf '  %s\n' "${summary[@]}" >&2
