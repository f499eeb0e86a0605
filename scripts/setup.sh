#!/usr/bin/env bash
# Installs what building and testing agentbar needs on Debian/Ubuntu, when it is missing.
# Sourced by demo.sh and test.sh; safe to run again (it only installs what is absent).
set -euo pipefail

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
# The D-Bus tests (notifications, the keychain): a session bus of their own, xdg-open (through
# which a click reaches the BROWSER script) and a Secret Service provider.
dpkg -s dbus-daemon >/dev/null 2>&1 || need_apt+=(dbus-daemon)
dpkg -s xdg-utils >/dev/null 2>&1 || need_apt+=(xdg-utils)
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
