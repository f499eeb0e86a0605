#!/usr/bin/env bash
# Takes a picture of agentbar's tray icon and its open menu under Xvfb with xfce4-panel (the
# panel's systray hosts StatusNotifier items), for people to look at; it asserts nothing.
# Installs xfce4-panel, imagemagick and xdotool when missing. Usage:
#   scripts/screenshot-tray.sh [OUT.png]     (default: target/tray-screenshot.png)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--inside" ]; then
  source scripts/setup.sh
  need=()
  for pkg in xfce4-panel imagemagick xdotool; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  if ((${#need[@]})); then
    echo "screenshot: installing ${need[*]}" >&2
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  cargo build --locked --bin agentbar
  out="$(realpath -m "${1:-${CARGO_TARGET_DIR:-target}/tray-screenshot.png}")"
  exec xvfb-run -a -s "-screen 0 1024x600x24" dbus-run-session -- "$0" --inside "$out"
fi

# Inside the virtual display and session bus.
out="$2"
bin="${CARGO_TARGET_DIR:-target}/debug/agentbar"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export NO_AT_BRIDGE=1 XDG_CONFIG_HOME="$work/config"
export AGENTBAR_STATE_DIR="$work/state" AGENTBAR_CONFIG_DIR="$work/agentbar"

# The panel's default layout (with the systray) without its first-start dialog.
mkdir -p "$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml"
cp /etc/xdg/xfce4/panel/default.xml "$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml/xfce4-panel.xml"
xfce4-panel --disable-wm-check >"$work/panel.log" 2>&1 &
pids+=($!)
sleep 3

"$bin" demo --speed 4 >"$work/agentbar.log" 2>&1 &
pids+=($!)
# Wait until the demo has polled and the icon shows counts.
for _ in $(seq 1 50); do
  "$bin" status >/dev/null 2>&1 && break
  sleep 0.2
done
sleep 4

# Find the icon by its colours (running blue, waiting amber) and click it to open the menu.
import -window root "$work/before.png"
spot="$(convert "$work/before.png" txt:- 2>/dev/null | grep -iE '#(1F6FEB|D97706)' | cut -d: -f1 |
  awk -F, '{x += $1; y += $2; n++} END {if (n) printf "%d,%d", x / n, y / n}')"
if [ -z "$spot" ]; then
  echo "screenshot: the tray icon was not found; saving the screen as it is" >&2
  cp "$work/before.png" "$out"
  exit 0
fi
# Left button: xfce4-panel shows an appindicator's menu on it.
xdotool mousemove "${spot%,*}" "${spot#*,}" sleep 0.5 click 1
sleep 2
import -window root "$out"
echo "screenshot: $out" >&2
