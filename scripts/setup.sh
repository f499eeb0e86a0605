#!/usr/bin/env bash
# Installs what building and testing agentbar needs on Debian/Ubuntu, when it is missing.
# Sourced by demo.sh and test.sh; safe to run again (it only installs what is absent).
set -euo pipefail

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
# tests/macos_bundle.rs reads the bundle's Info.plist with Python's plistlib.
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
if command -v dpkg >/dev/null 2>&1; then
  need_pkg() { dpkg -s "$1" >/dev/null 2>&1 || need_apt+=("$1"); }
  need_pkg libgtk-3-dev                # building the tray (GTK, through tao and tray-icon)
  need_pkg libayatana-appindicator3-1  # running it: tray-icon loads it at run time
  need_pkg xdg-utils                   # xdg-open, how links reach the browser
  need_pkg xvfb                        # tests: xvfb-run gives the tray a display
  need_pkg xauth                       # ... which xvfb-run needs
  need_pkg dbus                        # tests: dbus-run-session gives it a session bus
fi
# The keychain test: a Secret Service provider on that session bus.
command -v gnome-keyring-daemon >/dev/null 2>&1 || need_apt+=(gnome-keyring)

if ((${#need_apt[@]})); then
  echo "setup: installing ${need_apt[*]}" >&2
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is missing; install Rust from https://rustup.rs and run this again" >&2
  exit 2
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt >/dev/null 2>&1 || true
