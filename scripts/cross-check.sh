#!/usr/bin/env bash
# Type-checks agentbar's macOS and Windows code on this Linux machine: `cargo check` and
# `cargo clippy -- -D warnings` (all targets: lib, bin, tests, examples, benches), with the
# default features and with `--no-default-features`, for every target below. Nothing is linked
# or run: this proves the platform code compiles and is lint-clean, not that it works.
#
# Usage: scripts/cross-check.sh [TRIPLE…]   (default: all four; exit 1 when any step fails)
#
# The route (why each piece, and its limits, are in the comments below):
# - rustup here carries only Linux's standard library and cannot download others, so the
#   standard library is built from source (`-Zbuild-std`, allowed on a stable compiler by
#   RUSTC_BOOTSTRAP=1) with Debian's 1.96 compiler, which ships the matching library sources
#   (`rust-web-src`) and clippy;
# - crates that compile C for the target (aws-lc-sys, alloca, mac-notification-sys) need a C
#   compiler with that target's headers: `zig cc` (PyPI `ziglang`, which carries the macOS libc
#   and mingw-w64 headers), wired up by `cargo-zigbuild`, both in a venv under target/cross.
#
# Everything it installs or caches stays under target/cross (one cargo target dir per triple,
# so a rerun is warm), except the Debian packages, which apt puts where it puts them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cross=$root/target/cross

all_targets=(aarch64-apple-darwin x86_64-apple-darwin x86_64-pc-windows-msvc x86_64-pc-windows-gnu)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
  case " ${all_targets[*]} " in
    *" $target "*) ;;
    *) echo "cross-check: unknown target $target (known: ${all_targets[*]})" >&2; exit 2 ;;
  esac
done

