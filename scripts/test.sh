#!/usr/bin/env bash
# The README's second command: install what is missing, then run every check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# The run gets a temporary directory of its own, and it must be empty at the end: whatever a
# test leaves behind fails the run. Its own, not a before/after listing of /tmp, because other
# programs write to /tmp at the same time and a listing would blame them (or hide us).
run_tmp=$(mktemp -d)
trap 'rm -rf "$run_tmp"' EXIT
export TMPDIR="$run_tmp"

# No incremental compilation: a run starts from a clean checkout, so the incremental caches
# only cost disk (they were 29 of the run's 39 GB: the host build and four cross targets) and
# time. Free space is printed at both ends, because a full disk fails a run in odd places.
export CARGO_INCREMENTAL=0
disk() { echo "== disk: $(df -h --output=avail . | tail -1 | tr -d ' ') free; target/ holds $(du -sh target 2>/dev/null | cut -f1)" >&2; }
disk

echo "== cargo fmt --check" >&2
cargo fmt --all -- --check
echo "== cargo clippy" >&2
cargo clippy --locked --all-targets -- -D warnings
echo "== cargo clippy, built without the tray (--no-default-features)" >&2
cargo clippy --locked --all-targets --no-default-features -- -D warnings
# The macOS and Windows code, type-checked and clippy-checked from here (no Mac or Windows
# machine in CI): four targets, with and without default features; it installs its own tools.
echo "== macOS and Windows: cargo check + clippy (scripts/cross-check.sh)" >&2
scripts/cross-check.sh
echo "== cargo test" >&2
cargo test --locked --all-targets
echo "== notifications over D-Bus (dbus-run-session)" >&2
# Its own session bus, so the fake notification server can own the name; the test refuses to
# skip here, because this is where it is meant to run.
AGENTBAR_REQUIRE_DBUS=1 dbus-run-session -- cargo test --locked --test notifications
echo "== the OS keychain, for real (dbus-run-session + an unlocked gnome-keyring)" >&2
# A keyring of its own (a fresh XDG_DATA_HOME), so the password below creates it rather than
# failing to open the user's. The daemon registers org.freedesktop.secrets a moment after it
# forks: wait for the name, or the test would find no keychain and (rightly) fail.
keyring_home=$(mktemp -d)
XDG_DATA_HOME="$keyring_home" dbus-run-session -- bash -c 'echo -n agentbar-ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  for _ in $(seq 50); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
    sleep 0.1
  done
  AGENTBAR_REQUIRE_KEYRING=1 cargo test --locked --test keychain'
rm -rf "$keyring_home"
# The tray's end-to-end test needs a display and a session bus; here it must run, not skip.
echo "== tray end to end (xvfb-run -a dbus-run-session)" >&2
AGENTBAR_REQUIRE_TRAY_TEST=1 NO_AT_BRIDGE=1 xvfb-run -a dbus-run-session -- \
  cargo test --locked --test tray

# The fuzzers, for a bounded time each (FUZZ_SECONDS, default 60); a crash fails the run.
echo "== fuzzing (cargo fuzz, ${FUZZ_SECONDS:-60} s per target)" >&2
scripts/fuzz.sh

echo "== raycast: npm ci, build (type-check), lint, test" >&2
if ! command -v npm >/dev/null 2>&1; then
  echo "test: npm is missing; install Node.js 20 or newer (https://nodejs.org) and run this again" >&2
  exit 2
fi
(
  cd raycast
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund
  else
    npm install --no-audit --no-fund
  fi
  npm run build
  npm run lint
  npm test
)

echo "== nothing left in the temporary directory" >&2
leftovers=$(find "$run_tmp" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
if [ -n "$leftovers" ]; then
  echo "test: the run left these in its temporary directory ($run_tmp):" >&2
  echo "$leftovers" | head -n 40 >&2
  exit 1
fi
disk
echo "== all checks passed" >&2