say() { echo "cross-check: $*" >&2; }
elapsed() { local s=$(($(date +%s) - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
started=$(date +%s)

# --- Tools, installed only when missing -------------------------------------------------------
# Debian's compiler with its library sources and clippy (bookworm-security carries 1.96; the
# plain bookworm 1.85 is too old for tray-icon, which the version check below catches).
debian_rust=(rustc-web cargo-web rust-web-src rust-web-clippy)
need_apt=()
for pkg in "${debian_rust[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg"); done
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
if ((${#need_apt[@]})); then
  say "installing ${need_apt[*]} (about 1.2 GB, once)"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
rust_version=$(/usr/bin/rustc --version | awk '{print $2}')
rust_minor=$(echo "$rust_version" | cut -d. -f2)
if ((rust_minor < 90)); then
  say "Debian's rustc is $rust_version; this needs 1.90 or newer (rustc-web from bookworm-security)"
  exit 2
fi
if [ ! -f "$(/usr/bin/rustc --print sysroot)/lib/rustlib/src/rust/library/Cargo.lock" ]; then
  say "the standard library's sources are missing (package rust-web-src)"
  exit 2
fi

# zig and cargo-zigbuild, pinned to the versions this was verified with, in a venv of our own
# (pip's cache off, so nothing lands in the home directory).
venv=$cross/venv
python_tools=(ziglang==0.17.1 cargo-zigbuild==0.24.1)
if [ ! -x "$venv/bin/cargo-zigbuild" ] || [ ! -f "$venv/.agentbar-tools" ] ||
  [ "$(cat "$venv/.agentbar-tools")" != "${python_tools[*]}" ]; then
  say "creating the zig venv in ${venv#"$root"/} (${python_tools[*]})"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check "${python_tools[@]}"
  echo "${python_tools[*]}" >"$venv/.agentbar-tools"
fi

# --- Environment for every run ----------------------------------------------------------------
# Debian's cargo and rustc first (rustup's proxies cannot build for these targets), the venv for
# zig. A CARGO_HOME of our own: cargo finds subcommands in $CARGO_HOME/bin before PATH, and
# rustup's `cargo-clippy` proxy there would run the wrong clippy; it also keeps the crates this
# downloads (the project's and the standard library's dependencies) out of the home directory.
export PATH="$venv/bin:/usr/bin:$PATH"
export CARGO=/usr/bin/cargo RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
export CARGO_HOME=$cross/cargo-home
export XDG_CACHE_HOME=$cross/cache ZIG_GLOBAL_CACHE_DIR=$cross/cache/zig
export PIP_NO_CACHE_DIR=1
unset RUSTUP_TOOLCHAIN RUSTFLAGS RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER
mkdir -p "$CARGO_HOME" "$XDG_CACHE_HOME" "$cross/bin"

# x86_64-pc-windows-msvc: zig has no msvc headers (windows.h, malloc.h), so cargo-zigbuild cannot
# serve it; C for it is compiled by zig against the mingw-w64 headers instead (the objects are
# COFF either way, and nothing is linked) and archived with zig's lib.exe-compatible tool.
# Written to a new file and renamed, so another run of this script (say, one target at a time in
# parallel) never executes a half-written wrapper.
# cc-rs also passes `--target=x86_64-pc-windows-msvc`, which zig cannot parse: the C compiler's
# wrapper drops it and names the mingw target instead.
write_wrapper() {
  local path=$cross/bin/$1 body=$2
  printf '#!/bin/sh\n%s\n' "$body" >"$path.$$"
  chmod +x "$path.$$"
  mv -f "$path.$$" "$path"
}
write_wrapper zig-cc-msvc 'for arg in "$@"; do shift; case $arg in --target=*) ;; *) set -- "$@" "$arg" ;; esac; done
exec "'"$venv"'/bin/python3" -m ziglang cc -target x86_64-windows-gnu "$@"'
write_wrapper zig-lib 'exec "'"$venv"'/bin/python3" -m ziglang lib "$@"'

# --- The checks ---------------------------------------------------------------------------------
# One command line per target; the same arguments for check and clippy.
command_for() {
  case "$1" in
    *-apple-darwin)
      # mac-notification-sys compiles one Objective-C file against Apple's SDK (Cocoa.h), which
      # no reachable registry carries; its build script skips that compile when DOCS_RS is set.
      # Its Rust side, and every other crate's C, is still checked.
      echo "env DOCS_RS=1 cargo-zigbuild" ;;
    x86_64-pc-windows-gnu) echo "cargo-zigbuild" ;;
    x86_64-pc-windows-msvc)
      echo "env CC_x86_64_pc_windows_msvc=$cross/bin/zig-cc-msvc" \
        "AR_x86_64_pc_windows_msvc=$cross/bin/zig-lib" \
        "CFLAGS_x86_64_pc_windows_msvc=-Wno-unused-command-line-argument cargo" ;;
  esac
}

failed=()
summary=()
for target in "${targets[@]}"; do
  target_started=$(date +%s)
  target_dir=$cross/$target
  read -r -a tool <<<"$(command_for "$target")"
  common=(--locked --quiet -Zbuild-std=std,panic_abort --target "$target" --target-dir "$target_dir" --all-targets)
  target_failed=()
  for features in default none; do
    feature_args=()
    [ "$features" = none ] && feature_args=(--no-default-features)
    for step in check clippy; do
      lint_args=()
      [ "$step" = clippy ] && lint_args=(-- -D warnings)
      step_started=$(date +%s)
      say "$target: cargo $step ${feature_args[*]:-(default features)}"
      # nice: the cross builds are the longest part of the run and should not starve the rest.
      if nice -n 10 "${tool[@]}" "$step" "${common[@]}" "${feature_args[@]}" "${lint_args[@]}"; then
        say "$target: $step ${feature_args[*]:-} ok in $(elapsed "$step_started")"
      else
        say "$target: $step ${feature_args[*]:-} FAILED after $(elapsed "$step_started")"
        target_failed+=("$step${feature_args[*]:+ ${feature_args[*]}}")
      fi
    done
  done
  if ((${#target_failed[@]})); then
    failed+=("$target")
    summary+=("$(printf '%-24s FAILED (%s)  %s' "$target" "$(IFS=,; echo "${target_failed[*]}")" "$(elapsed "$target_started")")")
  else
    summary+=("$(printf '%-24s ok  %s' "$target" "$(elapsed "$target_started")")")
  fi
done

echo "== cross-check summary (type-checked, not linked or run; rustc $rust_version from Debian)" >&2
printf '   %s\n' "${summary[@]}" >&2
echo "   total $(elapsed "$started")" >&2
cat >&2 <<'EOF'
   Not covered here: mac-notification-sys's Objective-C shim (needs Apple's SDK); C for msvc is
   checked against mingw-w64's headers, not Microsoft's; nothing is linked, run or tested.
EOF
if ((${#failed[@]})); then
  say "failed: ${failed[*]}"
  exit 1
fi
